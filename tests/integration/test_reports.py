"""Reports: every figure against an independent SQL query, the CSV files, the charts, access.

The data (``centre``) is built to hit every rule: every attendance value,
cancelled sessions, a session past midnight (stored ``duration``) and one with
no ``duration`` (length from its times), sessions outside the range, one that
has not started yet, two tutors, three students, two courses. The expected
figures come from SQL written here, independently of the report's query
(plain GROUP BY per figure, lengths from timestamps), and a few are counted
by hand as a check on both.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.models import SessionCancellation, SessionReview
from dashboard.services.reports.csv_files import NAME_COLUMNS, RECORD_COLUMNS, SESSION_COLUMNS
from dashboard.services.reports.query import last_full_month

FROM, TO = date(2025, 3, 1), date(2025, 3, 31)
RANGE = f"from={FROM}&to={TO}"
WEEKS = ["2025-W09", "2025-W10", "2025-W11", "2025-W12", "2025-W13", "2025-W14"]


# --- Data ----------------------------------------------------------------------------


@pytest.fixture
def centre(build):
    """Two tutors, three students, two courses; March 2025 has every kind of session."""
    ids = {
        "coordinator": build.user(ROLE_COORDINATOR, "boss@test.example", "Boss"),
        "ann": build.user(ROLE_TUTOR, "ann@test.example", "Ann Tutor"),
        "bob": build.user(ROLE_TUTOR, "bob@test.example", "Bob Tutor"),
        "sam": build.user(ROLE_STUDENT, "sam@test.example", "Sam Student"),
        "kim": build.user(ROLE_STUDENT, "kim@test.example", "Kim Student"),
        "lee": build.user(ROLE_STUDENT, "lee@test.example", "Lee Student"),
        "parent": build.user(ROLE_PARENT, "parent@test.example", "Pat Parent"),
    }
    build.link(ids["parent"], ids["sam"])
    ann_sam = build.enrolment(ids["ann"], ids["sam"], "Maths")
    ann_kim = build.enrolment(ids["ann"], ids["kim"], "Physics")
    bob_lee = build.enrolment(ids["bob"], ids["lee"], "Maths")
    bob_sam = build.enrolment(ids["bob"], ids["sam"], "Physics")
    done = {"status": "completed"}
    # Ann + Sam, Maths: 60 present, 45 late/late, 90 past midnight, tutor absent, student absent.
    reviewed = build.session(ann_sam, date(2025, 3, 3), time(9), 60, **done)
    late_reviewed = build.session(
        ann_sam,
        date(2025, 3, 4),
        time(10),
        45,
        **done,
        tutor_attendance_status="late",
        student_attendance_status="late",
    )
    build.session(ann_sam, date(2025, 3, 10), time(23, 30), 90, **done)  # ends 01:00 next day
    build.session(ann_sam, date(2025, 3, 11), time(9), 60, **done, tutor_attendance_status="absent")
    build.session(
        ann_sam, date(2025, 3, 12), time(9), 60, **done, student_attendance_status="absent"
    )
    late = build.session(ann_sam, date(2025, 3, 13), time(9), 60, status="cancelled")
    build.session(ann_sam, date(2025, 3, 2), time(9), 60, **done)  # Sunday of week 9
    # Ann + Kim, Physics: excused, no duration (22:00–00:30 = 150 min), scheduled, rescheduled.
    build.session(
        ann_kim, date(2025, 3, 17), time(16), 60, **done, student_attendance_status="excused"
    )
    build.session(ann_kim, date(2025, 3, 18), time(22), 150, **done, duration=None)
    never_marked = [
        build.session(ann_kim, date(2025, 3, 19), time(16), 60, status="scheduled"),
        build.session(ann_kim, date(2025, 3, 20), time(16), 60, status="rescheduled"),
    ]
    untaken = build.session(ann_kim, date(2025, 3, 21), time(16), 60, **done)
    with build.app.app_context():  # the ORM would write the column default for None
        db.session.execute(
            sa.text("UPDATE sessions SET student_attendance_status = NULL WHERE id = :id"),
            {"id": untaken},
        )
        db.session.commit()
    # Bob + Lee, Maths, and Bob + Sam, Physics: 31 March is ISO week 14.
    build.session(bob_lee, date(2025, 3, 24), time(15), 30, **done)
    build.session(bob_lee, date(2025, 3, 31), time(15), 60, **done)
    relented = build.session(bob_lee, date(2025, 3, 25), time(15), 60, status="cancelled")
    bob_reviewed = build.session(bob_sam, date(2025, 3, 26), time(17), 120, **done)
    restored = build.session(bob_sam, date(2025, 3, 27), time(17), 60, status="scheduled")
    # Outside the range: not counted anywhere.
    before = build.session(ann_sam, date(2025, 2, 28), time(9), 60, **done)
    build.session(bob_lee, date(2025, 4, 1), time(9), 60, **done)
    with build.app.app_context():
        # Attendance taken for every session but the two never marked (and the cancelled).
        db.session.execute(
            sa.text(
                "INSERT INTO session_attendance (session_id) SELECT id FROM sessions "
                "WHERE status <> 'cancelled' AND NOT id = ANY(:skip)"
            ),
            {"skip": never_marked},
        )
        at = datetime(2025, 3, 1, 12, tzinfo=ZoneInfo("UTC"))
        db.session.add_all(
            [
                # Ann's 13 March: late, still cancelled. Bob's 25 March: first late, restored,
                # then cancelled again in time (the current one is not late). 27 March: a late
                # cancellation that was restored (the session is on again): not cancelled.
                SessionCancellation(session_id=late, reason="student-cancelled", is_late=True),
                SessionCancellation(
                    session_id=relented,
                    reason="tutor-cancelled",
                    is_late=True,
                    cancelled_at=at,
                    restored_at=at + timedelta(hours=1),
                ),
                SessionCancellation(
                    session_id=relented,
                    reason="centre-closed",
                    is_late=False,
                    cancelled_at=at + timedelta(hours=2),
                ),
                SessionCancellation(
                    session_id=restored,
                    reason="no-show",
                    is_late=True,
                    cancelled_at=at,
                    restored_at=at + timedelta(hours=1),
                ),
                # Reviews: Ann's by a student and a parent count, her own review does not.
                SessionReview(session_id=reviewed, author_role="student", rating=5),
                SessionReview(session_id=reviewed, author_role="parent", rating=4),
                SessionReview(session_id=reviewed, author_role="tutor", rating=1),
                SessionReview(session_id=late_reviewed, author_role="student", rating=3),
                SessionReview(session_id=bob_reviewed, author_role="student", rating=2),
                SessionReview(session_id=before, author_role="student", rating=1),
            ]
        )
        db.session.commit()
    return ids


def expected(app, sql: str, **params) -> list[tuple]:
    """Rows of an independent query (the test's own SQL) over the range."""
    with app.app_context():
        rows = db.session.execute(sa.text(sql), {"f": FROM, "t": TO, **params}).all()
        db.session.remove()
    return [tuple(row) for row in rows]


#: A session's length in minutes, written differently from the app: end minus start as
#: timestamps, the end moved a day on when it is not after the start.
LENGTH = """CASE WHEN s.duration > 0 THEN s.duration ELSE
  EXTRACT(EPOCH FROM (s.session_date + s.end_time
    + CASE WHEN s.end_time <= s.start_time THEN interval '1 day' ELSE interval '0' END)
    - (s.session_date + s.start_time)) / 60 END"""
BASE = """FROM sessions s JOIN enrolled_courses e ON e.id = s.enrolled_courses_id
  WHERE s.session_date BETWEEN :f AND :t"""
#: The student's attendance of a session that counts (not cancelled, started), else NULL.
ATTENDANCE = """CASE WHEN s.status = 'cancelled' OR
    (s.status <> 'completed' AND s.session_date + s.start_time > :now) THEN NULL
  WHEN s.student_attendance_status IS NULL
    OR NOT EXISTS (SELECT FROM session_attendance a WHERE a.session_id = s.id) THEN 'not taken'
  ELSE s.student_attendance_status END"""
#: Cancelled sessions whose latest cancellation still in force is late.
LATE = """s.status = 'cancelled' AND (
  SELECT c.is_late FROM (SELECT DISTINCT ON (session_id) session_id, is_late
    FROM session_cancellations WHERE restored_at IS NULL
    ORDER BY session_id, cancelled_at DESC, id DESC) c WHERE c.session_id = s.id)"""


def hours(minutes) -> str:
    return f"{float(minutes or 0) / 60:.2f}"


def rate(attended, taken) -> str:
    return "" if not taken else f"{100 * attended / taken:.1f}"


def now_param() -> datetime:
    return datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)


def expected_tutors(app) -> list[list[str]]:
    rows = expected(
        app,
        f"""SELECT u.full_name, count(*),
          count(*) FILTER (WHERE s.status = 'completed'),
          count(*) FILTER (WHERE s.status = 'cancelled'),
          count(*) FILTER (WHERE {LATE}),
          sum({LENGTH}) FILTER (WHERE s.status = 'completed'
                               AND s.tutor_attendance_status IN ('present', 'late')),
          count(*) FILTER (WHERE {ATTENDANCE} = 'present'),
          count(*) FILTER (WHERE {ATTENDANCE} = 'absent'),
          count(*) FILTER (WHERE {ATTENDANCE} = 'late'),
          count(*) FILTER (WHERE {ATTENDANCE} = 'excused'),
          count(*) FILTER (WHERE {ATTENDANCE} = 'not taken')
        {BASE.replace("WHERE", "JOIN users u ON u.id = e.tutor_id WHERE")}
        GROUP BY u.full_name ORDER BY u.full_name""",
        now=now_param(),
    )
    review_join = (
        "JOIN users u ON u.id = e.tutor_id JOIN session_reviews r ON r.session_id = s.id WHERE"
    )
    reviews = {
        name: (f"{average:.2f}", str(count))
        for name, average, count in expected(
            app,
            f"""SELECT u.full_name, avg(r.rating), count(*)
            {BASE.replace("WHERE", review_join)} AND r.author_role IN ('student', 'parent')
            GROUP BY u.full_name""",
        )
    }
    out = []
    for name, n, completed, cancelled, late_cancelled, minutes, *attendance in rows:
        present, absent, late, excused, _not_taken = attendance
        taken = present + absent + late + excused
        out.append(
            [name, str(n), str(completed), str(cancelled), str(late_cancelled), hours(minutes)]
            + [str(v) for v in attendance]
            + [rate(present + late, taken), *reviews.get(name, ("", "0"))]
        )
    return out


def expected_students(app) -> list[list[str]]:
    rows = expected(
        app,
        f"""SELECT u.full_name, count(*),
          sum({LENGTH}) FILTER (WHERE s.status = 'completed'
                               AND s.student_attendance_status IN ('present', 'late')),
          count(*) FILTER (WHERE {ATTENDANCE} IN ('present', 'late')),
          count(*) FILTER (WHERE {ATTENDANCE} IN ('present', 'late', 'absent', 'excused')),
          count(*) FILTER (WHERE {ATTENDANCE} = 'absent'),
          count(*) FILTER (WHERE {LATE})
        {BASE.replace("WHERE", "JOIN users u ON u.id = e.student_id WHERE")}
        GROUP BY u.full_name ORDER BY u.full_name""",
        now=now_param(),
    )
    return [
        [name, str(n), hours(minutes), rate(attended, taken), str(absent), str(late)]
        for name, n, minutes, attended, taken, absent, late in rows
    ]


def expected_courses(app) -> list[list[str]]:
    rows = expected(
        app,
        f"""SELECT c.title, count(DISTINCT e.student_id), count(*),
          sum({LENGTH}) FILTER (WHERE s.status = 'completed'
                               AND s.tutor_attendance_status IN ('present', 'late')),
          count(*) FILTER (WHERE {ATTENDANCE} IN ('present', 'late')),
          count(*) FILTER (WHERE {ATTENDANCE} IN ('present', 'late', 'absent', 'excused'))
        {BASE.replace("WHERE", "JOIN courses c ON c.id = e.course_id WHERE")}
        GROUP BY c.title ORDER BY c.title""",
        now=now_param(),
    )
    return [
        [title, str(students), str(n), hours(minutes), rate(attended, taken)]
        for title, students, n, minutes, attended, taken in rows
    ]


def expected_timesheet(app) -> list[list[str]]:
    rows = expected(
        app,
        f"""SELECT u.full_name, extract(isoyear FROM s.session_date)::int,
               extract(week FROM s.session_date)::int, sum({LENGTH})
        {BASE.replace("WHERE", "JOIN users u ON u.id = e.tutor_id WHERE")}
          AND s.status = 'completed' AND s.tutor_attendance_status IN ('present', 'late')
        GROUP BY 1, 2, 3""",
    )
    tutors = [row[0] for row in expected_tutors(app)]
    minutes = {(name, f"{year}-W{week:02d}"): total for name, year, week, total in rows}
    return [
        [name]
        + [hours(minutes.get((name, week))) for week in WEEKS]
        + [hours(sum(float(m) for (n, _), m in minutes.items() if n == name))]
        for name in tutors
    ]


# --- Reading the page and the files ----------------------------------------------------


class _Tables(HTMLParser):
    """Every ``<table id=…>`` of a page as rows of cell texts (thead, tbody and tfoot)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self._row.append("" if text == "–" else text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(client, url: str) -> dict[str, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    parser = _Tables()
    parser.feed(response.get_data(as_text=True))
    return parser.tables


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


# --- Figures ------------------------------------------------------------------------------


def test_tutor_figures_equal_independent_sql(app, client, auth, centre):
    auth.login("boss@test.example")
    table = page_tables(client, f"/reports?{RANGE}")["table-tutors"]
    header, *body, total = table
    assert total[0] == "All tutors"
    assert header[:6] == [
        "Tutor",
        "Sessions",
        "Completed",
        "Cancelled",
        "Of which late",
        "Hours taught",
    ]
    assert body == expected_tutors(app)
    assert csv_rows(client, f"/reports/tutors.csv?{RANGE}") == table


def test_student_course_and_timesheet_figures_equal_independent_sql(app, client, auth, centre):
    auth.login("boss@test.example")
    tables = page_tables(client, f"/reports?{RANGE}")
    assert tables["table-students"][1:-1] == expected_students(app)
    assert tables["table-courses"][1:-1] == expected_courses(app)
    assert tables["table-timesheet"][0] == ["Tutor", *WEEKS, "Total hours"]
    assert tables["table-timesheet"][1:] == expected_timesheet(app)
    for name in ("students", "courses", "timesheet"):
        assert csv_rows(client, f"/reports/{name}.csv?{RANGE}") == tables[f"table-{name}"], name


def test_figures_counted_by_hand(client, auth, centre):
    auth.login("boss@test.example")
    tables = page_tables(client, f"/reports?{RANGE}")
    tutors = {row[0]: row for row in tables["table-tutors"][1:]}
    # Ann: 60 (2 March) + 60 + 45 + 90 (past midnight) + 60 (absent student, still taught)
    #      + 60 (excused) + 150 (no duration, 22:00–00:30) + 60 (status not taken) = 585 min.
    assert tutors["Ann Tutor"][1:6] == ["12", "9", "1", "1", "9.75"]
    # present, absent, late, excused, not taken; rate = (5 present + 1 late) / 8 taken.
    # 19 and 20 March (never marked) and 21 March (no status) are "not taken".
    assert tutors["Ann Tutor"][6:] == ["5", "1", "1", "1", "3", "75.0", "4.00", "3"]
    # Bob: 25 March's current cancellation is in time; 27 March was restored (scheduled).
    assert tutors["Bob Tutor"][1:6] == ["5", "3", "1", "0", "3.50"]
    assert tutors["Bob Tutor"][-2:] == ["2.00", "1"]
    assert tutors["All tutors"][1:6] == ["17", "12", "2", "1", "13.25"]
    assert tutors["All tutors"][-2:] == ["3.50", "4"]
    students = {row[0]: row[1:] for row in tables["table-students"][1:]}
    assert students["Sam Student"] == ["9", "7.25", "87.5", "1", "1"]
    timesheet = {row[0]: row[1:] for row in tables["table-timesheet"][1:]}
    assert timesheet["Ann Tutor"] == ["1.00", "1.75", "2.50", "4.50", "0.00", "0.00", "9.75"]
    assert timesheet["Bob Tutor"] == ["0.00", "0.00", "0.00", "0.00", "2.50", "1.00", "3.50"]
    courses = {row[0]: row[1:] for row in tables["table-courses"][1:]}
    assert courses["Maths"][:2] == ["2", "10"]  # students Sam and Lee; 7 + 3 sessions
    assert courses["Physics"][:2] == ["2", "7"]  # Kim and Sam; 5 + 2


def test_a_session_not_started_has_no_attendance_yet(app, client, auth, build):
    build.user(ROLE_COORDINATOR, "boss@test.example")
    tutor = build.user(ROLE_TUTOR, "t@test.example", "Tia")
    student = build.user(ROLE_STUDENT, "s@test.example", "Sol")
    enrolment = build.enrolment(tutor, student)
    today = now_param().date()
    taken = build.session(enrolment, today - timedelta(days=1), time(9))
    build.session(enrolment, today - timedelta(days=2), time(9))  # never marked
    build.session(enrolment, today + timedelta(days=1), time(9))  # not started: not counted
    with app.app_context():
        db.session.execute(
            sa.text("INSERT INTO session_attendance (session_id) VALUES (:id)"), {"id": taken}
        )
        db.session.commit()
    auth.login("boss@test.example")
    url = f"/reports?from={today - timedelta(days=3)}&to={today + timedelta(days=3)}"
    row = page_tables(client, url)["table-tutors"][1]
    assert row[1] == "3"
    assert row[6:12] == ["1", "0", "0", "0", "1", "100.0"]


def test_filters_narrow_every_table(app, client, auth, centre):
    auth.login("boss@test.example")
    tables = page_tables(client, f"/reports?{RANGE}&student={centre['sam']}")
    assert [row[0] for row in tables["table-tutors"][1:-1]] == ["Ann Tutor", "Bob Tutor"]
    assert [row[0] for row in tables["table-students"][1:-1]] == ["Sam Student"]
    tables = page_tables(client, f"/reports?{RANGE}&tutor={centre['bob']}&course=2")
    assert [row[:2] for row in tables["table-tutors"][1:-1]] == [["Bob Tutor", "2"]]  # 26, 27


def test_default_range_is_the_last_full_month(client, auth, centre):
    auth.login("boss@test.example")
    first, last = last_full_month(now_param().date())
    page = client.get("/reports").get_data(as_text=True)
    assert f'name="from" value="{first.isoformat()}"' in page
    assert f'name="to" value="{last.isoformat()}"' in page
    assert last_full_month(date(2025, 1, 15)) == (date(2024, 12, 1), date(2024, 12, 31))
    assert last_full_month(date(2024, 3, 1)) == (date(2024, 2, 1), date(2024, 2, 29))


def test_htmx_gets_the_report_block_alone(client, auth, centre):
    auth.login("boss@test.example")
    response = client.get(f"/reports?{RANGE}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="report"')
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-02-30",
        "from=yesterday",
        "from=2025-03-31&to=2025-03-01",
        "from=2024-01-01&to=2025-03-01",
        "tutor=abc",
        "tutor=99999999999",
        "student=0",
        "course=%00",
        "from=2025-03-01%00",
        "stack=pie",
    ],
)
def test_bad_input_is_a_clear_400(client, auth, centre, query):
    auth.login("boss@test.example")
    page = client.get(f"/reports?{query}")
    assert page.status_code == 400
    # A NUL is refused up front by the input guard (its own message); the rest by the report.
    expected = "(NUL)" if "%00" in query else "could not be made"
    assert expected in page.get_data(as_text=True)
    for suffix in ("tutors.csv", "sessions.csv", "hours.svg"):
        assert client.get(f"/reports/{suffix}?{query}").status_code == 400, suffix


# --- Access ---------------------------------------------------------------------------


def test_a_tutor_sees_only_their_own_figures(client, auth, centre):
    auth.login("ann@test.example")
    tables = page_tables(client, f"/reports?{RANGE}")
    assert [row[0] for row in tables["table-tutors"][1:-1]] == ["Ann Tutor"]
    assert [row[0] for row in tables["table-students"][1:-1]] == ["Kim Student", "Sam Student"]
    assert page_tables(client, f"/reports?{RANGE}&tutor={centre['ann']}") == tables
    header, *rows = csv_rows(client, f"/reports/sessions.csv?{RANGE}")
    assert {row[header.index("tutor_name")] for row in rows} == {"Ann Tutor"}
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    assert 'name="tutor"' not in page and "Bob" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/reports",
        "/reports/tutors.csv",
        "/reports/students.csv",
        "/reports/courses.csv",
        "/reports/timesheet.csv",
        "/reports/sessions.csv",
        "/reports/hours.svg",
        "/reports/attendance.svg",
    ],
)
def test_a_tutor_asking_for_another_tutor_is_refused(client, auth, centre, path):
    auth.login("ann@test.example")
    assert client.get(f"{path}?{RANGE}&tutor={centre['bob']}").status_code == 403
    auth.login("sam@test.example")
    assert client.get(f"{path}?{RANGE}").status_code == 403
    auth.login("parent@test.example")
    assert client.get(f"{path}?{RANGE}").status_code == 403


# --- CSV ------------------------------------------------------------------------------------


def test_sessions_csv_has_the_seed_columns_and_the_names(app, client, auth, centre):
    auth.login("boss@test.example")
    header, *rows = csv_rows(client, f"/reports/sessions.csv?{RANGE}")
    with app.app_context():
        columns = [
            c["name"] for c in sa.inspect(db.engine).get_columns("sessions")
        ]  # the table as migrated
    assert header == columns + list(NAME_COLUMNS) + list(RECORD_COLUMNS)
    assert tuple(header[: len(SESSION_COLUMNS)]) == SESSION_COLUMNS
    want = expected(
        app,
        f"""SELECT s.id::text, c.title, t.full_name, st.full_name, s.topics::text,
                   s.is_featured::text, s.session_date::text
        {
            BASE.replace(
                "WHERE",
                '''JOIN courses c ON c.id = e.course_id
          JOIN users t ON t.id = e.tutor_id JOIN users st ON st.id = e.student_id WHERE''',
            )
        }
        ORDER BY s.session_date, s.start_time, s.id""",
    )
    index = {name: header.index(name) for name in header}
    got = [
        tuple(
            row[index[name]]
            for name in (
                "id",
                "course_title",
                "tutor_name",
                "student_name",
                "topics",
                "is_featured",
                "session_date",
            )
        )
        for row in rows
    ]
    assert got == [tuple("" if v is None else v for v in row) for row in want]
    assert len(rows) == 17


def test_sessions_csv_gives_each_cancelled_sessions_current_reason(client, auth, centre):
    """The reason in force (not a restored one), in words; empty for sessions not cancelled."""
    auth.login("boss@test.example")
    header, *rows = csv_rows(client, f"/reports/sessions.csv?{RANGE}")
    day, status, reason = (header.index(n) for n in ("session_date", "status", *RECORD_COLUMNS))
    assert {row[day]: row[reason] for row in rows if row[status] == "cancelled"} == {
        "2025-03-13": "Student cancelled",
        "2025-03-25": "Centre closed",  # cancelled, restored, cancelled again: the latest
    }
    # 27 March's cancellation was restored: the session is on, with no reason.
    assert {row[reason] for row in rows if row[status] != "cancelled"} == {""}


def test_sessions_csv_reason_has_the_free_text_of_other(app, client, auth, build):
    build.user(ROLE_COORDINATOR, "boss@test.example")
    course = build.enrolment(build.user(ROLE_TUTOR), build.user(ROLE_STUDENT))
    other = build.session(course, FROM, time(9), status="cancelled")
    unrecorded = build.session(course, FROM, time(11), status="cancelled")  # no reason kept
    with app.app_context():
        db.session.add(
            SessionCancellation(
                session_id=other, reason="other", reason_text="=flooded, road closed", is_late=False
            )
        )
        db.session.commit()
    auth.login("boss@test.example")
    header, *rows = csv_rows(client, f"/reports/sessions.csv?{RANGE}")
    reasons = {int(row[0]): row[header.index("cancellation_reason")] for row in rows}
    assert reasons == {other: "Other: =flooded, road closed", unrecorded: ""}


def test_formula_like_names_are_neutralised(app, client, auth, build):
    build.user(ROLE_COORDINATOR, "boss@test.example")
    tutor = build.user(ROLE_TUTOR, "t@test.example", "@SUM(A1:A9)")
    names = ['=HYPERLINK("http://x")', "+1 Student", "-2 Student", "\tTabbed", "Plain"]
    for name in names:
        student = build.user(ROLE_STUDENT, name=name)
        build.session(build.enrolment(tutor, student, "=cmd|' /C calc'!A0"), FROM, time(9))
    auth.login("boss@test.example")
    students = csv_rows(client, f"/reports/students.csv?{RANGE}")
    assert sorted(row[0] for row in students[1:-1]) == sorted(
        ["'" + n if n[0] in "=+-\t" else n for n in names]
    )
    tutors = csv_rows(client, f"/reports/tutors.csv?{RANGE}")
    assert tutors[1][0] == "'@SUM(A1:A9)"
    header, *sessions = csv_rows(client, f"/reports/sessions.csv?{RANGE}")
    for row in sessions:
        assert row[header.index("course_title")] == "'=cmd|' /C calc'!A0"
        assert row[header.index("tutor_name")] == "'@SUM(A1:A9)"
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in row)
    # The page itself shows the names as they are (escaped HTML, no quote added).
    assert "=HYPERLINK(&#34;http://x&#34;)" in client.get(f"/reports?{RANGE}").get_data(
        as_text=True
    )


def test_csv_files_are_utf8_with_bom_and_a_header(client, auth, centre):
    auth.login("boss@test.example")
    for name in ("tutors", "students", "courses", "timesheet", "sessions"):
        response = client.get(f"/reports/{name}.csv?{RANGE}")
        data = response.get_data()
        assert data.startswith("\ufeff".encode()), name
        assert b"\n" in data and b"\r\n" not in data
        assert f"{name}-2025-03-01-to-2025-03-31.csv" in response.headers["Content-Disposition"]


# --- Charts -----------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def chart(client, url: str) -> tuple[ET.Element, object]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    return ET.fromstring(response.get_data(as_text=True)), response


def bar_values(root: ET.Element) -> dict[str, list[str]]:
    """Series name → the value of each bar or point, from pygal's ``<desc class="value">``."""
    legends = [
        group.find(f"{SVG}text").text
        for group in root.iter(f"{SVG}g")
        if "legend" in (group.get("class") or "").split()
    ]
    values: dict[str, list[str]] = {}
    for serie in root.iter(f"{SVG}g"):
        match = re.fullmatch(r"series serie-(\d+) color-\d+", serie.get("class") or "")
        if not match:
            continue
        descs = [d.text for d in serie.iter(f"{SVG}desc") if d.get("class") == "value"]
        if descs:
            values[int(match.group(1))] = descs
    return {legends[i] if i < len(legends) else str(i): v for i, v in values.items()}


def test_hours_chart_is_accessible_svg_with_the_timesheet_numbers(client, auth, centre):
    auth.login("boss@test.example")
    root, response = chart(client, f"/reports/hours.svg?{RANGE}")
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Hours taught per week by tutor"
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    assert {element.get("id") for element in root.iter() if element.get("id")} >= set(labelled)
    assert root.find(f"{SVG}desc") is not None
    assert not list(root.iter(f"{SVG}script"))
    assert not [element for element in root.iter() if element.get("style") is not None]
    # Each bar is the timesheet's cell (pygal leaves out zero bars' labels: print_zeroes).
    timesheet = {
        row[0]: row[1:-1] for row in page_tables(client, f"/reports?{RANGE}")["table-timesheet"][1:]
    }
    drawn = bar_values(root)
    assert set(drawn) == set(timesheet)
    for name, cells in timesheet.items():
        assert drawn[name] == cells, name
    # The response allows exactly its own <style>, by hash, and nothing else.
    style = root.find(f"{SVG}defs/{SVG}style").text
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert response.headers["Content-Security-Policy"].startswith(
        f"default-src 'none'; style-src 'sha256-{digest}'"
    )


def test_hours_chart_by_course_and_attendance_chart(client, auth, centre):
    auth.login("boss@test.example")
    root, _ = chart(client, f"/reports/hours.svg?{RANGE}&stack=course")
    tables = page_tables(client, f"/reports?{RANGE}&stack=course")
    by_course = {row[0]: row[1:-1] for row in tables["table-course-weeks"][1:]}
    assert bar_values(root) == by_course
    root, _ = chart(client, f"/reports/attendance.svg?{RANGE}")
    assert root.find(f"{SVG}title").text == "Attendance rate per week (%)"
    weeks = {row[0]: row[3] for row in tables["table-weeks"][1:]}
    (points,) = bar_values(root).values()
    assert points == [weeks[week] for week in WEEKS if weeks[week]]


def test_the_page_shows_charts_as_images_with_text(client, auth, centre):
    auth.login("boss@test.example")
    page = client.get(f"/reports?{RANGE}").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)"[^>]*alt="([^"]+)"', page)
    assert [src.split("?")[0] for src, _ in images] == [
        "/reports/hours.svg",
        "/reports/attendance.svg",
    ]
    assert all(alt for _, alt in images)
    assert "<svg" not in page and "<script>" not in page
