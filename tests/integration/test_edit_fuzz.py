"""Fuzzing the edit endpoints: random, unicode, huge, missing, repeated and mistyped fields.

Whatever arrives: never a 5xx, and a request that is not accepted changes
nothing (the full row and the audit log are compared). An accepted one
changes only the endpoint's own columns, to allowed values, and bumps
``updated_at``. One app, client and sign-in per test function; hypothesis
runs ~50 examples against it (hence the function-scoped-fixture health check
is suppressed on purpose).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.choices import ATTENDANCE_STATUSES, PRIORITY_LEVELS
from tests.integration.edits_support import (
    add_board,
    all_rows,
    audit_rows,
    board_of,
    changed_columns,
    flashed,
    full_row,
    login,
    session_ids_of,
)

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Placeholders replaced by real values of the row at request time.
CURRENT_VERSION = "<current version>"
NEXT_VERSION = "<current version + 1µs>"
SPARE_BOARD = "<tutor1's spare board>"
OTHER_BOARD = "<tutor2's board>"

#: Any character a form can carry: lone UTF-16 surrogates cannot be encoded as
#: UTF-8, so no browser can send them (and the test client cannot encode them).
encodable = st.characters(exclude_categories=("Cs",))
junk = st.one_of(
    st.text(encodable, max_size=40),
    st.text(st.characters(min_codepoint=0x80, exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["", " ", "\x00", "null", "None", "true", "[]", "{}", "0", "-0", "1e309"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True).map(str),
    st.just("x" * 60_000),
)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """``good`` about four times in five, else ``bad`` (so some requests do succeed)."""
    return st.integers(min_value=0, max_value=4).flatmap(lambda n: bad if n == 4 else good)


def field_values(valid: tuple[str, ...] | list[str]) -> st.SearchStrategy[str | list[str]]:
    """Mostly an allowed value, else junk or the field sent several times."""
    allowed = st.sampled_from(valid)
    return mostly(
        allowed, st.one_of(junk, st.lists(st.one_of(allowed, junk), min_size=2, max_size=3))
    )


#: Mostly the row's current version, else something stale, malformed or repeated.
versions = mostly(
    st.just(CURRENT_VERSION),
    st.one_of(
        st.just(NEXT_VERSION),
        st.datetimes().map(lambda d: d.isoformat()),
        junk,
        st.lists(st.just(CURRENT_VERSION), min_size=2, max_size=2),
    ),
)

ATTENDANCE_FIELDS = {
    "tutor_attendance_status": field_values(ATTENDANCE_STATUSES),
    "student_attendance_status": field_values(ATTENDANCE_STATUSES),
}

FIELDS: dict[str, st.SearchStrategy] = {
    "attendance": st.fixed_dictionaries({}, optional=ATTENDANCE_FIELDS),
    "priority": st.fixed_dictionaries(
        {}, optional={"priority_level": field_values(PRIORITY_LEVELS)}
    ),
    "featured": st.fixed_dictionaries(
        {}, optional={"is_featured": field_values(["true", "false", "True", "1", "on"])}
    ),
    "whiteboard": st.fixed_dictionaries(
        {},
        optional={"whiteboard_id": field_values(["", SPARE_BOARD, OTHER_BOARD, "999999"])},
    ),
}

#: The columns each endpoint may change, and their allowed values.
ALLOWED: dict[str, dict[str, set]] = {
    "attendance": {
        "tutor_attendance_status": set(ATTENDANCE_STATUSES),
        "student_attendance_status": set(ATTENDANCE_STATUSES),
    },
    "priority": {"priority_level": set(PRIORITY_LEVELS)},
    "featured": {"is_featured": {True, False}},
    "whiteboard": {"whiteboard_id": {None}},  # + tutor1's boards, added in the test
}

requests = st.fixed_dictionaries(
    {"htmx": st.booleans(), "version": versions},
    optional={"next": junk, "unexpected": junk},
)


def _fill(value, row: dict, boards: dict[str, int]):
    """Replace the placeholders with this row's real values."""
    if isinstance(value, list):
        return [_fill(item, row, boards) for item in value]
    if value == CURRENT_VERSION:
        return row["updated_at"].isoformat()
    if value == NEXT_VERSION:
        return (row["updated_at"] + timedelta(microseconds=1)).isoformat()
    if value in boards:
        return str(boards[value])
    return value


def _has_nul(form: dict) -> bool:
    """True when any key or value of the form holds a NUL byte."""
    values = [
        item for value in form.values() for item in (value if isinstance(value, list) else [value])
    ]
    return any("\x00" in text for text in [*form, *values])


@pytest.mark.parametrize("endpoint", list(FIELDS))
def test_fuzz_single_edits(app, client, demo, endpoint):
    session_id = session_ids_of(app, demo["tutor1@example.com"])[0]
    boards = {
        SPARE_BOARD: add_board(app, demo["tutor1@example.com"]),
        OTHER_BOARD: board_of(app, demo["tutor2@example.com"]),
    }
    allowed = {field: set(values) for field, values in ALLOWED[endpoint].items()}
    if endpoint == "whiteboard":
        allowed["whiteboard_id"] |= {boards[SPARE_BOARD], board_of(app, demo["tutor1@example.com"])}
    poster = login(client, "coordinator@example.com")  # may use all four endpoints

    @FUZZ
    @given(fields=FIELDS[endpoint], extra=requests)
    def run(fields: dict, extra: dict) -> None:
        before = full_row(app, session_id)
        audits = len(audit_rows(app))
        htmx = extra.pop("htmx")
        form = {key: _fill(value, before, boards) for key, value in {**fields, **extra}.items()}
        flashed(client)  # forget earlier messages
        response = poster.post(f"/sessions/{session_id}/{endpoint}", form, htmx=htmx)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        after = full_row(app, session_id)
        if htmx:
            assert response.status_code in (200, 409, 413, 422), response.status_code
            accepted = response.status_code == 200
        elif _has_nul(form):
            # dashboard.input_guard refuses a NUL anywhere before the edit runs.
            assert response.status_code == 422, response.status_code
            accepted = False
        else:
            assert response.status_code in (303, 413), response.status_code
            accepted = any(message.endswith(": saved.") for message in flashed(client))
        if not accepted:
            assert after == before
            assert len(audit_rows(app)) == audits
            return
        changed = changed_columns(before, after)
        assert changed.pop("updated_at") > before["updated_at"]
        assert set(changed) <= set(allowed)
        for field, values in allowed.items():
            assert after[field] in values
        assert len(audit_rows(app)) == audits + len(changed)

    run()


bulk_rows = st.lists(
    st.fixed_dictionaries({"version": versions}, optional=ATTENDANCE_FIELDS),
    min_size=1,
    max_size=3,
)


def test_fuzz_bulk_attendance(app, client, demo):
    ids = session_ids_of(app, demo["tutor1@example.com"])[:3]
    poster = login(client, "tutor1@example.com")

    @FUZZ
    @given(
        rows=bulk_rows,
        action=mostly(st.sampled_from(["save", "all-present"]), junk),
        extra_ids=mostly(st.just([]), st.lists(junk, min_size=1, max_size=2)),
    )
    def run(rows: list[dict], action: str, extra_ids: list[str]) -> None:
        before = all_rows(app)
        audits = len(audit_rows(app))
        chosen = ids[: len(rows)]
        form: dict[str, object] = {"session_id": [str(i) for i in chosen] + extra_ids}
        form["action"] = action
        for session_id, row in zip(chosen, rows, strict=True):
            for key, value in row.items():
                form[f"{key}-{session_id}"] = _fill(value, before[session_id], {})
        response = poster.post("/sessions/attendance/bulk", form)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        after = all_rows(app)
        if response.status_code != 200:
            assert response.status_code in (403, 404, 409, 413, 422)
            assert after == before
            assert len(audit_rows(app)) == audits
            return
        for session_id, row in before.items():
            if session_id not in chosen:
                assert after[session_id] == row
                continue
            changed = changed_columns(row, after[session_id])
            assert changed.pop("updated_at") > row["updated_at"]
            assert set(changed) <= {"tutor_attendance_status", "student_attendance_status"}
            assert after[session_id]["tutor_attendance_status"] in ATTENDANCE_STATUSES
            assert after[session_id]["student_attendance_status"] in ATTENDANCE_STATUSES

    run()
