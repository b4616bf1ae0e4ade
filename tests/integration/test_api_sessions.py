"""``/api/v1/sessions``: seed columns, visibility per role, paging, POST rules, PATCH + ETags."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from dashboard import choices
from dashboard.extensions import db
from dashboard.models import Session, SessionChange
from dashboard.services.schema_contract import EXPECTED_COLUMNS
from tests.builders import Builder

COLUMN_NAMES = [name for name, *_rest in EXPECTED_COLUMNS]
SOON = date.today() + timedelta(days=7)


class World:
    """Two tutors, a student each, a parent of the first student, sessions for both."""

    def __init__(self, build: Builder) -> None:
        self.coordinator = build.user("coordinator")
        self.tutor = build.user("tutor")
        self.other_tutor = build.user("tutor")
        self.student = build.user("student")
        self.other_student = build.user("student")
        self.parent = build.user("parent")
        build.link(self.parent, self.student)
        self.enrolment = build.enrolment(self.tutor, self.student)
        self.other_enrolment = build.enrolment(self.other_tutor, self.other_student)
        self.mine = build.sessions(
            self.enrolment, [(SOON + timedelta(days=n), time(10, 0)) for n in range(5)]
        )
        self.theirs = build.session(self.other_enrolment, SOON, time(12, 0))
        self.tokens = {
            name: build.api_token(getattr(self, name))
            for name in ("coordinator", "tutor", "student", "parent", "other_tutor")
        }
        self.read_token = build.api_token(self.tutor, "read")

    def headers(self, who: str = "tutor", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


@pytest.fixture
def world(build) -> World:
    return World(build)


def ids(response) -> list[int]:
    return [row["id"] for row in response.get_json()["data"]]


def etag(client, world: World, session_id: int, who: str = "tutor") -> str:
    return client.get(f"/api/v1/sessions/{session_id}", headers=world.headers(who)).headers["ETag"]


# --- representation ----------------------------------------------------------


def test_a_session_has_exactly_the_seed_columns_in_order(client, world):
    response = client.get(f"/api/v1/sessions/{world.mine[0]}", headers=world.headers())
    assert response.status_code == 200
    assert list(response.get_json()) == COLUMN_NAMES  # JSON object order as sent
    assert len(COLUMN_NAMES) == 27
    listed = client.get("/api/v1/sessions", headers=world.headers()).get_json()["data"][0]
    assert list(listed) == COLUMN_NAMES


def test_the_document_lists_the_columns_in_order_with_the_choices_as_enums(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    session = spec["components"]["schemas"]["SessionOut"]
    assert list(session["properties"]) == COLUMN_NAMES
    enums = {
        "session_mode": choices.SESSION_MODES,
        "tutor_attendance_status": choices.ATTENDANCE_STATUSES,
        "student_attendance_status": choices.ATTENDANCE_STATUSES,
        "priority_level": choices.PRIORITY_LEVELS,
        "session_frequency": choices.SESSION_FREQUENCIES,
        "status": choices.SESSION_STATUSES,
    }
    for name, allowed in enums.items():
        assert [v for v in session["properties"][name]["enum"] if v is not None] == list(allowed)


@pytest.mark.parametrize(
    ("who", "sees_priority"),
    [("coordinator", True), ("tutor", True), ("student", False), ("parent", False)],
)
def test_families_never_get_the_priority(client, world, who, sees_priority):
    """Priority is internal triage: the pages hide it from families, and so does the API."""
    one = client.get(f"/api/v1/sessions/{world.mine[0]}", headers=world.headers(who)).get_json()
    listed = client.get("/api/v1/sessions", headers=world.headers(who)).get_json()["data"]
    for record in [one, *listed]:
        assert ("priority_level" in record) is sees_priority
        expected = (
            COLUMN_NAMES if sees_priority else [n for n in COLUMN_NAMES if n != "priority_level"]
        )
        assert list(record) == expected


def test_the_document_says_the_priority_is_for_staff_only(client):
    session = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["SessionOut"]
    assert "priority_level" not in session.get("required", [])
    assert (
        "students' and parents' tokens never get"
        in session["properties"]["priority_level"]["description"].lower()
    )


def test_etag_is_the_quoted_updated_at(app, client, world):
    response = client.get(f"/api/v1/sessions/{world.mine[0]}", headers=world.headers())
    assert response.headers["ETag"] == f'"{response.get_json()["updated_at"]}"'


# --- who sees what -----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_mine", "sees_theirs"),
    [
        ("coordinator", True, True),
        ("tutor", True, False),
        ("other_tutor", False, True),
        ("student", True, False),
        ("parent", True, False),
    ],
)
def test_each_role_lists_only_what_it_may_see(client, world, who, sees_mine, sees_theirs):
    listed = set(ids(client.get("/api/v1/sessions", headers=world.headers(who))))
    assert (set(world.mine) <= listed) is sees_mine
    assert (world.theirs in listed) is sees_theirs
    if not sees_mine:
        assert not set(world.mine) & listed


def test_another_tutors_session_is_403_and_unknown_ids_404(client, world):
    assert (
        client.get(f"/api/v1/sessions/{world.theirs}", headers=world.headers()).status_code == 403
    )
    for missing in (999_999, 2**31, 10**30):
        response = client.get(f"/api/v1/sessions/{missing}", headers=world.headers())
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"


def test_filters(client, world):
    def listed(**query) -> list[int]:
        response = client.get(
            "/api/v1/sessions", query_string=query, headers=world.headers("coordinator")
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return ids(response)

    assert set(listed(tutor_id=world.tutor)) == set(world.mine)
    assert listed(student_id=world.other_student) == [world.theirs]
    assert listed(enrolled_courses_id=world.other_enrolment) == [world.theirs]
    day = (SOON + timedelta(days=1)).isoformat()
    assert listed(tutor_id=world.tutor, date_from=day, date_to=day) == [world.mine[1]]
    assert listed(status="cancelled") == []
    assert listed(is_featured="true") == []
    assert len(listed(is_featured="false")) == 6
    assert listed(updated_since="2999-01-01T00:00:00") == []
    assert len(listed(updated_since="2000-01-01T00:00:00+00:00")) == 6


@pytest.mark.parametrize(
    "query",
    [
        {"tutor_id": "x"},
        {"tutor_id": str(2**31)},
        {"status": "lost"},
        {"date_from": "tomorrow"},
        {"limit": "0"},
        {"limit": "101"},
        {"cursor": "not-a-cursor"},
        {"updated_since": "yesterday"},
    ],
)
def test_bad_query_parameters_are_400_problems(client, world, query):
    response = client.get("/api/v1/sessions", query_string=query, headers=world.headers())
    assert response.status_code == 400
    problem = response.get_json()
    assert response.content_type == "application/problem+json"
    assert problem["status"] == 400 and problem["title"] and problem["detail"]


def test_pages_follow_next_in_a_stable_order_without_repeats(client, world):
    seen: list[int] = []
    url = f"/api/v1/sessions?limit=2&tutor_id={world.tutor}"
    pages = 0
    while url:
        response = client.get(url, headers=world.headers("coordinator"))
        body = response.get_json()
        seen += ids(response)
        url = body["next"]
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"'
        pages += 1
    assert pages == 3
    assert seen == world.mine  # by date, then start, then id


# --- PATCH -------------------------------------------------------------------


def test_tutor_changes_priority_with_if_match_and_it_is_audited(app, client, world):
    session_id = world.mine[0]
    tag = etag(client, world, session_id)
    response = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"priority_level": "urgent"},
        headers=world.headers(**{"If-Match": tag}),
    )
    assert response.status_code == 200
    assert response.get_json()["priority_level"] == "urgent"
    assert response.headers["ETag"] != tag
    with app.app_context():
        change = db.session.scalars(sa.select(SessionChange)).one()
        assert (change.session_id, change.field, change.new_value) == (
            session_id,
            "priority_level",
            "urgent",
        )
        assert change.user_id == world.tutor


def test_old_etag_is_412_with_the_current_session(client, world):
    session_id = world.mine[0]
    old = etag(client, world, session_id)
    first = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"priority_level": "high"},
        headers=world.headers(**{"If-Match": old}),
    )
    assert first.status_code == 200
    again = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"priority_level": "low"},
        headers=world.headers(**{"If-Match": old}),
    )
    assert again.status_code == 412
    assert again.content_type == "application/problem+json"
    problem = again.get_json()
    assert problem["current"]["priority_level"] == "high"
    assert list(problem["current"]) == COLUMN_NAMES
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("if_match", [None, "", "*"])
def test_missing_if_match_is_428(client, world, if_match):
    headers = world.headers() if if_match is None else world.headers(**{"If-Match": if_match})
    response = client.patch(
        f"/api/v1/sessions/{world.mine[0]}", json={"priority_level": "high"}, headers=headers
    )
    assert response.status_code == 428
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "tag", ['"junk"', 'W/"2026-01-01T00:00:00"', "no-quotes", '"' + "9" * 60 + '"']
)
def test_unusable_etags_are_412_never_500(client, world, tag):
    response = client.patch(
        f"/api/v1/sessions/{world.mine[0]}",
        json={"priority_level": "high"},
        headers=world.headers(**{"If-Match": tag}),
    )
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("tutor", {"is_featured": True}, 403),  # coordinators feature
        ("student", {"priority_level": "high"}, 403),
        ("parent", {"tutor_attendance_status": "late"}, 403),
        ("other_tutor", {"priority_level": "high"}, 403),
        ("coordinator", {"is_featured": True}, 200),
        ("tutor", {"tutor_attendance_status": "excused", "topics": ["Fractions"]}, 200),
        ("tutor", {"tutor_attendance_status": "late"}, 422),  # taken from the start only
        ("tutor", {"session_mode": "in-person"}, 422),  # needs a location
        ("tutor", {"session_mode": "in-person", "location": "Room 4"}, 200),
        ("tutor", {"priority_level": "sky-high"}, 422),
        ("tutor", {"status": "cancelled"}, 422),  # not changed by PATCH
        ("tutor", {"session_date": "2030-01-01"}, 422),
        ("tutor", {"nonsense": 1}, 422),
        ("tutor", {}, 422),
        ("tutor", {"topics": ["x\x00y"]}, 422),
        ("tutor", {"alarm_before_minutes": -1}, 422),
        ("tutor", {"whiteboard_id": 2**31}, 422),
    ],
)
def test_fields_by_role_and_validation(app, client, world, who, body, status):
    session_id = world.mine[0]
    before = client.get(f"/api/v1/sessions/{session_id}", headers=world.headers("coordinator"))
    response = client.patch(
        f"/api/v1/sessions/{session_id}",
        json=body,
        headers=world.headers(who, **{"If-Match": before.headers["ETag"]}),
    )
    assert response.status_code == status, response.get_data(as_text=True)
    if status != 200:
        assert response.content_type == "application/problem+json"
        after = client.get(f"/api/v1/sessions/{session_id}", headers=world.headers("coordinator"))
        assert after.get_json() == before.get_json()  # nothing written


def test_whiteboard_must_be_the_sessions_tutors(build, client, world):
    own = build.whiteboard("https://board.example/own")
    other = build.whiteboard("https://board.example/other")
    with build.app.app_context():
        from dashboard.models import WhiteboardSession

        db.session.get(WhiteboardSession, own).owner_id = world.tutor
        db.session.get(WhiteboardSession, other).owner_id = world.other_tutor
        db.session.commit()
    url = f"/api/v1/sessions/{world.mine[0]}"
    refused = client.patch(
        url,
        json={"whiteboard_id": other},
        headers=world.headers(**{"If-Match": etag(client, world, world.mine[0])}),
    )
    assert refused.status_code == 422
    linked = client.patch(
        url,
        json={"whiteboard_id": own},
        headers=world.headers(**{"If-Match": etag(client, world, world.mine[0])}),
    )
    assert linked.status_code == 200 and linked.get_json()["whiteboard_id"] == own
    unlinked = client.patch(
        url,
        json={"whiteboard_id": None},
        headers=world.headers(**{"If-Match": linked.headers["ETag"]}),
    )
    assert unlinked.status_code == 200 and unlinked.get_json()["whiteboard_id"] is None


# --- POST --------------------------------------------------------------------


def new_session(world: World, **fields) -> dict:
    body = {
        "enrolled_courses_id": world.enrolment,
        "session_date": (SOON + timedelta(days=20)).isoformat(),
        "start_time": "15:00",
        "end_time": "16:00",
    }
    body.update(fields)
    return body


def test_tutor_schedules_a_session_of_their_course(client, world):
    response = client.post(
        "/api/v1/sessions", json=new_session(world, topics=["Algebra"]), headers=world.headers()
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    [created] = response.get_json()["data"]
    assert list(created) == COLUMN_NAMES
    assert (created["start_time"], created["end_time"], created["duration"]) == (
        "15:00:00",
        "16:00:00",
        60,
    )
    assert created["topics"] == ["Algebra"] and created["status"] == "scheduled"
    assert response.headers["Location"].endswith(f"/api/v1/sessions/{created['id']}")
    assert response.headers["ETag"] == f'"{created["updated_at"]}"'


def test_a_weekly_series_is_every_occurrence(client, world):
    body = new_session(world, session_frequency="weekly", repeat_count=3)
    response = client.post("/api/v1/sessions", json=body, headers=world.headers())
    assert response.status_code == 201
    rows = response.get_json()["data"]
    assert len(rows) == 3 and all(row["is_recurring"] for row in rows)


@pytest.mark.parametrize(
    ("who", "fields", "status"),
    [
        ("student", {}, 403),
        ("parent", {}, 403),
        ("other_tutor", {}, 422),  # not a course they may schedule (as the form says)
        ("tutor", {"end_time": "14:00"}, 422),
        ("tutor", {"session_date": "2000-01-01"}, 422),
        ("tutor", {"session_mode": "in-person"}, 422),
        ("tutor", {"start_time": "25:00"}, 422),
        ("tutor", {"session_frequency": "weekly"}, 422),  # needs repeat_until or repeat_count
    ],
)
def test_post_follows_the_scheduling_rules(app, client, world, who, fields, status):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Session))
    response = client.post(
        "/api/v1/sessions", json=new_session(world, **fields), headers=world.headers(who)
    )
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    if status == 422:
        assert response.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == before


def test_an_overlap_is_409_and_a_coordinator_may_override_with_a_reason(client, world):
    overlapping = new_session(
        world, session_date=SOON.isoformat(), start_time="10:30", end_time="11:30"
    )
    refused = client.post("/api/v1/sessions", json=overlapping, headers=world.headers())
    assert refused.status_code == 409
    assert [c["session_id"] for c in refused.get_json()["conflicts"]] == [world.mine[0]]
    no_reason = client.post(
        "/api/v1/sessions", json=overlapping, headers=world.headers("coordinator")
    )
    assert no_reason.status_code == 409
    overridden = client.post(
        "/api/v1/sessions",
        json={**overlapping, "override_reason": "Exam week"},
        headers=world.headers("coordinator"),
    )
    assert overridden.status_code == 201


# --- the "done when" -------------------------------------------------


def test_script_lists_next_week_changes_priority_and_gets_412_on_retry(client, world):
    """A script with a token, as a new user would write it from the docs page alone."""
    headers = {"Authorization": f"Bearer {world.tokens['tutor']}"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    week = client.get(
        "/api/v1/sessions",
        query_string={
            "tutor_id": me["id"],
            "date_from": monday.isoformat(),
            "date_to": (monday + timedelta(days=6)).isoformat(),
        },
        headers=headers,
    ).get_json()["data"]
    assert week and all(
        monday <= date.fromisoformat(s["session_date"]) <= monday + timedelta(days=6) for s in week
    )
    first = client.get(f"/api/v1/sessions/{week[0]['id']}", headers=headers)
    changed = client.patch(
        f"/api/v1/sessions/{week[0]['id']}",
        json={"priority_level": "high"},
        headers={**headers, "If-Match": first.headers["ETag"]},
    )
    assert changed.status_code == 200 and changed.get_json()["priority_level"] == "high"
    retried = client.patch(
        f"/api/v1/sessions/{week[0]['id']}",
        json={"priority_level": "high"},
        headers={**headers, "If-Match": first.headers["ETag"]},
    )
    assert retried.status_code == 412


# --- cost --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["tutor", "parent", "coordinator"])
def test_a_page_costs_the_same_few_queries_however_many_sessions(app, client, build, world, who):
    from tests.builders import record_queries

    def count() -> int:
        client.get("/api/v1/me", headers=world.headers(who))  # last use recorded: not counted below
        with record_queries(app) as recorded:
            response = client.get("/api/v1/sessions?limit=100", headers=world.headers(who))
        assert response.status_code == 200
        return len(recorded)

    few = count()
    build.sessions(world.enrolment, [(SOON + timedelta(days=n), time(15, 0)) for n in range(60)])
    assert count() == few <= 3  # the token, the page (+ a parent's children)
