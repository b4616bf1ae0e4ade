"""Personal access tokens: ``/account/tokens`` pages, bearer auth, scopes, rate limit, problems."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from dashboard import create_app
from dashboard.extensions import db
from dashboard.models import ApiToken
from dashboard.services.api_tokens import digest
from tests.conftest import AuthActions, app_config

SOON = date.today() + timedelta(days=5)


@pytest.fixture
def tutor(build) -> dict[str, int]:
    tutor = build.user("tutor", email="tia@test.example")
    student = build.user("student")
    enrolment = build.enrolment(tutor, student)
    session = build.session(enrolment, SOON, time(9, 0))
    return {"tutor": tutor, "session": session}


def bearer(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


# --- the pages ---------------------------------------------------------------


def make_token(client, auth: AuthActions, **form: str):
    data = {"name": "Nightly export", "scope": "read", "lifetime_days": "30", **form}
    return client.post("/account/tokens", data={**data, "csrf_token": auth.csrf_token()})


def test_a_new_token_is_shown_once_and_stored_only_as_a_digest(app, client, auth, tutor):
    assert auth.login("tia@test.example").status_code == 302
    response = make_token(client, auth, scope="write")
    assert response.status_code == 303 and response.location == "/account/tokens"
    page = client.get("/account/tokens").get_data(as_text=True)
    secret = re.search(r'value="(tdk_[^"]+)"', page).group(1)
    assert "shown only this once" in page and "Nightly export" in page
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # once only
    with app.app_context():
        row = db.session.scalars(sa.select(ApiToken)).one()
        stored = " ".join(
            str(value) for value in db.session.execute(sa.select(ApiToken.__table__)).one()
        )
        assert secret not in stored and secret[len("tdk_") + 6 :] not in stored
        assert row.token_hash == digest(secret) and row.scope == "write"
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert me["id"] == tutor["tutor"] and me["token"]["scope"] == "write"
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "never" not in listed  # last use is shown once the token has been used


@pytest.mark.parametrize(
    "form",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"scope": "admin"},
        {"lifetime_days": "9999"},
        {"name": "a\x00b"},
    ],
)
def test_an_invalid_form_is_422_and_makes_nothing(app, client, auth, tutor, form):
    auth.login("tia@test.example")
    assert make_token(client, auth, **form).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoking_stops_the_token_and_others_tokens_are_404(app, client, auth, build, tutor):
    secret = build.api_token(tutor["tutor"])
    stranger_secret = build.api_token(build.user("tutor", email="other@test.example"))
    with app.app_context():
        mine = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == tutor["tutor"]))
        theirs = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id != tutor["tutor"]))
    auth.login("tia@test.example")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    other = client.post(f"/account/tokens/{theirs}/revoke", data={"csrf_token": auth.csrf_token()})
    assert other.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(stranger_secret)).status_code == 200
    response = client.post(f"/account/tokens/{mine}/revoke", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 303
    assert "revoked" in client.get("/account/tokens").get_data(as_text=True)
    refused = client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"
    huge = client.post(f"/account/tokens/{2**40}/revoke", data={"csrf_token": auth.csrf_token()})
    assert huge.status_code == 404


def test_token_pages_need_a_sign_in_and_csrf(client, auth, tutor):
    assert client.get("/account/tokens").status_code == 302
    auth.login("tia@test.example")
    assert (
        client.post(
            "/account/tokens", data={"name": "x", "scope": "read", "lifetime_days": "7"}
        ).status_code
        == 400
    )


# --- bearer authentication ---------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer nope",
        "Basic dXNlcjpwYXNz",
        "Bearer tdk_" + "x" * 43,
        "Bearer tdk_\x7f",
    ],
)
def test_without_a_usable_token_every_api_route_is_401(client, tutor, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/sessions", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["detail"]


def test_expired_and_revoked_tokens_are_refused(client, build, tutor):
    for secret in (
        build.api_token(tutor["tutor"], days=-1),
        build.api_token(tutor["tutor"], revoked=True),
    ):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_deactivated_persons_tokens_stop_working(client, build, tutor):
    secret = build.api_token(tutor["tutor"])
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    build.update_user(tutor["tutor"], is_active=False)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_signed_in_browser_session_never_authorises_the_api(client, auth, tutor):
    auth.login("tia@test.example")
    assert client.get("/api/v1/sessions").status_code == 401
    response = client.patch(
        f"/api/v1/sessions/{tutor['session']}",
        json={"priority_level": "high"},
        headers={"If-Match": '"x"'},
    )
    assert response.status_code == 401
    # CSRF-exempt only because cookies carry no authority here: a token is required.
    assert client.post("/api/v1/whiteboard_sessions", json={}).status_code == 401


def test_a_read_token_cannot_write(client, build, tutor):
    secret = build.api_token(tutor["tutor"], "read")
    url = f"/api/v1/sessions/{tutor['session']}"
    tag = client.get(url, headers=bearer(secret)).headers["ETag"]
    response = client.patch(
        url, json={"priority_level": "high"}, headers=bearer(secret, **{"If-Match": tag})
    )
    assert response.status_code == 403
    assert "read-only" in response.get_json()["detail"]
    assert client.delete("/api/v1/whiteboard_sessions/1", headers=bearer(secret)).status_code == 403


def test_last_use_is_recorded_to_the_minute(app, client, build, tutor):
    secret = build.api_token(tutor["tutor"])
    client.get("/api/v1/me", headers=bearer(secret))
    with app.app_context():
        first = db.session.scalar(sa.select(ApiToken.last_used_at))
    assert first is not None
    client.get("/api/v1/me", headers=bearer(secret))
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) == first  # not rewritten


# --- rate limit and errors ---------------------------------------------------


def test_requests_are_rate_limited_per_token(database_url, build, tutor):
    limited = create_app(app_config(database_url, API_RATE_LIMIT="3 per minute"))
    client = limited.test_client()
    first, second = build.api_token(tutor["tutor"]), build.api_token(tutor["tutor"])
    statuses = [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me", headers=bearer(first))
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200  # its own budget
    with limited.app_context():
        db.engine.dispose()


def test_unknown_api_addresses_and_methods_are_problems(client, build, tutor):
    secret = build.api_token(tutor["tutor"])
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    wrong = client.put("/api/v1/sessions", headers=bearer(secret))
    assert wrong.status_code == 405 and wrong.content_type == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]
    not_json = client.patch(
        f"/api/v1/sessions/{tutor['session']}",
        data="{not json",
        content_type="application/json",
        headers=bearer(secret, **{"If-Match": '"x"'}),
    )
    assert not_json.status_code == 400 and not_json.content_type == "application/problem+json"


def test_html_pages_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.content_type.startswith("text/html")


# --- the document and the docs page ------------------------------------------


def test_docs_page_runs_swagger_ui_from_our_static_files_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    # Static names carry a content hash: /static/vendor/swagger-ui/swagger-ui-bundle.<hash>.js
    assert re.search(r'src="/static/vendor/swagger-ui/swagger-ui-bundle[.\w]*\.js"', page)
    assert re.search(r'src="/static/js/api-docs[.\w]*\.js"', page)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'data-spec-url="/api/v1/openapi.json"' in page


def test_the_document_is_public_and_declares_bearer_auth_and_problems(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    patch = spec["paths"]["/api/v1/sessions/{session_id}"]["patch"]
    assert {"412", "428", "401", "429", "422"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    assert "application/problem+json" in patch["responses"]["412"]["content"]
    assert "/account/tokens" in spec["info"]["description"]
