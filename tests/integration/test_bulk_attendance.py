"""``POST /sessions/attendance/bulk``: all rows or none, each row version-checked."""

from __future__ import annotations

import pytest

from dashboard.choices import ATTENDANCE_STATUSES
from dashboard.extensions import db
from dashboard.models import Session
from tests.integration.edits_support import (
    all_rows,
    audit_rows,
    changed_columns,
    flashed,
    full_row,
    login,
    session_ids_of,
)

BULK = "/sessions/attendance/bulk"


@pytest.fixture
def day(app, demo) -> list[int]:
    """Three of tutor1's sessions (the rows of the form)."""
    return session_ids_of(app, demo["tutor1@example.com"])[:3]


def bulk_form(app, ids: list[int], action: str = "save", **rows: dict) -> dict:
    """The form ``_bulk_attendance.html`` renders, with ``rows[id]`` overriding selects."""
    data: dict[str, object] = {
        "session_id": [str(i) for i in ids],
        "action": action,
        "next": "/day",
    }
    for session_id in ids:
        row = full_row(app, session_id)
        data[f"version-{session_id}"] = row["updated_at"].isoformat()
        data[f"tutor_attendance_status-{session_id}"] = row["tutor_attendance_status"]
        data[f"student_attendance_status-{session_id}"] = row["student_attendance_status"]
    for key, values in rows.items():
        session_id = int(key.removeprefix("s"))
        for field, value in values.items():
            data[f"{field}-{session_id}"] = value
    return data


def test_mark_all_present(app, client, day):
    poster = login(client, "tutor1@example.com")
    with app.app_context():  # make some rows differ from "present"
        for session_id, status in zip(day, ("absent", "late", "present"), strict=True):
            db.session.get(Session, session_id).student_attendance_status = status
        db.session.commit()
    before = all_rows(app)
    response = poster.post(BULK, bulk_form(app, day, "all-present"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "Attendance saved for 3 sessions (2 changed)." in body
    after = all_rows(app)
    for session_id, row in before.items():
        if session_id in day:
            changed = changed_columns(row, after[session_id])
            assert changed.pop("updated_at") > row["updated_at"]
            assert after[session_id]["tutor_attendance_status"] == "present"
            assert after[session_id]["student_attendance_status"] == "present"
            assert set(changed) <= {"tutor_attendance_status", "student_attendance_status"}
        else:
            assert after[session_id] == row
    assert sorted((c["session_id"], c["old_value"]) for c in audit_rows(app)) == [
        (day[0], "absent"),
        (day[1], "late"),
    ]


def test_per_row_changes_in_one_request(app, client, day):
    poster = login(client, "tutor1@example.com")
    before = all_rows(app)
    form = bulk_form(
        app,
        day,
        **{
            f"s{day[0]}": {"tutor_attendance_status": "late"},
            f"s{day[2]}": {"student_attendance_status": "excused"},
        },
    )
    response = poster.post(BULK, form)
    assert response.status_code == 200
    after = all_rows(app)
    assert changed_columns(before[day[0]], after[day[0]]).keys() == {
        "tutor_attendance_status",
        "updated_at",
    }
    assert after[day[0]]["tutor_attendance_status"] == "late"
    assert changed_columns(before[day[1]], after[day[1]]).keys() == {"updated_at"}
    assert after[day[2]]["student_attendance_status"] == "excused"
    assert len(audit_rows(app)) == 2


def test_one_invalid_row_rolls_everything_back(app, client, day):
    poster = login(client, "tutor1@example.com")
    before = all_rows(app)
    form = bulk_form(
        app,
        day,
        **{
            f"s{day[0]}": {"tutor_attendance_status": "absent"},
            f"s{day[1]}": {"student_attendance_status": "vanished"},
        },
    )
    response = poster.post(BULK, form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'<tr id="bulk-row-{day[1]}" class="has-error">' in body
    assert f'<tr id="bulk-row-{day[0]}">' in body
    assert "Student attendance must be one of" in body
    # the valid choice of the other row is kept for the next try
    assert before[day[0]]["tutor_attendance_status"] != "absent"
    row = body.split(f'id="bulk-row-{day[0]}"')[1].split("</tr>")[0]
    tutor_select = row.split(f'name="tutor_attendance_status-{day[0]}"')[1].split("</select>")[0]
    assert '<option value="absent" selected>' in tutor_select
    assert all_rows(app) == before
    assert audit_rows(app) == []


def test_one_stale_row_rolls_everything_back_and_shows_the_latest(app, client, day):
    poster = login(client, "tutor1@example.com")
    form = bulk_form(app, day, "all-present")
    with app.app_context():  # someone else marks the tutor late meanwhile
        db.session.execute(
            Session.__table__.update()
            .where(Session.__table__.c.id == day[2])
            .values(tutor_attendance_status="late", updated_at=db.func.clock_timestamp())
        )
        db.session.commit()
    before = all_rows(app)
    response = poster.post(BULK, form)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert f'<tr id="bulk-row-{day[2]}" class="has-error">' in body
    assert "changed by someone else — here is the latest" in body.lower()
    assert f'value="{before[day[2]]["updated_at"].isoformat()}"' in body  # the new version
    row = body.split(f'id="bulk-row-{day[2]}"')[1].split("</tr>")[0]
    assert '<option value="late" selected>' in row  # the current value
    assert all_rows(app) == before
    assert audit_rows(app) == []


def test_invalid_and_stale_rows_are_all_reported(app, client, day):
    poster = login(client, "tutor1@example.com")
    form = bulk_form(app, day, **{f"s{day[0]}": {"tutor_attendance_status": "??"}})
    form[f"version-{day[1]}"] = "2000-01-01T00:00:00"
    before = all_rows(app)
    response = poster.post(BULK, form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count('class="has-error"') == 2
    assert all_rows(app) == before


def test_another_tutors_session_makes_it_403(app, client, demo, day):
    poster = login(client, "tutor1@example.com")
    other = session_ids_of(app, demo["tutor2@example.com"])[0]
    before = all_rows(app)
    response = poster.post(BULK, bulk_form(app, [*day, other], "all-present"))
    assert response.status_code == 403
    assert all_rows(app) == before


def test_unknown_session_makes_it_404(app, client, day):
    poster = login(client, "tutor1@example.com")
    form = bulk_form(app, day, "all-present")
    form["session_id"] = [*form["session_id"], "999999"]
    before = all_rows(app)
    assert poster.post(BULK, form).status_code == 404
    assert all_rows(app) == before


@pytest.mark.parametrize(
    "email", ["student1@example.com", "parent1@example.com", "tutor2@example.com"]
)
def test_people_without_the_right_get_403(app, client, day, email):
    poster = login(client, email)
    before = all_rows(app)
    assert poster.post(BULK, bulk_form(app, day, "all-present")).status_code == 403
    assert all_rows(app) == before


def test_coordinator_may_save_any_tutors_day(app, client, day):
    poster = login(client, "coordinator@example.com")
    assert poster.post(BULK, bulk_form(app, day, "all-present")).status_code == 200


def test_anonymous_is_sent_to_sign_in(app, client, day):
    poster = login(client, None)
    before = all_rows(app)
    response = poster.post(BULK, bulk_form(app, day, "all-present"), htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert all_rows(app) == before


@pytest.mark.parametrize(
    "ids",
    [[], ["abc"], ["-1"], ["99999999999"], [str(i) for i in range(1, 103)]],
    ids=["none", "word", "negative", "huge", "too-many"],
)
def test_unusable_session_lists_are_422(app, client, day, ids):
    poster = login(client, "coordinator@example.com")
    before = all_rows(app)
    response = poster.post(BULK, {"session_id": ids, "action": "all-present"})
    assert response.status_code == 422
    assert all_rows(app) == before


def test_without_javascript_it_redirects_with_a_message(app, client, day):
    poster = login(client, "tutor1@example.com")
    response = poster.post(BULK, bulk_form(app, day, "all-present"), htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/day"
    assert any("Attendance saved for 3 sessions" in m for m in flashed(client))
    form = bulk_form(app, day, **{f"s{day[1]}": {"tutor_attendance_status": "zzz"}})
    before = all_rows(app)
    response = poster.post(BULK, form, htmx=False)
    assert response.status_code == 303
    assert any(m.startswith("Nothing was saved") for m in flashed(client))
    assert all_rows(app) == before


def test_cards_are_updated_out_of_band_when_the_page_asks(app, client, day):
    poster = login(client, "tutor1@example.com")
    form = bulk_form(app, day, "all-present")
    form["oob"] = "cards"
    body = poster.post(BULK, form).get_data(as_text=True)
    for session_id in day:
        assert (
            f'id="session-{session_id}" data-session-id="{session_id}" hx-swap-oob="true"' in body
        )
    plain = poster.post(BULK, bulk_form(app, day, "all-present")).get_data(as_text=True)
    assert "hx-swap-oob" not in plain


def _render_partial(app, email: str, ids: list[int]) -> str:
    import sqlalchemy as sa
    from flask import render_template_string
    from flask_login import login_user

    from dashboard.models import User
    from dashboard.services.session_views import fetch_session_views, session_view_select

    with app.test_request_context("/tutors/2/calendar?view=day"):
        login_user(db.session.scalar(sa.select(User).where(User.email == email)))
        views = fetch_session_views(session_view_select().where(Session.id.in_(ids)))
        return render_template_string(
            "{% with bulk_sessions=views %}{% include 'sessions/_bulk_attendance.html' %}"
            "{% endwith %}",
            views=views,
        )


def test_partial_lists_the_rows_with_labelled_selects(app, day):
    html = _render_partial(app, "tutor1@example.com", day)
    assert html.count('name="session_id"') == 3
    assert html.count("<select") == 6
    assert html.count('<span class="visually-hidden">Tutor attendance') == 3
    assert 'name="next" value="/tutors/2/calendar?view=day"' in html
    assert 'value="all-present"' in html
    for status in ATTENDANCE_STATUSES:
        assert f'value="{status}"' in html
    assert "style=" not in html


@pytest.mark.parametrize(
    "email", ["student1@example.com", "parent1@example.com", "tutor2@example.com"]
)
def test_partial_renders_nothing_for_read_only_viewers(app, day, email):
    assert _render_partial(app, email, day).strip() == ""
