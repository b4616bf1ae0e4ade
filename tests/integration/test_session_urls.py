"""``session_url`` builds exactly what ``url_for`` builds, for every per-session route."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from dashboard.session_urls import session_url


def _session_endpoints(app: Flask) -> list[str]:
    return sorted(
        {rule.endpoint for rule in app.url_map.iter_rules() if rule.arguments == {"session_id"}}
    )


def test_there_are_per_session_routes_to_check(app):
    assert {"sessions.detail", "sessions.edit_attendance"} <= set(_session_endpoints(app))


@pytest.mark.parametrize("script_root", ["", "/tutoring"])
@pytest.mark.parametrize("session_id", [1, 42, 987654321, 2_147_483_647])
def test_session_url_equals_url_for(app, script_root, session_id):
    with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
        for endpoint in _session_endpoints(app):
            assert session_url(endpoint, session_id) == url_for(endpoint, session_id=session_id)
            assert session_url(endpoint, session_id).startswith(f"{script_root}/")


def test_session_url_refuses_routes_without_a_session_id(app):
    with app.test_request_context("/"), pytest.raises(ValueError, match="session_id"):
        session_url("coordinator.sessions", 1)
