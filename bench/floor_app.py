"""The floor: the least a Flask app can do to answer the benchmark's requests.

Same routes, same SQL result (sessions joined with course, tutor, student and
whiteboard, via the same indexes), rendered by a trivial Jinja template, with
a psycopg connection pool and nothing else: no ORM, no sign-in, no CSRF, no
permissions, no time zones. The dashboard's throughput is reported as a ratio
of this one's, measured in the same run on the same data.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from flask import Flask, request
from jinja2 import Template
from psycopg_pool import ConnectionPool

app = Flask(__name__)
pool = (
    ConnectionPool(os.environ["FLOOR_DATABASE_URL"], min_size=1, max_size=4, open=True)
    if "FLOOR_DATABASE_URL" in os.environ
    else None  # imported by bench/explain_pages.py for its SQL only
)

SELECT = """
SELECT s.id, s.session_date, s.start_time, s.end_time, s.status, s.priority_level,
       s.tutor_attendance_status, s.student_attendance_status, s.is_featured, s.session_mode,
       s.location, s.updated_at, c.title, t.full_name, st.full_name, w.session_name, w.board_url
FROM sessions s
JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
JOIN courses c ON c.id = ec.course_id
JOIN users t ON t.id = ec.tutor_id
JOIN users st ON st.id = ec.student_id
LEFT JOIN whiteboard_sessions w ON w.id = s.whiteboard_id
"""

PAGE = Template(
    "<!doctype html><html><body><table>{% for r in rows %}<tr>"
    "{% for cell in r %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table></body></html>"
)


def rows(sql: str, params: tuple) -> list[tuple]:
    with pool.connection() as conn:
        return conn.execute(sql, params).fetchall()


def window(view: str, day: date) -> tuple[date, date]:
    if view == "week":
        start = day - timedelta(days=day.weekday())
        return start - timedelta(days=1), start + timedelta(days=8)
    first = day.replace(day=1)
    start = first - timedelta(days=first.weekday() + 1)
    return start, start + timedelta(days=44)


#: The enrolments of a tutor or student first (indexed), then their sessions through
#: idx_sessions_enrolled_courses: the dashboard's query shape (DESIGN.md, bench/README.md).
OF_TUTOR = (
    "s.enrolled_courses_id = ANY(ARRAY(SELECT id FROM enrolled_courses WHERE tutor_id = %s)) "
)
OF_STUDENT = (
    "s.enrolled_courses_id = ANY(ARRAY(SELECT id FROM enrolled_courses WHERE student_id = %s)) "
)
#: The dashboard's coordinator count stops this many rows past the page (its COUNT_CAP).
COUNT_CAP = 1000


def calendar_sql(tutor_id: int, view: str, day: date) -> tuple[str, tuple]:
    start, end = window(view, day)
    sql = SELECT + (
        "WHERE " + OF_TUTOR + "AND s.session_date BETWEEN %s AND %s "
        "ORDER BY s.session_date, s.start_time, s.id"
    )
    return sql, (tutor_id, start, end)


def upcoming_sql(student_id: int) -> tuple[str, tuple]:
    sql = SELECT + (
        "WHERE " + OF_STUDENT + "AND s.session_date >= %s "
        "ORDER BY s.session_date, s.start_time, s.id LIMIT 51"
    )
    return sql, (student_id, date.today() - timedelta(days=1))


def coordinator_sql(status: str, priority: str) -> list[tuple[str, tuple]]:
    # The dashboard's default window: a week back to four weeks ahead; page 1.
    start, end = date.today() - timedelta(days=7), date.today() + timedelta(days=28)
    where = "WHERE s.status = %s AND s.priority_level = %s AND s.session_date BETWEEN %s AND %s "
    params = (status, priority, start, end)
    return [
        (SELECT + where + "ORDER BY s.session_date, s.start_time, s.id LIMIT 25", params),
        (f"SELECT count(*) FROM (SELECT 1 FROM sessions s {where}LIMIT {COUNT_CAP + 1}) c", params),
    ]


@app.get("/tutors/<int:tutor_id>/calendar")
def calendar(tutor_id: int) -> str:
    day = date.fromisoformat(request.args.get("date", date.today().isoformat()))
    return PAGE.render(rows=rows(*calendar_sql(tutor_id, request.args.get("view", "month"), day)))


@app.get("/calendar")
def centre_calendar() -> str:
    """Every tutor's week, capped like the dashboard's centre calendar (CENTRE_LIMIT + 1)."""
    day = date.fromisoformat(request.args.get("date", date.today().isoformat()))
    start, end = window(request.args.get("view", "week"), day)
    sql = SELECT + (
        "WHERE s.session_date BETWEEN %s AND %s ORDER BY s.session_date, s.start_time, s.id "
        "LIMIT 1501"
    )
    return PAGE.render(rows=rows(sql, (start, end)))


@app.get("/sessions/<int:session_id>/card")
def card(session_id: int) -> str:
    return PAGE.render(rows=rows(SELECT + "WHERE s.id = %s", (session_id,)))


@app.get("/students/<int:student_id>/upcoming")
def upcoming(student_id: int) -> str:
    return PAGE.render(rows=rows(*upcoming_sql(student_id)))


@app.get("/coordinator/sessions")
def coordinator() -> str:
    status = request.args.get("status", "scheduled")
    priority = request.args.get("priority", "medium")
    (page, page_params), (count, count_params) = coordinator_sql(status, priority)
    return PAGE.render(rows=[*rows(page, page_params), *rows(count, count_params)])


#: The report's floor: a month's sessions by idx_sessions_date, summed per tutor and per
#: student (the dashboard's report sums more, in one GROUPING SETS query).
REPORT = """
SELECT 'tutor', ec.tutor_id, count(*), count(*) FILTER (WHERE s.status = 'completed'),
       count(*) FILTER (WHERE s.status = 'cancelled'),
       sum(s.duration) FILTER (WHERE s.status = 'completed'
                               AND s.tutor_attendance_status IN ('present', 'late')),
       count(*) FILTER (WHERE s.student_attendance_status = 'absent')
FROM sessions s JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
WHERE s.session_date BETWEEN %s AND %s GROUP BY ec.tutor_id
UNION ALL
SELECT 'student', ec.student_id, count(*), count(*) FILTER (WHERE s.status = 'completed'),
       count(*) FILTER (WHERE s.status = 'cancelled'),
       sum(s.duration) FILTER (WHERE s.status = 'completed'
                               AND s.student_attendance_status IN ('present', 'late')),
       count(*) FILTER (WHERE s.student_attendance_status = 'absent')
FROM sessions s JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
WHERE s.session_date BETWEEN %s AND %s GROUP BY ec.student_id
"""


def last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


@app.get("/reports")
def reports() -> str:
    first, last = last_month(date.today())
    return PAGE.render(rows=rows(REPORT, (first, last, first, last)))


@app.post("/sessions/<int:session_id>/attendance")
def attendance(session_id: int) -> tuple[str, int]:
    value = request.form.get("tutor_attendance_status", "present")
    version = request.form.get("version", "")
    with pool.connection() as conn:
        changed = conn.execute(
            "UPDATE sessions SET tutor_attendance_status = %s, updated_at = clock_timestamp() "
            "WHERE id = %s AND updated_at = %s::timestamp RETURNING id",
            (value, session_id, version or None),
        ).fetchone()
        found = conn.execute(SELECT + "WHERE s.id = %s", (session_id,)).fetchall()
    # The session's current version, for the next write (as the dashboard's card has it).
    version = (
        f'<form action="/sessions/{session_id}/attendance"><input type="hidden" name="version" '
        f'value="{found[0][11].isoformat()}"></form>'
    )
    return PAGE.render(rows=found) + version, 200 if changed else 409
