"""The API docs page in a real browser: Swagger UI runs under the strict CSP and lists the API;
a token made on /account/tokens is shown once and works against the API."""

from __future__ import annotations

import re
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def test_docs_page_shows_the_reference_without_csp_violations(page_as, screenshot):
    page = page_as(None)  # public; a CSP violation fails the test (page_as)
    page.goto("/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Tutoring dashboard API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/sessions/{session_id}").first.wait_for()
    assert page.locator(".opblock-tag").count() == 3  # Sessions, Whiteboards, Reference
    assert "Quick start" in page.content()
    screenshot(page, "api-docs")


def test_token_made_on_the_page_is_shown_once_and_works(page_as, live_server):
    page = page_as("tutor2@example.com")
    page.goto("/account/tokens")
    page.get_by_label("Name").fill("Browser test token")
    page.get_by_label("Read only: list and read what you can see").check()
    page.get_by_role("button", name="Make token").click()
    secret = page.get_by_role("textbox", name="Token secret").input_value()
    assert re.fullmatch(r"tdk_[A-Za-z0-9_-]{40,}", secret)
    request = urllib.request.Request(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert b'"role": "tutor"' in response.read()
    page.reload()
    assert page.get_by_role("textbox", name="Token secret").count() == 0  # shown only once
    page.get_by_role("button", name="Revoke “Browser test token”").click()
    assert "revoked" in page.content()
