"""``GET /reports`` (page), ``/reports/<table>.csv``, ``/reports/sessions.csv``, ``/reports/*.svg``.

Every route reads the same query string (``from``, ``to``, ``tutor``,
``student``, ``course``; ``stack`` for the hours chart) and asks the same
permission: coordinators see the centre, a tutor their own figures (their
reports are narrowed to themselves; asking for another tutor's is 403),
students and parents none.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, request, stream_with_context
from flask_login import current_user, login_required

from dashboard.access import require
from dashboard.blueprints.reports import bp
from dashboard.extensions import db
from dashboard.permissions import may_see_report, may_see_reports, reports_confined_to
from dashboard.rendering import is_htmx, render_page
from dashboard.services.reports.charts import Chart, attendance_chart, hours_chart
from dashboard.services.reports.csv_files import stream_sessions_csv, table_csv
from dashboard.services.reports.figures import build_report, filter_choices
from dashboard.services.reports.query import STACK_CHOICES, ReportQuery, parse_report_query
from dashboard.services.reports.tables import (
    TABLE_BUILDERS,
    course_table,
    course_week_table,
    hours_text,
    rate_text,
    student_table,
    timesheet_table,
    tutor_table,
    week_table,
)
from dashboard.timezones import schedule_zone

#: Rows a table shows on the page; the CSV file always has them all.
ROWS_SHOWN = 500


def _centre_now() -> datetime:
    """The centre's wall-clock time: what stored session times are compared with."""
    return datetime.now(schedule_zone()).replace(tzinfo=None)


def _parse() -> tuple[ReportQuery, list[str]]:
    """The report asked for, narrowed to what ``current_user`` may see (403 otherwise)."""
    require(may_see_reports(current_user), "Reports are for coordinators and tutors.")
    query, errors = parse_report_query(request.args, _centre_now().date())
    query = query.narrowed_to_tutor(
        reports_confined_to(current_user) if query.tutor is None else None
    )
    require(may_see_report(current_user, query.tutor), "You may only see your own reports.")
    return query, errors


def _valid_query() -> ReportQuery:
    """``_parse`` for the files: any invalid value is a 400 with the reason."""
    query, errors = _parse()
    if errors:
        abort(400, description=" ".join(errors))
    return query


def _download(body: object, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_stem(name: str, query: ReportQuery) -> str:
    return f"{name}-{query.date_from.isoformat()}-to-{query.date_to.isoformat()}"


@bp.get("/reports")
@login_required
def index() -> Response:
    """The report: tables per tutor, student, course and week, the timesheet, two charts."""
    query, errors = _parse()
    report = None if errors else build_report(query, _centre_now())
    tables = {}
    if report is not None:
        tables = {
            "tutors": tutor_table(report),
            "students": student_table(report),
            "courses": course_table(report),
            "timesheet": timesheet_table(report),
            "weeks": week_table(report),
            "course_weeks": course_week_table(report),
        }
    response = render_page(
        "reports/index.html",
        "report",
        status=400 if errors else 200,
        query=query,
        errors=errors,
        report=report,
        tables=tables,
        # The filter form is outside the "report" block: only a whole page draws it.
        options=None if is_htmx() else filter_choices(reports_confined_to(current_user)),
        confined=reports_confined_to(current_user) is not None,
        stacks=STACK_CHOICES,
        rows_shown=ROWS_SHOWN,
        hours_text=hours_text,
        rate_text=rate_text,
    )
    if errors:
        response.headers["X-Swap-Error"] = "true"  # htmx swaps this 400 (htmx-config.js)
    return response


def _table_file(table: str) -> Response:
    """One of the page's tables as CSV, every row (the page may show only the first)."""
    query = _valid_query()
    report = build_report(query, _centre_now())
    return _download(table_csv(TABLE_BUILDERS[table](report)), f"{_file_stem(table, query)}.csv")


@bp.get("/reports/tutors.csv")
@login_required
def tutors_csv() -> Response:
    """The per-tutor table as CSV."""
    return _table_file("tutors")


@bp.get("/reports/students.csv")
@login_required
def students_csv() -> Response:
    """The per-student table as CSV."""
    return _table_file("students")


@bp.get("/reports/courses.csv")
@login_required
def courses_csv() -> Response:
    """The per-course table as CSV."""
    return _table_file("courses")


@bp.get("/reports/timesheet.csv")
@login_required
def timesheet_csv() -> Response:
    """The timesheet (hours per tutor per ISO week) as CSV, for payroll."""
    return _table_file("timesheet")


@bp.get("/reports/sessions.csv")
@login_required
def sessions_file() -> Response:
    """Every session of the report, streamed: the seed's columns plus the three names."""
    query = _valid_query()
    # The response outlives this function (stream_with_context keeps the request), so
    # end the read transaction of the sign-in check now: the stream opens its own when
    # it is read, and a client that never reads holds no locks.
    db.session.rollback()
    body = stream_with_context(stream_sessions_csv(query))
    return _download(body, f"{_file_stem('sessions', query)}.csv")


def _svg(chart: Chart) -> Response:
    response = Response(chart.svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = chart.content_security_policy
    return response


@bp.get("/reports/hours.svg")
@login_required
def hours_svg() -> Response:
    """Hours taught per ISO week, stacked by tutor (``stack=course``: by course)."""
    query = _valid_query()
    return _svg(hours_chart(build_report(query, _centre_now()), query.stack))


@bp.get("/reports/attendance.svg")
@login_required
def attendance_svg() -> Response:
    """Student attendance rate per ISO week."""
    query = _valid_query()
    return _svg(attendance_chart(build_report(query, _centre_now())))
