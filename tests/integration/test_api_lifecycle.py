"""``/api/v1/sessions/<id>/reschedule|cancel|restore|complete``: the scheduling rules,
If-Match like PATCH, and problems that write nothing."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from tests.helpers import database_fingerprint
from tests.integration.lesson_support import rows
from tests.integration.test_api_sessions import SOON, World, etag, new_session


@pytest.fixture
def world(build) -> World:
    return World(build)


def data_fingerprint(app) -> dict[str, str]:
    """Every table but ``api_tokens``, whose ``last_used_at`` each request moves."""
    return {k: v for k, v in database_fingerprint(app).items() if k != "api_tokens"}


def post(client, world: World, session_id: int, action: str, body: dict, who: str = "tutor"):
    """POST ``body`` as ``who`` with the session's current ETag (read by a coordinator)."""
    return client.post(
        f"/api/v1/sessions/{session_id}/{action}",
        json=body,
        headers=world.headers(who, **{"If-Match": etag(client, world, session_id, "coordinator")}),
    )


def test_reschedule_moves_the_session_in_place_and_answers_it_with_its_new_etag(client, world):
    new_day = SOON + timedelta(days=20)
    response = post(
        client,
        world,
        world.mine[0],
        "reschedule",
        {"session_date": new_day.isoformat(), "start_time": "15:00", "end_time": "16:30"},
    )
    assert response.status_code == 200, response.get_json()
    session = response.get_json()
    assert (session["id"], session["status"]) == (world.mine[0], "rescheduled")
    assert (session["session_date"], session["start_time"], session["end_time"]) == (
        new_day.isoformat(),
        "15:00:00",
        "16:30:00",
    )
    assert session["duration"] == 90
    assert response.headers["ETag"] == etag(client, world, world.mine[0])


def test_an_overlap_is_409_naming_the_other_session_and_writes_nothing(app, client, world):
    fingerprint = data_fingerprint(app)
    overlapping = {
        "session_date": (SOON + timedelta(days=1)).isoformat(),
        "start_time": "10:30",
        "end_time": "11:30",
    }
    response = post(client, world, world.mine[0], "reschedule", overlapping)
    assert response.status_code == 409
    problem = response.get_json()
    assert [c["session_id"] for c in problem["conflicts"]] == [world.mine[1]]
    assert data_fingerprint(app) == fingerprint
    override = post(
        client,
        world,
        world.mine[0],
        "reschedule",
        {**overlapping, "override_reason": "Double lesson agreed"},
        who="coordinator",
    )
    assert override.status_code == 200, override.get_json()


def test_cancel_keeps_the_row_with_its_reason_and_restore_brings_it_back(app, client, world):
    cancelled = post(
        client,
        world,
        world.mine[2],
        "cancel",
        {"reason": "other", "reason_text": "Exam week"},
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert [(s["id"], s["status"]) for s in cancelled.get_json()["data"]] == [
        (world.mine[2], "cancelled")
    ]
    assert rows(
        app,
        "SELECT reason, reason_text FROM session_cancellations WHERE session_id = :id",
        id=world.mine[2],
    ) == [("other", "Exam week")]

    restored = post(client, world, world.mine[2], "restore", {})
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["status"] == "scheduled"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("cancel", {"reason": "other"}, "reason_text"),  # "other" needs its details
        ("cancel", {"reason": "bored"}, "reason"),
        ("cancel", {"reason": "no-show", "scope": "some"}, "scope"),
        ("restore", {}, None),  # not cancelled
        ("complete", {"topics_covered": ["Fractions"]}, "topics_covered"),  # not begun yet
        (
            "reschedule",
            {"session_date": "2099-01-05", "start_time": "11:00", "end_time": "10:00"},
            "end_time",
        ),
        (
            "reschedule",
            {"session_date": "2000-01-03", "start_time": "10:00", "end_time": "11:00"},
            "session_date",
        ),
        ("reschedule", {"session_date": "2099-01-05"}, "start_time"),
    ],
)
def test_bad_input_is_a_422_problem_that_writes_nothing(app, client, world, action, body, field):
    fingerprint = data_fingerprint(app)
    response = post(client, world, world.mine[3], action, body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    if field is not None:
        assert field in response.get_json()["errors"]
    assert data_fingerprint(app) == fingerprint


def test_complete_from_the_start_records_topics_and_notes(app, build, client, world):
    past = build.session(world.enrolment, date.today() - timedelta(days=2), time(9, 0))
    response = post(
        client,
        world,
        past,
        "complete",
        {
            "topics_covered": ["Fractions", " "],
            "public_note": "Well done",
            "private_note": "Needs practice",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["topics_covered"]) == (
        "completed",
        ["Fractions"],
    )
    assert rows(
        app, "SELECT public_note, private_note FROM session_notes WHERE session_id = :id", id=past
    ) == [("Well done", "Needs practice")]


@pytest.mark.parametrize("action", ["reschedule", "cancel", "restore", "complete"])
def test_if_match_is_required_and_must_be_current(app, client, world, action):
    url = f"/api/v1/sessions/{world.mine[4]}/{action}"
    body = {
        "cancel": {"reason": "no-show"},
        "reschedule": {"session_date": "2099-01-05", "start_time": "10:00", "end_time": "11:00"},
    }.get(action, {})
    assert client.post(url, json=body, headers=world.headers()).status_code == 428
    fingerprint = data_fingerprint(app)
    stale = client.post(
        url, json=body, headers=world.headers(**{"If-Match": '"2000-01-01T00:00:00"'})
    )
    assert stale.status_code == 412
    assert stale.get_json()["current"]["id"] == world.mine[4]
    assert data_fingerprint(app) == fingerprint


def test_who_may(client, world):
    body = {"reason": "no-show"}
    assert post(client, world, world.theirs, "cancel", body).status_code == 403
    assert post(client, world, world.mine[0], "cancel", body, who="student").status_code == 403
    assert post(client, world, world.mine[0], "cancel", body, who="parent").status_code == 403
    read_only = client.post(
        f"/api/v1/sessions/{world.mine[0]}/cancel",
        json=body,
        headers={
            "Authorization": f"Bearer {world.read_token}",
            "If-Match": etag(client, world, world.mine[0], "coordinator"),
        },
    )
    assert read_only.status_code == 403


def test_patching_status_or_times_names_the_operation_to_use(client, world):
    response = client.patch(
        f"/api/v1/sessions/{world.mine[0]}",
        json={"status": "cancelled", "start_time": "12:00"},
        headers=world.headers(**{"If-Match": etag(client, world, world.mine[0])}),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"status", "start_time"}
    assert "POST …/reschedule, …/cancel, …/restore or …/complete" in errors["status"][0]


def test_a_series_repeats_anew_from_an_occurrence(app, client, world):
    made = client.post(
        "/api/v1/sessions",
        json=new_session(world, session_frequency="weekly", repeat_count=4),
        headers=world.headers(),
    ).get_json()["data"]
    response = post(
        client, world, made[1]["id"], "repeat", {"session_frequency": "biweekly", "repeat_count": 3}
    )
    assert response.status_code == 200, response.get_json()
    answered = response.get_json()["data"]
    # From the second on, every two weeks three times: the 2nd and 4th stay, the 3rd is
    # cancelled (off the rule), and the third date of the rule gets a new session.
    weeks = [date.fromisoformat(made[1]["session_date"]) + timedelta(weeks=n) for n in range(5)]
    assert [(s["session_date"], s["status"]) for s in answered] == [
        (weeks[0].isoformat(), "scheduled"),
        (weeks[1].isoformat(), "cancelled"),
        (weeks[2].isoformat(), "scheduled"),
        (weeks[4].isoformat(), "scheduled"),
    ]
    assert [s["id"] for s in answered[:3]] == [made[1]["id"], made[2]["id"], made[3]["id"]]
    assert {s["recurring_pattern"]["rrule"] for s in answered} == {"FREQ=WEEKLY;INTERVAL=2;COUNT=3"}
    first = client.get(f"/api/v1/sessions/{made[0]['id']}", headers=world.headers()).get_json()
    assert first["recurring_pattern"]["series_id"] != answered[0]["recurring_pattern"]["series_id"]

    refused = post(client, world, made[0]["id"], "repeat", {"session_frequency": "weekly"})
    assert refused.status_code == 422
    assert "repeat_until" in refused.get_json()["errors"]
    one_time = post(
        client, world, world.mine[0], "repeat", {"session_frequency": "weekly", "repeat_count": 2}
    )
    assert one_time.status_code == 422
    assert "does not repeat" in one_time.get_json()["errors"]["session_frequency"][0]
