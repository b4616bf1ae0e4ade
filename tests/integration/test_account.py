"""``/account`` (own settings) and ``/account/password`` (own password)."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import User
from tests.conftest import AuthActions
from tests.helpers import database_fingerprint

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def tutor(build, auth) -> dict[str, int]:
    """A tutor (signed in) with one session at 16:00 London time on 5 March 2025."""
    tutor_id = build.user(ROLE_TUTOR, "tutor@test.example", "Tia Tutor")
    student = build.user(ROLE_STUDENT, "student@test.example")
    enrolment = build.enrolment(tutor_id, student)
    session = build.session(enrolment, date(2025, 3, 5), time(16))
    assert auth.login("tutor@test.example").status_code == 302
    return {"tutor": tutor_id, "session": session}


def post(client, auth, url: str, **data: str):
    return client.post(url, data={**data, "csrf_token": auth.csrf_token()})


def account(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge_all()
        return user


def test_page_shows_the_settings_with_a_searchable_zone_list(client, tutor):
    html = client.get("/account").get_data(as_text=True)
    assert 'list="timezone-list"' in html and '<option value="Europe/London">' in html
    assert '<option value="America/New_York">' in html and 'value="Tia Tutor"' in html
    assert 'name="email_reminders" role="switch" checked' in html


def test_settings_are_saved_and_the_calendar_follows_the_new_zone_at_once(app, client, auth, tutor):
    week = f"/tutors/{tutor['tutor']}/calendar?view=week&date=2025-03-05"
    assert 'datetime="2025-03-05T16:00:00+00:00">16:00' in client.get(week).get_data(as_text=True)
    response = post(
        client,
        auth,
        "/account",
        full_name="Tia T.",
        timezone="asia/tokyo",  # any case; saved as IANA spells it
        week_starts_on="6",
    )
    assert response.status_code == 303 and response.location == "/account"
    user = account(app, tutor["tutor"])
    assert (user.full_name, user.timezone, user.week_starts_on, user.email_reminders) == (
        "Tia T.",
        "Asia/Tokyo",
        6,
        False,  # the unticked checkbox
    )
    page = client.get(week).get_data(as_text=True)
    assert 'datetime="2025-03-06T01:00:00+09:00">01:00' in page
    month = client.get(f"/tutors/{tutor['tutor']}/calendar?view=month&date=2025-06-15")
    weekdays = re.search(
        r'<ol class="mg-weekdays"[^>]*>(.*?)</ol>', month.get_data(as_text=True), re.S
    )
    assert re.findall(r"<li>(\w+)</li>", weekdays.group(1))[:2] == ["Sun", "Mon"]


def test_an_empty_zone_means_the_centres(app, client, auth, tutor):
    post(
        client,
        auth,
        "/account",
        full_name="Tia",
        timezone="",
        week_starts_on="0",
        email_reminders="on",
    )
    user = account(app, tutor["tutor"])
    assert user.timezone is None and user.email_reminders is True


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("timezone", {"timezone": "Nowhere/Special"}),
        ("timezone", {"timezone": "posixrules"}),
        ("week_starts_on", {"week_starts_on": "7"}),
        ("week_starts_on", {"week_starts_on": "x"}),
        ("full_name", {"full_name": ""}),
        ("full_name", {"full_name": "a\x00b"}),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(app, client, auth, tutor, field, data):
    before = database_fingerprint(app)
    form = {"full_name": "Tia", "timezone": "Europe/Paris", "week_starts_on": "0", **data}
    response = post(client, auth, "/account", **form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    if any(
        "\x00" in value for value in data.values()
    ):  # refused up front by the input guard, naming the field
        assert "(NUL)" in body
    else:
        assert f'id="{field}-error"' in body
    assert database_fingerprint(app) == before


def test_password_change_needs_the_current_one(app, client, auth, tutor):
    before = database_fingerprint(app)
    response = post(
        client,
        auth,
        "/account/password",
        current_password="wrong-password",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)
    assert database_fingerprint(app) == before


@pytest.mark.parametrize(
    ("field", "new", "confirm"),
    [
        ("new_password", "short", "short"),
        ("confirm_password", NEW_PASSWORD, NEW_PASSWORD + "x"),
        ("new_password", "nul\x00-in-the-password", "nul\x00-in-the-password"),
    ],
)
def test_password_change_refuses_bad_new_passwords(app, client, auth, tutor, field, new, confirm):
    response = post(
        client,
        auth,
        "/account/password",
        current_password="tutoring-demo",
        new_password=new,
        confirm_password=confirm,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    if "\x00" in new:  # refused up front by the input guard, naming the field
        assert "(NUL)" in body
    else:
        assert f'id="{field}-error"' in body


def test_password_change_signs_out_the_other_browsers_only(app, client, auth, tutor):
    other = app.test_client()
    assert AuthActions(other).login("tutor@test.example").status_code == 302
    calendar = f"/tutors/{tutor['tutor']}/calendar"
    assert other.get(calendar).status_code == 200

    response = post(
        client,
        auth,
        "/account/password",
        current_password="tutoring-demo",
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert response.status_code == 303
    assert client.get(calendar).status_code == 200  # this browser stays signed in
    assert other.get(calendar).status_code == 302  # the other one is signed out
    fresh = AuthActions(app.test_client())
    assert fresh.login("tutor@test.example").status_code == 401
    assert fresh.login("tutor@test.example", NEW_PASSWORD).status_code == 302


def test_email_reminders_column_defaults_to_on(app, build):
    user_id = build.user(ROLE_STUDENT)
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_reminders).where(User.id == user_id))
