"""``POST /sessions/<id>/{attendance,priority,featured,whiteboard}``: every answer, every role.

Each test looks at the database afterwards: the full ``sessions`` row changed
exactly as intended (plus ``updated_at``), or not at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.choices import ATTENDANCE_STATUSES, PRIORITY_LEVELS
from dashboard.extensions import db
from dashboard.models import EnrolledCourse, Session, User
from tests.integration.edits_support import (
    add_board,
    all_rows,
    audit_rows,
    board_of,
    changed_columns,
    flashed,
    full_row,
    login,
    view_of,
)


@dataclass(frozen=True)
class World:
    """tutor1's online session with student1 (parent1's child), and the boards around it."""

    session_id: int
    tutor_id: int
    spare_board: int  # a second board of tutor1: linking it is a real change
    other_board: int  # tutor2's board: never allowed on tutor1's session


@pytest.fixture
def world(app, demo) -> World:
    tutor1, student1 = demo["tutor1@example.com"], demo["student1@example.com"]
    with app.app_context():
        session_id = db.session.scalar(
            sa.select(Session.id)
            .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
            .where(
                EnrolledCourse.tutor_id == tutor1,
                EnrolledCourse.student_id == student1,
                Session.whiteboard_id.is_not(None),
                Session.is_featured.is_(False),
            )
            .order_by(Session.id)
            .limit(1)
        )
    return World(
        session_id=session_id,
        tutor_id=tutor1,
        spare_board=add_board(app, tutor1, "Tom's spare board"),
        other_board=board_of(app, demo["tutor2@example.com"]),
    )


# --- What each endpoint changes ------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str
    control: str

    def path(self, session_id: int) -> str:
        return f"/sessions/{session_id}/{self.name}"

    def valid(self, world: World, row: dict) -> dict[str, str]:
        """A form that changes the row."""
        if self.name == "attendance":
            return {
                "tutor_attendance_status": _other(
                    ATTENDANCE_STATUSES, row["tutor_attendance_status"]
                ),
                "student_attendance_status": _other(
                    ATTENDANCE_STATUSES, row["student_attendance_status"]
                ),
            }
        if self.name == "priority":
            return {"priority_level": _other(PRIORITY_LEVELS, row["priority_level"])}
        if self.name == "featured":
            return {"is_featured": "false" if row["is_featured"] else "true"}
        return {"whiteboard_id": str(world.spare_board)}

    def invalid(self, world: World) -> dict[str, str]:
        """A form with a value outside the allowed set."""
        return {
            "attendance": {"tutor_attendance_status": "asleep"},
            "priority": {"priority_level": "critical"},
            "featured": {"is_featured": "yes"},
            "whiteboard": {"whiteboard_id": str(world.other_board)},
        }[self.name]

    def expected(self, form: dict[str, str]) -> dict[str, object]:
        """The columns a valid ``form`` sets."""
        if self.name == "featured":
            return {"is_featured": form["is_featured"] == "true"}
        if self.name == "whiteboard":
            return {"whiteboard_id": int(form["whiteboard_id"]) if form["whiteboard_id"] else None}
        return dict(form)


def _other(values: tuple[str, ...], current: str | None) -> str:
    return next(value for value in values if value != current)


ENDPOINTS = [
    Endpoint("attendance", "attendance"),
    Endpoint("priority", "priority"),
    Endpoint("featured", "featured"),
    Endpoint("whiteboard", "whiteboard"),
]

#: role → the endpoints it may use on tutor1's session with student1.
ROLES = {
    "coordinator@example.com": {"attendance", "priority", "featured", "whiteboard"},
    "tutor1@example.com": {"attendance", "priority", "whiteboard"},
    "tutor2@example.com": set(),
    "student1@example.com": set(),
    "parent1@example.com": set(),
}


def _form(world: World, row: dict, data: dict[str, str], **extra: str) -> dict[str, str]:
    return {"version": row["updated_at"].isoformat(), "next": "/somewhere?x=1", **data, **extra}


def _assert_card(response, session_id: int) -> str:
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'id="session-{session_id}"' in body
    assert "HX-Request" in response.headers.get("Vary", "")
    return body


def _assert_changed_exactly(before: dict, after: dict, expected: dict[str, object]) -> None:
    changed = changed_columns(before, after)
    assert changed.pop("updated_at") > before["updated_at"]
    assert changed == {k: v for k, v in expected.items() if before[k] != v}
    assert {k: after[k] for k in expected} == expected


# --- Every role × endpoint × htmx or not ----------------------------------------


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("email", list(ROLES))
def test_each_role_gets_the_right_answer(app, client, world, endpoint, email, htmx):
    poster = login(client, email)
    before = full_row(app, world.session_id)
    form = endpoint.valid(world, before)
    response = poster.post(endpoint.path(world.session_id), _form(world, before, form), htmx=htmx)
    after = full_row(app, world.session_id)
    if endpoint.name in ROLES[email]:
        if htmx:
            assert response.status_code == 200
            body = _assert_card(response, world.session_id)
            assert 'role="status">Saved<' in body
            assert f'value="{after["updated_at"].isoformat()}"' in body  # the new version
        else:
            assert response.status_code == 303
            assert response.headers["Location"] == "/somewhere?x=1"
            assert any("saved" in message for message in flashed(client))
        _assert_changed_exactly(before, after, endpoint.expected(form))
    else:
        assert response.status_code == 403
        assert after == before
        assert audit_rows(app) == []


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_is_sent_to_sign_in(app, client, world, endpoint, htmx):
    poster = login(client, None)
    before = full_row(app, world.session_id)
    response = poster.post(
        endpoint.path(world.session_id),
        _form(world, before, endpoint.valid(world, before)),
        htmx=htmx,
    )
    if htmx:  # htmx cannot follow a redirect to a full page usefully; 401 is also fine
        assert response.status_code in (302, 401)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert full_row(app, world.session_id) == before


# --- 422, 409, 404 for the roles that may edit ----------------------------------

EDITORS = [
    (email, endpoint)
    for email, allowed in ROLES.items()
    for endpoint in ENDPOINTS
    if endpoint.name in allowed
]


@pytest.mark.parametrize(("email", "endpoint"), EDITORS, ids=lambda v: getattr(v, "name", v))
def test_invalid_value_is_422_with_the_error_in_the_card(app, client, world, email, endpoint):
    poster = login(client, email)
    before = full_row(app, world.session_id)
    response = poster.post(
        endpoint.path(world.session_id), _form(world, before, endpoint.invalid(world))
    )
    assert response.status_code == 422
    body = _assert_card(response, world.session_id)
    assert f'id="edit-error-{world.session_id}-{endpoint.control}" role="alert"' in body
    if endpoint.name != "featured":  # a select is marked invalid; the featured form is a button
        assert 'aria-invalid="true"' in body
    assert full_row(app, world.session_id) == before
    assert audit_rows(app) == []


@pytest.mark.parametrize(("email", "endpoint"), EDITORS, ids=lambda v: getattr(v, "name", v))
def test_invalid_value_without_js_flashes_and_goes_back(app, client, world, email, endpoint):
    poster = login(client, email)
    before = full_row(app, world.session_id)
    response = poster.post(
        endpoint.path(world.session_id), _form(world, before, endpoint.invalid(world)), htmx=False
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/somewhere?x=1"
    assert flashed(client)
    assert full_row(app, world.session_id) == before


@pytest.mark.parametrize(("email", "endpoint"), EDITORS, ids=lambda v: getattr(v, "name", v))
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_stale_version_is_409_with_the_latest_values(app, client, world, email, endpoint, htmx):
    poster = login(client, email)
    stale = full_row(app, world.session_id)
    # Someone else changes the priority meanwhile (a new version).
    with app.app_context():
        db.session.execute(
            sa.update(Session)
            .where(Session.id == world.session_id)
            .values(priority_level="urgent", updated_at=sa.func.clock_timestamp())
        )
        db.session.commit()
    before = full_row(app, world.session_id)
    response = poster.post(
        endpoint.path(world.session_id),
        _form(world, stale, endpoint.valid(world, stale)),
        htmx=htmx,
    )
    if htmx:
        assert response.status_code == 409
        body = _assert_card(response, world.session_id)
        assert "changed by someone else — here is the latest" in body.lower()
        assert "urgent priority" in body  # the current values
        assert f'value="{before["updated_at"].isoformat()}"' in body  # the current version
    else:
        assert response.status_code == 303
        assert any("someone else" in message for message in flashed(client))
    assert full_row(app, world.session_id) == before
    assert audit_rows(app) == []


@pytest.mark.parametrize(
    "version",
    [
        "",
        "yesterday",
        "2025-13-45T99:99:99",
        "2025-01-01T00:00:00+00:00",
        "0" * 500,
        "２０２５-01-01",
    ],
    ids=["empty", "word", "impossible", "zoned", "huge", "fullwidth"],
)
def test_unusable_version_is_409_never_500(app, client, world, version):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        {"priority_level": "low", "version": version, "next": "/"},
    )
    assert response.status_code == 409
    assert full_row(app, world.session_id) == before


def test_a_nul_in_the_version_is_refused_before_the_edit(app, client, world):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        {"priority_level": "low", "version": "\x00", "next": "/"},
    )
    assert response.status_code == 422  # dashboard.input_guard, for any form field
    assert full_row(app, world.session_id) == before


def test_missing_version_is_409(app, client, world):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(f"/sessions/{world.session_id}/priority", {"priority_level": "low"})
    assert response.status_code == 409
    assert full_row(app, world.session_id) == before


def test_version_round_trips_microseconds_exactly(app, client, world):
    """A version one microsecond off is stale; the exact one succeeds."""
    poster = login(client, "coordinator@example.com")
    row = full_row(app, world.session_id)
    assert row["updated_at"].microsecond  # the demo rows carry microseconds
    off = (row["updated_at"] + timedelta(microseconds=1)).isoformat()
    path = f"/sessions/{world.session_id}/priority"
    assert poster.post(path, {"priority_level": "low", "version": off}).status_code == 409
    exact = row["updated_at"].isoformat()
    assert poster.post(path, {"priority_level": "low", "version": exact}).status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_unknown_session_is_404(app, client, world, endpoint, htmx):
    poster = login(client, "coordinator@example.com")
    rows = all_rows(app)
    row = rows[world.session_id]
    response = poster.post(
        endpoint.path(999999), _form(world, row, endpoint.valid(world, row)), htmx=htmx
    )
    assert response.status_code == 404
    assert all_rows(app) == rows


def test_value_is_checked_before_the_version(app, client, world):
    """Invalid and stale at once: 422 (fix the value first); nothing written."""
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority", {"priority_level": "nope", "version": "old"}
    )
    assert response.status_code == 422
    assert full_row(app, world.session_id) == before


# --- Details of individual endpoints --------------------------------------------


def test_attendance_accepts_one_field_alone(app, client, world):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/attendance",
        _form(world, before, {"student_attendance_status": "excused"}),
    )
    assert response.status_code == 200
    after = full_row(app, world.session_id)
    _assert_changed_exactly(before, after, {"student_attendance_status": "excused"})


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"tutor_attendance_status": ""},
        {"tutor_attendance_status": "present", "student_attendance_status": "PRESENT"},
        {"tutor_attendance_status": ["present", "absent"]},
    ],
    ids=["none", "empty", "one-bad", "repeated"],
)
def test_attendance_rejects_incomplete_or_bad_forms(app, client, world, data):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(f"/sessions/{world.session_id}/attendance", _form(world, before, data))
    assert response.status_code == 422
    assert full_row(app, world.session_id) == before


@pytest.mark.parametrize("value", ["True", "1", "on", "", "false "])
def test_featured_accepts_only_true_or_false(app, client, world, value):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/featured", _form(world, before, {"is_featured": value})
    )
    assert response.status_code == 422
    assert full_row(app, world.session_id) == before


def test_featuring_and_unfeaturing(app, client, world):
    poster = login(client, "coordinator@example.com")
    path = f"/sessions/{world.session_id}/featured"
    before = full_row(app, world.session_id)
    response = poster.post(path, _form(world, before, {"is_featured": "true"}))
    assert response.status_code == 200
    assert "★ Featured" in response.get_data(as_text=True)
    middle = full_row(app, world.session_id)
    _assert_changed_exactly(before, middle, {"is_featured": True})
    response = poster.post(path, _form(world, middle, {"is_featured": "false"}))
    assert response.status_code == 200
    _assert_changed_exactly(middle, full_row(app, world.session_id), {"is_featured": False})


def test_whiteboard_empty_unlinks(app, client, world):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    assert before["whiteboard_id"] is not None
    response = poster.post(
        f"/sessions/{world.session_id}/whiteboard", _form(world, before, {"whiteboard_id": ""})
    )
    assert response.status_code == 200
    assert "No whiteboard linked." in response.get_data(as_text=True)
    _assert_changed_exactly(before, full_row(app, world.session_id), {"whiteboard_id": None})


@pytest.mark.parametrize(
    "value",
    ["999999", "-1", "1.5", "abc", "99999999999999999999", "١", " 1", None],
    ids=["unknown", "negative", "decimal", "word", "huge", "arabic-digit", "space", "missing"],
)
def test_whiteboard_rejects_unknown_or_malformed_ids(app, client, world, value):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    data = {} if value is None else {"whiteboard_id": value}
    response = poster.post(f"/sessions/{world.session_id}/whiteboard", _form(world, before, data))
    assert response.status_code == 422
    assert full_row(app, world.session_id) == before


@pytest.mark.parametrize("email", ["coordinator@example.com", "tutor1@example.com"])
def test_whiteboard_of_another_tutor_is_refused_even_for_coordinators(app, client, world, email):
    poster = login(client, email)
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/whiteboard",
        _form(world, before, {"whiteboard_id": str(world.other_board)}),
    )
    assert response.status_code == 422
    assert "not one of this session&#39;s tutor&#39;s boards" in response.get_data(as_text=True)
    assert full_row(app, world.session_id) == before


def test_whiteboard_select_offers_only_the_tutors_boards(app, client, world):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    body = poster.post(
        f"/sessions/{world.session_id}/priority", _form(world, before, {"priority_level": "low"})
    ).get_data(as_text=True)
    assert f'<option value="{world.spare_board}">' in body
    assert f'value="{world.other_board}"' not in body


def test_resubmitting_the_current_value_succeeds_without_audit(app, client, world):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        _form(world, before, {"priority_level": before["priority_level"]}),
    )
    assert response.status_code == 200
    after = full_row(app, world.session_id)
    assert changed_columns(before, after).keys() == {"updated_at"}  # every success bumps it
    assert audit_rows(app) == []


@pytest.mark.parametrize(
    ("next_value", "location"),
    [
        ("/tutors/2/calendar?view=week", "/tutors/2/calendar?view=week"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("", None),
    ],
)
def test_no_js_redirect_goes_only_to_local_pages(app, client, world, next_value, location):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        {"priority_level": "high", "version": before["updated_at"].isoformat(), "next": next_value},
        htmx=False,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == (location or f"/sessions/{world.session_id}")


def test_csrf_is_required(app, client, world):
    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    response = client.post(
        f"/sessions/{world.session_id}/priority",
        data={"priority_level": "low", "version": before["updated_at"].isoformat()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert poster.token  # the token exists; it simply was not sent
    assert full_row(app, world.session_id) == before


# --- Concurrency ---------------------------------------------------------------


def _race(posters: list, path: str, forms: list[dict]) -> list[int]:
    """Post ``forms[i]`` from ``posters[i]``, all released at the same instant."""
    barrier = threading.Barrier(len(posters))
    statuses = [0] * len(posters)

    def post(index: int) -> None:
        barrier.wait()
        statuses[index] = posters[index].post(path, forms[index]).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(posters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_two_clients_racing_on_the_same_version(app, world):
    """Two browsers load the same version and post at once: one 200, one 409."""
    posters = [
        login(app.test_client(), "coordinator@example.com"),
        login(app.test_client(), "tutor1@example.com"),
    ]
    for _round in range(5):
        row = full_row(app, world.session_id)
        values = [v for v in PRIORITY_LEVELS if v != row["priority_level"]][:2]
        version = row["updated_at"].isoformat()
        statuses = _race(
            posters,
            f"/sessions/{world.session_id}/priority",
            [{"priority_level": value, "version": version} for value in values],
        )
        assert sorted(statuses) == [200, 409], statuses
        winner = values[statuses.index(200)]
        after = full_row(app, world.session_id)
        _assert_changed_exactly(row, after, {"priority_level": winner})
        changes = [c for c in audit_rows(app) if c["changed_at"] == after["updated_at"]]
        assert [(c["field"], c["new_value"]) for c in changes] == [("priority_level", winner)]


def test_sequential_stale_posts(app, client, world):
    """Edits of different fields from one stale page: the second is refused."""
    poster = login(client, "tutor1@example.com")
    page = full_row(app, world.session_id)
    first = poster.post(
        f"/sessions/{world.session_id}/priority", _form(world, page, {"priority_level": "urgent"})
    )
    assert first.status_code == 200
    after_first = full_row(app, world.session_id)
    second = poster.post(
        f"/sessions/{world.session_id}/attendance",
        _form(world, page, {"tutor_attendance_status": "absent"}),
    )
    assert second.status_code == 409
    assert full_row(app, world.session_id) == after_first


# --- Audit log -----------------------------------------------------------------


def test_audit_rows_record_exactly_the_changed_fields(app, client, world):
    poster = login(client, "tutor1@example.com")
    before = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/attendance",
        _form(
            world,
            before,
            {
                "tutor_attendance_status": before["tutor_attendance_status"],  # unchanged
                "student_attendance_status": "absent",
            },
        ),
    )
    assert response.status_code == 200
    after = full_row(app, world.session_id)
    rows = audit_rows(app)
    assert [
        (r["session_id"], r["user_id"], r["field"], r["old_value"], r["new_value"]) for r in rows
    ] == [
        (
            world.session_id,
            world.tutor_id,
            "student_attendance_status",
            before["student_attendance_status"],
            "absent",
        )
    ]
    assert rows[0]["changed_at"] == after["updated_at"]


def test_audit_values_of_featured_and_whiteboard(app, client, world):
    poster = login(client, "coordinator@example.com")
    row = full_row(app, world.session_id)
    old_board = row["whiteboard_id"]
    assert (
        poster.post(
            f"/sessions/{world.session_id}/featured", _form(world, row, {"is_featured": "true"})
        ).status_code
        == 200
    )
    row = full_row(app, world.session_id)
    assert (
        poster.post(
            f"/sessions/{world.session_id}/whiteboard",
            _form(world, row, {"whiteboard_id": str(world.spare_board)}),
        ).status_code
        == 200
    )
    assert [(r["field"], r["old_value"], r["new_value"]) for r in audit_rows(app)] == [
        ("is_featured", "false", "true"),
        ("whiteboard_id", str(old_board), str(world.spare_board)),
    ]


def test_no_audit_rows_for_rejected_requests(app, client, world):
    poster = login(client, "tutor1@example.com")
    row = full_row(app, world.session_id)
    path = f"/sessions/{world.session_id}"
    poster.post(f"{path}/priority", _form(world, row, {"priority_level": "x"}))  # 422
    poster.post(f"{path}/priority", {"priority_level": "low", "version": "stale"})  # 409
    poster.post(f"{path}/featured", _form(world, row, {"is_featured": "true"}))  # 403
    poster.post(f"{path}/whiteboard", _form(world, row, {"whiteboard_id": "424242"}))  # 422
    assert audit_rows(app) == []


def test_history_for_lists_changes_newest_first(app, client, world):
    from dashboard.services.session_edits import history_for

    poster = login(client, "coordinator@example.com")
    initial = full_row(app, world.session_id)["priority_level"]
    for level in ("low", "high"):
        row = full_row(app, world.session_id)
        poster.post(
            f"/sessions/{world.session_id}/priority", _form(world, row, {"priority_level": level})
        )
    row = full_row(app, world.session_id)
    poster.post(
        f"/sessions/{world.session_id}/whiteboard", _form(world, row, {"whiteboard_id": ""})
    )
    with app.app_context():
        history = history_for(world.session_id)
    assert [(h.label, h.old_display, h.new_display, h.user_name) for h in history] == [
        ("Whiteboard", "Tom Tutor's board", "none", "Clara Coordinator"),
        ("Priority", "low", "high", "Clara Coordinator"),
        ("Priority", initial, "low", "Clara Coordinator"),
    ]
    assert all(h.changed_at.tzinfo is not None for h in history)


def test_history_partial_and_its_oob_update(app, client, world):
    poster = login(client, "tutor1@example.com")
    row = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        _form(world, row, {"priority_level": "urgent"}, oob="history"),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'id="session-history-{world.session_id}"' in body
    assert 'hx-swap-oob="true"' in body
    assert "<td>Priority</td>" in body
    assert '<input type="hidden" name="oob" value="history">' in body  # the flag persists


def test_the_detail_page_asks_for_its_facts_and_gets_them_fresh(app, client, world):
    poster = login(client, "tutor1@example.com")
    page = client.get(f"/sessions/{world.session_id}").get_data(as_text=True)
    assert f'<dl class="facts" id="session-facts-{world.session_id}">' in page
    assert page.count('<input type="hidden" name="oob" value="facts">') == 3  # every form
    row = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/priority",
        _form(world, row, {"priority_level": "urgent"}, oob="facts"),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    facts = body.split(f'<dl class="facts" id="session-facts-{world.session_id}"')[1]
    assert facts.startswith(' hx-swap-oob="true">')
    assert "<dt>Priority</dt>\n    <dd>urgent</dd>" in facts
    assert "<h2>" not in body  # only the block, not the page around it


def test_out_of_band_rows_and_facts_only_for_sessions_one_may_edit(app, client, world):
    """Asking for list-rows/facts never shows a session to someone who may not edit it."""
    row = full_row(app, world.session_id)
    stranger = login(client, "tutor2@example.com")
    refused = stranger.post(
        f"/sessions/{world.session_id}/priority",
        {**_form(world, row, {"priority_level": "urgent"}), "oob": ["list-rows", "facts"]},
    )
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert "row-session-" not in body and "session-facts-" not in body
    assert full_row(app, world.session_id) == row
    owner = login(client, "tutor1@example.com")
    answer = owner.post(
        f"/sessions/{world.session_id}/priority",
        {**_form(world, row, {"priority_level": "urgent"}), "oob": ["list-rows", "facts"]},
    )
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    row_id = world.session_id
    assert f'<tr id="row-session-{row_id}" data-session-id="{row_id}" hx-swap-oob="true">' in body
    assert f'id="session-facts-{world.session_id}" hx-swap-oob="true"' in body
    assert 'class="session-card' not in body  # a list row asks for no card
    assert "edit-featured" not in body  # a tutor is not offered the feature button


def test_history_is_not_sent_to_people_without_edit_rights(app, world):
    """The partial renders nothing when the route passes no ``history``."""
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string(
            '{% include "sessions/_history.html" %}', s=view_of(app, world.session_id)
        )
    assert html.strip() == ""


def test_session_changes_table_matches_its_model(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "session_changes" in repr(d)] == []


def test_migration_0003_downgrades_and_upgrades(make_database):
    from flask_migrate import downgrade, upgrade

    from dashboard import create_app
    from tests.conftest import app_config

    app = create_app(app_config(make_database("audit")))
    with app.app_context():
        upgrade()
        assert sa.inspect(db.engine).has_table("session_changes")
        downgrade(revision="0002_update_sessions_references")
        assert not sa.inspect(db.engine).has_table("session_changes")
        upgrade()
        assert sa.inspect(db.engine).has_table("session_changes")
        db.engine.dispose()


def test_audit_rows_go_with_their_session_and_outlive_their_author(app, client, world, demo):
    poster = login(client, "tutor1@example.com")
    row = full_row(app, world.session_id)
    poster.post(
        f"/sessions/{world.session_id}/priority", _form(world, row, {"priority_level": "low"})
    )
    with app.app_context():
        db.session.execute(sa.delete(User).where(User.id == demo["coordinator@example.com"]))
        db.session.commit()
    assert len(audit_rows(app, world.session_id)) == 1
    with app.app_context():
        db.session.execute(sa.delete(Session).where(Session.id == world.session_id))
        db.session.commit()
    assert audit_rows(app, world.session_id) == []


# --- Out-of-band featured strip ---------------------------------------------------


def test_featuring_appends_to_the_featured_strip(app, client, world):
    poster = login(client, "coordinator@example.com")
    row = full_row(app, world.session_id)
    body = poster.post(
        f"/sessions/{world.session_id}/featured",
        _form(world, row, {"is_featured": "true"}, oob="featured-strip"),
    ).get_data(as_text=True)
    assert 'hx-swap-oob="beforeend:#featured-strip"' in body
    assert f'id="featured-session-{world.session_id}"' in body


def test_editing_a_featured_session_replaces_its_strip_item(app, client, world):
    poster = login(client, "coordinator@example.com")
    with app.app_context():
        db.session.execute(
            sa.update(Session).where(Session.id == world.session_id).values(is_featured=True)
        )
        db.session.commit()
    row = full_row(app, world.session_id)
    body = poster.post(
        f"/sessions/{world.session_id}/priority",
        _form(world, row, {"priority_level": "urgent"}, oob="featured-strip"),
    ).get_data(as_text=True)
    assert f'id="featured-session-{world.session_id}" hx-swap-oob="true"' in body
    assert "urgent priority" in body
    row = full_row(app, world.session_id)
    body = poster.post(
        f"/sessions/{world.session_id}/featured",
        _form(world, row, {"is_featured": "false"}, oob="featured-strip"),
    ).get_data(as_text=True)
    assert f'<article id="featured-session-{world.session_id}" hx-swap-oob="delete">' in body


def test_no_oob_pieces_unless_the_page_asks(app, client, world):
    poster = login(client, "coordinator@example.com")
    row = full_row(app, world.session_id)
    body = poster.post(
        f"/sessions/{world.session_id}/featured", _form(world, row, {"is_featured": "true"})
    ).get_data(as_text=True)
    assert "hx-swap-oob" not in body
    assert "featured-session" not in body


# --- The controls themselves --------------------------------------------------------


def _controls_for(app, email: str, session_id: int, **context) -> str:
    """The card of ``session_id`` as ``email`` sees it, its boards loaded as a route does."""
    from flask_login import login_user
    from jinja2_fragments.flask import render_block

    from dashboard.blueprints.sessions.board_choices import load_board_choices

    with app.test_request_context("/tutors/2/calendar?view=day"):
        login_user(db.session.scalar(sa.select(User).where(User.email == email)))
        view = view_of(app, session_id)
        load_board_choices([view.tutor_id])
        return render_block("sessions/_card.html", "session_card", s=view, **context)


@pytest.mark.parametrize(
    ("email", "forms"),
    [
        ("coordinator@example.com", {"attendance", "priority", "featured", "whiteboard"}),
        ("tutor1@example.com", {"attendance", "priority", "whiteboard"}),
        ("tutor2@example.com", set()),
        ("student1@example.com", set()),
        ("parent1@example.com", set()),
    ],
)
def test_controls_show_only_allowed_forms(app, world, email, forms):
    html = _controls_for(app, email, world.session_id)
    shown = {
        name
        for name in ("attendance", "priority", "featured", "whiteboard")
        if f'action="/sessions/{world.session_id}/{name}"' in html
    }
    assert shown == forms


def test_controls_work_without_javascript_and_are_labelled(app, world):
    html = _controls_for(app, "coordinator@example.com", world.session_id)
    version = view_of(app, world.session_id).version
    assert html.count('method="post"') == 4
    assert html.count(f'name="version" value="{version}"') == 4
    assert html.count('name="next" value="/tutors/2/calendar?view=day"') == 4
    assert html.count('name="csrf_token"') == 4
    assert html.count('type="submit"') == 4
    assert html.count('hx-target="closest .session-card"') == 4
    assert html.count('class="htmx-indicator"') == 4
    for label in ("Tutor attendance", "Student attendance", "Priority", "Whiteboard"):
        assert f"<label>{label}" in html
    assert "style=" not in html and "<script" not in html  # CSP: no inline styles or scripts


def test_controls_pass_the_oob_flags_on(app, world):
    html = _controls_for(
        app, "coordinator@example.com", world.session_id, edit_oob=("featured-strip",)
    )
    assert html.count('name="oob" value="featured-strip"') == 4


def test_an_inline_edit_costs_few_statements_and_loads_the_user_once(app, client, world):
    """Saving and re-rendering the card does not re-read the signed-in user after COMMIT."""
    from tests.builders import record_queries

    poster = login(client, "coordinator@example.com")
    before = full_row(app, world.session_id)
    with record_queries(app) as statements:
        response = poster.post(
            f"/sessions/{world.session_id}/attendance",
            _form(world, before, {"tutor_attendance_status": "late"}),
        )
    assert response.status_code == 200
    assert "late" in _assert_card(response, world.session_id)
    user_loads = [s for s in statements if s.sql.lstrip().startswith("SELECT users.")]
    assert len(user_loads) == 1, "\n\n".join(s.sql for s in user_loads)
    # user, the session to authorise, lock, UPDATE + audit, attendance taken, fresh card,
    # its board choices
    assert len(statements) <= 8, "\n\n".join(s.sql for s in statements)


def _render_cards_counting_board_queries(
    app, demo, email: str, preload: bool, statements: list | None = None
):
    """Render every session's card as ``email``; return (html, board statements, tutor ids).

    ``preload``: load the tutors' board choices first, as a route does. ``statements``
    collects the board queries even when rendering raises.
    """
    from flask_login import login_user
    from jinja2_fragments.flask import render_block

    from dashboard.blueprints.sessions.board_choices import load_board_choices
    from dashboard.services.session_views import fetch_session_views, session_view_select

    statements = [] if statements is None else statements
    with app.test_request_context("/coordinator/sessions"):
        login_user(db.session.get(User, demo[email]))
        views = fetch_session_views(session_view_select().order_by(Session.id))

        def record(_conn, _cursor, statement, parameters, *_args) -> None:
            if "whiteboard_sessions" in statement:
                statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            if preload:
                load_board_choices(v.tutor_id for v in views)
            html = "".join(render_block("sessions/_card.html", "session_card", s=v) for v in views)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    return html, statements, views


def test_whiteboard_choices_cost_one_query_for_a_preloaded_page(app, world, demo):
    """A page that preloads its tutors' boards renders N cards with one board query."""
    html, statements, views = _render_cards_counting_board_queries(
        app, demo, "coordinator@example.com", preload=True
    )
    tutors = {v.tutor_id for v in views}
    assert len(tutors) == 3
    assert len(statements) == 1
    # only the boards of the tutors on the page, not every board in the centre
    assert sorted(statements[0][1].values()) == sorted(tutors)
    assert html.count('name="whiteboard_id"') == len(views)


def test_a_card_whose_boards_were_not_loaded_raises_instead_of_querying(app, world, demo):
    """Templates never query: a card drawn without its route loading the boards is a bug."""
    from dashboard.blueprints.sessions.board_choices import BoardChoicesNotLoaded

    statements: list = []
    with pytest.raises(BoardChoicesNotLoaded, match="load_board_choices"):
        _render_cards_counting_board_queries(
            app, demo, "coordinator@example.com", preload=False, statements=statements
        )
    assert statements == []


def test_read_only_roles_load_no_boards(app, world, demo):
    """Students and parents are offered no whiteboard, so loading their choices costs nothing."""
    html, statements, _views = _render_cards_counting_board_queries(
        app, demo, "student1@example.com", preload=True
    )
    assert statements == []
    assert 'name="whiteboard_id"' not in html


def test_a_tutor_never_loads_other_tutors_boards(app, world, demo):
    _html, statements, _views = _render_cards_counting_board_queries(
        app, demo, "tutor1@example.com", preload=True
    )
    assert len(statements) == 1
    assert list(statements[0][1].values()) == [demo["tutor1@example.com"]]


def test_card_edits_refresh_the_bulk_form_row_when_the_page_asks(app, client, world):
    poster = login(client, "tutor1@example.com")
    row = full_row(app, world.session_id)
    response = poster.post(
        f"/sessions/{world.session_id}/attendance",
        _form(world, row, {"tutor_attendance_status": "late"}, oob="bulk-rows"),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    after = full_row(app, world.session_id)
    oob_row = body.split("<template>")[1].split("</template>")[0]
    assert f'<tr id="bulk-row-{world.session_id}" hx-swap-oob="true">' in oob_row
    assert f'value="{after["updated_at"].isoformat()}"' in oob_row
    assert '<option value="late" selected>' in oob_row


def test_a_row_without_updated_at_can_be_edited_once_with_the_empty_version(app, client, world):
    poster = login(client, "tutor1@example.com")
    with app.app_context():
        db.session.execute(
            sa.update(Session).where(Session.id == world.session_id).values(updated_at=None)
        )
        db.session.commit()
    assert view_of(app, world.session_id).version == ""
    path = f"/sessions/{world.session_id}/priority"
    assert poster.post(path, {"priority_level": "low", "version": "x"}).status_code == 409
    assert poster.post(path, {"priority_level": "low", "version": ""}).status_code == 200
    assert full_row(app, world.session_id)["updated_at"] is not None
    assert poster.post(path, {"priority_level": "high", "version": ""}).status_code == 409


@pytest.mark.parametrize(
    ("endpoint", "data", "event"),
    [
        ("featured", {"is_featured": "true"}, "schedule-featured-changed"),
        ("priority", {"priority_level": "urgent"}, "schedule-priority-changed"),
    ],
)
def test_a_saved_row_edit_tells_the_list_it_may_have_to_reload(
    app, client, world, endpoint, data, event
):
    """A list filtered or sorted by this column reloads on the event (coordinator/sessions.html)."""
    row = full_row(app, world.session_id)
    coordinator = login(client, "coordinator@example.com")
    answer = coordinator.post(
        f"/sessions/{world.session_id}/{endpoint}",
        {**_form(world, row, data), "oob": ["list-rows"]},
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Trigger"] == event
    card = coordinator.post(  # a card, not a list row: no event
        f"/sessions/{world.session_id}/priority",
        _form(world, full_row(app, world.session_id), {"priority_level": "low"}),
    )
    assert card.status_code == 200
    assert "HX-Trigger" not in card.headers
