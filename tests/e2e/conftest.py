"""Browser tests: the real app on a local port, driven by Chromium through Playwright.

Fixtures others can reuse:

* ``live_server`` — base URL (``http://127.0.0.1:PORT``) of the app, served by
  werkzeug in a background thread against its own migrated database with the
  demo centre seeded (session scope; tests must not change data they share).
* ``demo_ids`` — demo user ids by email.
* ``browser`` — Chromium: Debian's ``/usr/bin/chromium`` when present, else
  Playwright's own. When none can start: fail if ``CI=true``, else skip.
* ``page_as(email, javascript=True, viewport=None, bypass_csp=False)`` — a new page in a fresh
  context, already signed in as ``email`` (None = anonymous), with relative
  URLs resolved against ``live_server``.
* ``sign_in(page, email)`` — sign in through the real form.
* ``axe_violations(page)`` — serious/critical axe-core violations of a loaded
  page; open it with ``page_as(email, bypass_csp=True)`` (the injected script
  would be blocked by the CSP, so only the axe check bypasses it).
* ``scratch`` — sessions and whiteboards a test makes for itself on the live app
  (``tests/e2e/scratch.py``), deleted when the test ends; for tests that change data.
* ``screenshot(page, name)`` — save ``test-results/screenshots/<name>.png``, and
  ``docs/screenshots/<name>.png`` when ``UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from dashboard.extensions import db
from tests.conftest import IN_CI
from tests.e2e.scratch import Scratch
from tests.live_server import demo_centre_app, served

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--headless",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "tutoring-demo"


@pytest.fixture(scope="session")
def live_app(make_database) -> Iterator[Flask]:
    """The app on its own migrated database with the demo centre seeded."""
    # Many sign-ins from one address in a few seconds: the limit is tested elsewhere.
    with demo_centre_app(make_database("e2e"), LOGIN_RATE_LIMIT="1000 per minute") as app:
        yield app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Base URL of ``live_app`` served on a free localhost port in a background thread."""
    with served(live_app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def demo_ids(live_app: Flask) -> dict[str, int]:
    """Demo user ids by email."""
    from dashboard.models import User

    with live_app.app_context():
        return {u.email: u.id for u in db.session.scalars(sa.select(User))}


@pytest.fixture
def scratch(live_app: Flask, demo_ids: dict[str, int]) -> Iterator[Scratch]:
    """Rows made by one test (``Scratch``), deleted when it ends."""
    made = Scratch(live_app, demo_ids)
    yield made
    made.clean()


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    """Chromium: the system one if installed, else Playwright's; skip (or fail in CI) if none."""
    attempts: list[tuple[str, dict[str, Any]]] = []
    if SYSTEM_CHROMIUM.exists():
        attempts.append(
            (str(SYSTEM_CHROMIUM), {"executable_path": str(SYSTEM_CHROMIUM), "args": CHROMIUM_ARGS})
        )
    attempts.append(("Playwright's Chromium", {"args": CHROMIUM_ARGS}))
    problems = []
    for name, options in attempts:
        try:
            launched = playwright.chromium.launch(headless=True, **options)
        except Exception as error:  # any launch failure: try the next browser
            problems.append(f"{name}: {str(error).splitlines()[0]}")
            continue
        yield launched
        launched.close()
        return
    reason = "no Chromium could be started for the browser tests: " + "; ".join(problems)
    if IN_CI:
        pytest.fail(reason + " (CI=true, so this is an error: install chromium)")
    pytest.skip(reason)


@pytest.fixture
def sign_in() -> Callable[[Any, str], None]:
    """Sign ``page`` in as ``email`` through the sign-in form (works with or without JS)."""

    def do(page: Any, email: str) -> None:
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)

    return do


@pytest.fixture
def page_as(browser: Any, live_server: str, sign_in) -> Iterator[Callable[..., Any]]:
    """Factory: a page in a fresh context, signed in as ``email`` (or anonymous).

    Any Content-Security-Policy violation the browser reports on such a page
    (outside ``bypass_csp`` contexts) fails the test when it ends.
    """
    contexts: list[Any] = []
    csp_violations: list[str] = []

    def open_page(
        email: str | None = None,
        *,
        javascript: bool = True,
        viewport: dict[str, int] | None = None,
        bypass_csp: bool = False,
    ) -> Any:
        context = browser.new_context(
            base_url=live_server,
            java_script_enabled=javascript,
            viewport=viewport or DESKTOP,
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if not bypass_csp:
            page.on(
                "console",
                lambda message: (
                    csp_violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
        if email:
            sign_in(page, email)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert csp_violations == [], "Content-Security-Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture(scope="session")
def axe_violations() -> Callable[[Any], list[dict[str, Any]]]:
    """Run axe-core on a loaded page; return its serious and critical violations.

    The injected script would be blocked by our Content-Security-Policy, so the
    page must come from ``page_as(..., bypass_csp=True)``: only this check
    runs with the policy bypassed.
    """
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing; run `make setup` (npm ci installs axe-core)")

    def check(page: Any) -> list[dict[str, Any]]:
        page.add_script_tag(path=str(AXE_SCRIPT))
        result = page.evaluate("async () => await axe.run(document)")
        assert result["passes"], "axe-core checked nothing: did the page load?"
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot; into docs/screenshots/ too when UPDATE_SCREENSHOTS=1."""
    out = ROOT / "test-results" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    publish = os.environ.get("UPDATE_SCREENSHOTS", "").lower() in ("1", "true", "yes")

    def take(page: Any, name: str) -> Path:
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if publish:
            docs = ROOT / "docs" / "screenshots"
            docs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, docs / f"{name}.png")
        return path

    return take
