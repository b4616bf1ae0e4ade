"""Secure by default: headers, cookies, secret key, CSRF, escaping, error pages, DB outages."""

from __future__ import annotations

import os
import re
import stat
from urllib.parse import urlsplit

import psycopg
import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user
from sqlalchemy.exc import IntegrityError, OperationalError

from dashboard import create_app
from dashboard.blueprints.sessions.board_choices import load_board_choices
from dashboard.config import load_secret_key
from dashboard.extensions import db
from dashboard.models import Course, Session, User, WhiteboardSession
from dashboard.security import CONTENT_SECURITY_POLICY
from dashboard.services.session_views import get_session_view
from tests.conftest import AuthActions, app_config
from tests.helpers import database_fingerprint
from tests.integration.test_permissions_matrix import (
    MATRIX,
    build_url,
    post_body,
    route_keys,
    subjects,
)

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def assert_security_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_policy_allows_no_inline_code_or_eval():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert "unsafe" not in CONTENT_SECURITY_POLICY


# --- headers everywhere -----------------------------------------------------------------


def test_headers_on_pages_fragments_and_redirects(client, auth, demo):
    page = client.get("/login")
    assert page.status_code == 200
    assert_security_headers(page)
    assert page.headers["Cache-Control"] == "no-store"

    redirect = client.get("/")
    assert redirect.status_code == 302
    assert_security_headers(redirect)

    auth.login("coordinator@example.com")
    fragment = client.get("/admin/families", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert_security_headers(fragment)


def test_headers_on_static_files_without_no_store(client):
    response = client.get("/static/js/htmx-config.js")
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_pages_load_no_inline_script_or_style(client, auth, demo):
    auth.login("coordinator@example.com")
    for url in ("/login", "/coordinator/sessions", "/admin/families", "/nope"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert "<style" not in page and not re.search(r"\sstyle=", page), url
        assert "<script>" not in page and not re.search(r"\son[a-z]+=", page), url
        assert re.search(r'htmx-config\.[0-9a-f]{12}\.js"', page), url


@pytest.mark.parametrize(
    ("signed_in_as", "url", "status", "title"),
    [
        (None, "/no-such-page", 404, "Page not found"),
        ("student1@example.com", "/coordinator/sessions", 403, "You do not have access"),
        ("coordinator@example.com", "/sessions/999999", 404, "There is no session #999999."),
        (None, "/logout", 405, "That did not work"),
    ],
)
def test_error_pages_are_friendly_pages_and_fragments(
    client, auth, demo, signed_in_as, url, status, title
):
    if signed_in_as:
        auth.login(signed_in_as)
    page = client.get(url)
    assert page.status_code == status
    body = page.get_data(as_text=True)
    assert "<html" in body and title in body and "Go to your start page" in body
    assert_security_headers(page)

    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == status
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and title in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert_security_headers(fragment)


def test_405_keeps_the_allow_header(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_429_page_has_the_headers(client, auth, demo):
    for _ in range(11):
        response = client.post(
            "/login",
            data={"email": "a@example.com", "password": "x", "csrf_token": auth.csrf_token()},
        )
    assert response.status_code == 429
    assert_security_headers(response)
    assert "Too many attempts" in response.get_data(as_text=True)


def test_htmx_401_has_the_headers(client):
    response = client.get("/coordinator/sessions", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert_security_headers(response)


def test_500_is_a_friendly_page(database_url):
    app = create_app(app_config(database_url, PROPAGATE_EXCEPTIONS=False))

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/duplicate")
    def duplicate():
        raise IntegrityError("INSERT …", {}, Exception("duplicate key"))

    client = app.test_client()
    for url in ("/boom", "/duplicate"):  # a database error that is a bug is a 500, not a 503
        response = client.get(url)
        assert response.status_code == 500, url
        body = response.get_data(as_text=True)
        assert "Something went wrong on our side" in body
        assert "a bug" not in body and "duplicate key" not in body
        assert_security_headers(response)
    with app.app_context():
        db.engine.dispose()


def test_an_operational_error_anywhere_is_a_503(database_url):
    app = create_app(app_config(database_url))

    @app.get("/gone")
    def gone():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    response = app.test_client().get("/gone", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "cannot reach the database" in response.get_data(as_text=True)
    assert "server closed" not in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


# --- database outage and recovery -------------------------------------------------------


def test_database_outage_is_a_503_and_the_app_recovers(make_database, server_url):
    from flask_migrate import upgrade

    from dashboard.services.demo_data import seed_demo

    url = make_database("outage")
    name = urlsplit(url).path.lstrip("/")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
        session_id = db.session.scalar(sa.select(sa.func.min(Session.id)))
    client = app.test_client()
    assert AuthActions(client).login("coordinator@example.com").status_code == 302
    page = f"/sessions/{session_id}"
    assert client.get(page).status_code == 200

    with psycopg.connect(server_url, autocommit=True) as admin:
        try:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            down = client.get(page)
            assert down.status_code == 503
            body = down.get_data(as_text=True)
            assert "The dashboard is unavailable" in body and "<html" in body
            assert down.headers["Retry-After"] == "30"
            assert_security_headers(down)
            fragment = client.get(page, headers={"HX-Request": "true"})
            assert fragment.status_code == 503
            assert "<html" not in fragment.get_data(as_text=True)
            assert client.get("/healthz").status_code == 503
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    # Back again: the same client, still signed in, gets the page without a restart.
    assert client.get(page).status_code == 200
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        db.engine.dispose()


# --- cookies and the secret key ---------------------------------------------------------


def session_cookie_header(app) -> str:
    response = app.test_client().get("/login")
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SESSION_COOKIE_SECURE", "FLASK_DEBUG", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_session_cookie_is_httponly_lax_and_secure_by_default(database_url, clean_env):
    config = app_config(database_url)
    del config["SESSION_COOKIE_SECURE"]
    app = create_app(config)
    header = session_cookie_header(app)
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_session_cookie_not_secure_in_debug_or_when_told(database_url, clean_env):
    config = app_config(database_url)
    del config["SESSION_COOKIE_SECURE"]
    clean_env.setenv("FLASK_DEBUG", "1")
    assert "Secure" not in session_cookie_header(create_app(config))
    clean_env.delenv("FLASK_DEBUG")
    clean_env.setenv("SESSION_COOKIE_SECURE", "0")
    header = session_cookie_header(create_app(config))
    assert "Secure" not in header and "HttpOnly" in header


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, clean_env):
    first = load_secret_key(tmp_path / "instance")
    path = tmp_path / "instance" / "secret_key"
    assert len(first) == 64 and int(first, 16)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret_key(tmp_path / "instance") == first
    assert load_secret_key(tmp_path / "another") != first


def test_secret_key_from_the_environment_wins(tmp_path, database_url, clean_env):
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    assert load_secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
    config = app_config(database_url)
    del config["SECRET_KEY"]
    assert create_app(config).secret_key == "from-the-environment"


# --- CSRF on every POST -----------------------------------------------------------------


def post_routes(app) -> list[str]:
    """Every form POST. The JSON API is CSRF-exempt because cookies never authorise it
    (a request without a token is 401: tests/integration/test_api_tokens.py)."""
    return sorted(
        route
        for route in route_keys(app)
        if route.startswith("POST ") and not route.startswith("POST /api/")
    )


def test_there_are_post_routes_to_check(app):
    assert {"POST /login", "POST /logout", "POST /admin/families/link"} <= set(post_routes(app))


@pytest.mark.parametrize("signed_in_as", [None, "coordinator@example.com"])
def test_every_post_refuses_a_missing_or_forged_csrf_token(app, client, auth, demo, signed_in_as):
    if signed_in_as:
        auth.login(signed_in_as)
    # A real token, but of somebody else's session.
    foreign_token = AuthActions(app.test_client()).csrf_token()
    values = subjects(app, demo, "mine")
    before = database_fingerprint(app)
    for route in post_routes(app):
        url = build_url(app, route, values)
        body = post_body(route, values)
        attempts = {
            "missing": client.post(url, data=body),
            "forged": client.post(url, data={**body, "csrf_token": "forged"}),
            "foreign": client.post(url, data={**body, "csrf_token": foreign_token}),
        }
        if signed_in_as:
            attempts["htmx forged"] = client.post(
                url, data=body, headers={"HX-Request": "true", "X-CSRFToken": "forged"}
            )
        for name, response in attempts.items():
            assert response.status_code == 400, f"{route}: {name} token"
            assert "This form has expired" in response.get_data(as_text=True)
    assert database_fingerprint(app) == before
    if signed_in_as:  # POST /logout without a token did not sign anybody out
        assert client.get("/coordinator/sessions").status_code == 200


def test_htmx_token_header_is_accepted(client, auth, demo):
    auth.login("coordinator@example.com")
    token = auth.csrf_token()
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


# --- stored and reflected text is escaped -----------------------------------------------

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
HOSTILE = "Evil " + "".join(PAYLOADS)
RAW_MARKERS = ("<script>alert", "<img src=x")


def assert_no_raw_payload(body: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped {marker!r} in {where}"


@pytest.fixture
def hostile_demo(app, demo):
    """The demo centre with script payloads in every name, title, topic and board name."""
    with app.app_context():
        db.session.execute(sa.update(User).values(full_name=HOSTILE))
        db.session.execute(sa.update(Course).values(title=HOSTILE))
        db.session.execute(sa.update(WhiteboardSession).values(session_name=HOSTILE))
        db.session.execute(
            sa.update(Session).values(topics=[HOSTILE], topics_covered=[HOSTILE], location=HOSTILE)
        )
        db.session.commit()
    return demo


def test_stored_text_is_escaped_on_every_page(app, client, auth, hostile_demo):
    auth.login("coordinator@example.com")
    values = subjects(app, hostile_demo, "mine")
    pages = [
        route
        for route, row in MATRIX.items()
        if route.startswith("GET ")
        and row["coordinator"] == 200
        and route != "GET /healthz"
        # JSON, and with a token only: tests/integration/test_api_*.py
        and not route.startswith("GET /api/")
    ]
    assert pages
    for route in pages:
        url = build_url(app, route, values)
        page = client.get(url)
        assert page.status_code == 200
        page.get_data()
        page.close()  # a streamed download (sessions.csv) holds its context until closed
        if page.mimetype != "text/html":
            continue  # e.g. .ics downloads: not HTML, so HTML escaping does not apply
        body = page.get_data(as_text=True)
        assert_no_raw_payload(body, url)
        if "<html" in body:
            assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img" in body  # header
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert_no_raw_payload(fragment.get_data(as_text=True), f"{url} (htmx)")


def test_stored_text_is_escaped_in_the_session_card(app, hostile_demo):
    with app.app_context():
        session_id = db.session.scalar(sa.select(sa.func.min(Session.id)))
        with app.test_request_context():
            login_user(db.session.get(User, hostile_demo["coordinator@example.com"]))
            view = get_session_view(session_id)
            load_board_choices([view.tutor_id])  # as the routes do before drawing a card
            html = render_template("sessions/_card.html", s=view)
        db.session.remove()
    assert_no_raw_payload(html, "sessions/_card.html")
    assert "&lt;script&gt;" in html


def test_reflected_input_is_escaped_on_the_sign_in_page(client, auth, demo):
    page = client.get("/login", query_string={"next": "/" + PAYLOADS[1]})
    assert_no_raw_payload(page.get_data(as_text=True), "login next")
    response = client.post(
        "/login",
        data={"email": HOSTILE, "password": "wrong", "csrf_token": auth.csrf_token()},
    )
    assert response.status_code == 401
    assert_no_raw_payload(response.get_data(as_text=True), "login email")


# --- behind a reverse proxy -------------------------------------------------------------


def test_trusted_proxy_limits_by_the_client_address(database_url, demo):
    app = create_app(app_config(database_url, TRUSTED_PROXIES=1))
    client = app.test_client()
    auth = AuthActions(client)
    for attempt in range(11):
        response = client.post(
            "/login",
            data={
                "email": f"guess{attempt}@example.com",
                "password": "wrong",
                "csrf_token": auth.csrf_token(),
            },
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        )
        assert response.status_code == 401, attempt
    with app.app_context():
        db.engine.dispose()
