"""Signing in and out: credentials, sessions, ``next``, rate limits, expired sign-ins."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from dashboard import create_app
from dashboard.extensions import db
from dashboard.models import User
from tests.conftest import app_config

GENERIC_ERROR = "The email or password is wrong."


def set_active(app, email: str, active: bool) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(is_active=active))
        db.session.commit()


def post_login(client, auth, email: str, password: str, **kwargs):
    data = {"email": email, "password": password, "csrf_token": auth.csrf_token()}
    data.update(kwargs.pop("data", {}))
    return client.post("/login", data=data, **kwargs)


def test_login_page_has_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page and 'name="remember"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("email", "home"),
    [
        ("coordinator@example.com", "/coordinator/sessions"),
        ("tutor2@example.com", "/tutors/{id}/calendar"),
        ("student3@example.com", "/students/{id}/upcoming"),
        ("parent2@example.com", "/parents/{id}/upcoming"),
    ],
)
def test_each_role_lands_on_its_home_page(client, auth, demo, email, home):
    expected = home.format(id=demo[email])
    response = auth.login(email)
    assert response.status_code == 302
    assert response.location == expected
    assert client.get("/").location == expected
    # "/" only picks the home page: it has no parameters, and each home page has its own
    # (filters, view/date, tab), so a query string sent to "/" is not carried over.
    assert client.get("/?view=week&tab=past&status=completed").location == expected
    assert client.get("/login").location == expected
    assert client.get(expected).status_code == 200


def test_email_is_case_insensitive(client, auth, demo):
    response = post_login(client, auth, "  Tutor1@EXAMPLE.com ", "tutoring-demo")
    assert response.status_code == 302
    assert response.location == f"/tutors/{demo['tutor1@example.com']}/calendar"


@pytest.mark.parametrize(
    ("email", "password"),
    [("tutor1@example.com", "wrong-password"), ("nobody@example.com", "tutoring-demo")],
    ids=["wrong password", "unknown email"],
)
def test_failed_sign_in_gives_one_generic_message(client, auth, demo, email, password):
    response = post_login(client, auth, email, password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert GENERIC_ERROR in page
    assert "unknown" not in page.lower() and "not found" not in page.lower()
    assert client.get("/coordinator/sessions").status_code == 302  # still signed out


def test_inactive_user_cannot_sign_in(app, client, auth, demo):
    set_active(app, "student2@example.com", False)
    response = post_login(client, auth, "student2@example.com", "tutoring-demo")
    assert response.status_code == 401
    assert GENERIC_ERROR in response.get_data(as_text=True)


def test_deactivated_user_is_signed_out_on_the_next_request(app, client, auth, demo):
    assert auth.login("tutor1@example.com").status_code == 302
    url = f"/tutors/{demo['tutor1@example.com']}/calendar"
    assert client.get(url).status_code == 200
    set_active(app, "tutor1@example.com", False)
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_missing_fields_are_a_400_with_the_form(client, auth, demo):
    response = post_login(client, auth, "", "")
    assert response.status_code == 400
    assert 'name="email"' in response.get_data(as_text=True)


def test_sign_in_starts_a_fresh_session(app, client, auth, demo):
    stale_token = auth.csrf_token()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value

    assert post_login(client, auth, "tutor1@example.com", "tutoring-demo").status_code == 302

    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        account, _dot, fingerprint = session["_user_id"].partition(".")
        assert account == str(demo["tutor1@example.com"]) and len(fingerprint) == 16
    # The token from before signing in belonged to the old session: it no longer works.
    assert client.post("/logout", data={"csrf_token": stale_token}).status_code == 400


def test_remember_me_sets_a_protected_cookie_only_when_asked(client, auth, demo):
    post_login(client, auth, "tutor1@example.com", "tutoring-demo")
    assert client.get_cookie("remember_token") is None
    auth.logout()
    response = post_login(
        client, auth, "tutor1@example.com", "tutoring-demo", data={"remember": "y"}
    )
    assert response.status_code == 302
    header = next(
        value for value in response.headers.getlist("Set-Cookie") if "remember_token=" in value
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_a_new_password_signs_out_every_other_browser(app, client, auth, runner, demo):
    """Resetting a password (e.g. a stolen one) ends the sessions and remember-me cookies."""
    other = app.test_client()
    login_page = other.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    signed_in = other.post(
        "/login",
        data={
            "email": "tutor1@example.com",
            "password": "tutoring-demo",
            "remember": "y",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302 and other.get_cookie("remember_token") is not None
    assert other.get("/", follow_redirects=True).request.path != "/login"
    new_password = "a brand new passphrase"
    result = runner.invoke(
        args=["set-password", "--email", "tutor1@example.com"],
        input=f"{new_password}\n{new_password}\n",
    )
    assert result.exit_code == 0, result.output
    # the session cookie and the remember-me cookie are both refused now
    assert other.get("/", follow_redirects=True).request.path == "/login"
    other.delete_cookie("session")
    assert other.get("/", follow_redirects=True).request.path == "/login"
    # signing in with the new password works as before
    assert post_login(client, auth, "tutor1@example.com", new_password).status_code == 302
    assert client.get("/", follow_redirects=True).request.path != "/login"


@pytest.mark.parametrize(
    "forged", ["{id}", "{id}.", "{id}.0000000000000000", ".{fp}", "x.{fp}", "{id}.{fp}.x", ""]
)
def test_a_session_id_that_does_not_match_the_account_signs_nobody_in(
    app, client, auth, demo, forged
):
    post_login(client, auth, "tutor1@example.com", "tutoring-demo")
    with client.session_transaction() as session:
        real = session["_user_id"]
        user_id, _dot, fingerprint = real.partition(".")
        session["_user_id"] = forged.format(id=user_id, fp=fingerprint)
    assert client.get("/", follow_redirects=True).request.path == "/login"


def test_logout_signs_out_and_needs_post(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get("/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/coordinator/sessions").status_code == 302
    assert "You are signed out." in client.get("/login").get_data(as_text=True)


def test_anonymous_browser_is_sent_to_login_with_next(client, demo):
    response = client.get("/sessions/3?tab=notes")
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/sessions/3?tab=notes"]}
    assert "Please sign in to see that page." in client.get(response.location).get_data(
        as_text=True
    )


def test_next_is_honoured_after_sign_in(client, auth, demo):
    page = client.get("/login?next=/sessions/1").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/sessions/1"' in page
    response = post_login(
        client, auth, "coordinator@example.com", "tutoring-demo", data={"next": "/sessions/1"}
    )
    assert response.status_code == 302
    assert response.location == "/sessions/1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/\t/evil.example",
        " //evil.example",
    ],
)
def test_next_never_leaves_the_site(client, auth, demo, target):
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in page
    response = post_login(
        client, auth, "coordinator@example.com", "tutoring-demo", data={"next": target}
    )
    assert response.status_code == 302
    assert response.location == "/coordinator/sessions"


def test_htmx_request_without_sign_in_gets_401_and_hx_redirect(client, demo):
    response = client.get(
        "/tutors/2/calendar?view=week",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://localhost/tutors/2/calendar?view=month",
        },
    )
    assert response.status_code == 401
    assert "<html" not in response.get_data(as_text=True)
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    # Back to the page the browser showed, not to the fragment's URL.
    assert parse_qs(target.query) == {"next": ["/tutors/2/calendar?view=month"]}
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_redirect_ignores_a_foreign_current_url(client, demo):
    response = client.get(
        "/sessions/1",
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/phish"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_htmx_post_after_the_session_ended_goes_to_login(app, client, auth, demo):
    # Signing out elsewhere took the session (and its CSRF token) with it.
    auth.login("tutor1@example.com")
    token = auth.csrf_token()
    client.delete_cookie("session")
    response = client.post(
        "/logout",
        headers={
            "HX-Request": "true",
            "X-CSRFToken": token,
            "HX-Current-URL": "http://localhost/sessions/1",
        },
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/sessions/1"


# --- rate limits ------------------------------------------------------------------------


def test_eleventh_attempt_on_one_account_is_refused_even_from_new_addresses(client, auth, demo):
    for attempt in range(10):
        response = post_login(
            client,
            auth,
            "tutor1@example.com",
            "wrong-password",
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"},
        )
        assert response.status_code == 401, attempt
    # Even the right password, from yet another address, waits now.
    response = post_login(
        client,
        auth,
        "TUTOR1@example.com",
        "tutoring-demo",
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many attempts" in page and "<html" in page
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another account is not affected.
    other = post_login(
        client,
        auth,
        "tutor2@example.com",
        "tutoring-demo",
        environ_base={"REMOTE_ADDR": "10.0.1.2"},
    )
    assert other.status_code == 302


def test_eleventh_attempt_from_one_address_is_refused(client, auth, demo):
    for attempt in range(10):
        response = post_login(client, auth, f"guess{attempt}@example.com", "wrong-password")
        assert response.status_code == 401, attempt
    response = post_login(client, auth, "tutor1@example.com", "tutoring-demo")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Viewing the form is not limited; other addresses still get in.
    assert client.get("/login").status_code == 200
    response = post_login(
        client,
        auth,
        "tutor1@example.com",
        "tutoring-demo",
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 302


def test_successful_sign_ins_do_not_count(client, auth, demo):
    # A classroom behind one address signs in many times a minute.
    for _ in range(12):
        assert auth.login("student1@example.com").status_code == 302


def test_rate_limit_is_configurable(database_url, demo):
    from tests.conftest import AuthActions

    app = create_app(app_config(database_url, LOGIN_RATE_LIMIT="2 per minute"))
    client = app.test_client()
    auth = AuthActions(client)
    statuses = [
        post_login(client, auth, "tutor1@example.com", "wrong-password").status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    with app.app_context():
        db.engine.dispose()


def test_a_new_app_starts_with_fresh_limits(database_url, client, auth, demo):
    from tests.conftest import AuthActions

    for _ in range(11):
        post_login(client, auth, "tutor1@example.com", "wrong-password")
    assert post_login(client, auth, "tutor1@example.com", "wrong").status_code == 429
    # Each create_app() gives the limiter a new in-memory storage: no state leaks between tests.
    fresh = create_app(app_config(database_url))
    fresh_client = fresh.test_client()
    response = post_login(
        fresh_client, AuthActions(fresh_client), "tutor1@example.com", "tutoring-demo"
    )
    assert response.status_code == 302
    with fresh.app_context():
        db.engine.dispose()


def test_switching_limits_off_for_one_app_does_not_switch_them_off_for_the_next(database_url, demo):
    from tests.conftest import AuthActions

    def statuses(app) -> list[int]:
        client = app.test_client()
        auth = AuthActions(client)
        codes = [
            post_login(client, auth, "tutor1@example.com", "wrong").status_code for _ in range(3)
        ]
        with app.app_context():
            db.engine.dispose()
        return codes

    unlimited = create_app(
        app_config(database_url, RATELIMIT_ENABLED=False, LOGIN_RATE_LIMIT="2/minute")
    )
    assert statuses(unlimited) == [401, 401, 401]
    limited = create_app(app_config(database_url, LOGIN_RATE_LIMIT="2/minute"))
    assert statuses(limited) == [401, 401, 429]
