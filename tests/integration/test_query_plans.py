"""Every SQL statement a page runs uses indexes on ``sessions``, never a sequential scan.

A 100,000-session dataset is generated with ``seed-bulk``; each page is
requested as the coordinator (who may see everything), every statement the
request ran is captured with its parameters, and PostgreSQL's plan for it is
checked. The spec fixes the five ``sessions`` indexes, so pages must be shaped
to use ``idx_sessions_enrolled_courses`` and ``idx_sessions_date``.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from dashboard import create_app
from dashboard.database import libpq_url
from dashboard.extensions import db
from dashboard.services.bulk_data import seed_bulk
from tests.builders import record_queries
from tests.conftest import AuthActions, app_config

TODAY = date.today().isoformat()


@pytest.fixture(scope="module")
def big_app(make_database):
    """An app on a migrated database holding 100,000 generated sessions."""
    from flask_migrate import upgrade

    url = make_database("plans")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
    seed_bulk(libpq_url(url), sessions=100_000, tutors=100, students=2_000, seed=5)
    yield app
    with app.app_context():
        db.engine.dispose()


def page_urls(app) -> list[str]:
    with app.app_context():
        one = lambda sql: db.session.execute(sa.text(sql)).scalar_one()  # noqa: E731
        tutor = one("SELECT min(id) FROM users WHERE role = 'tutor'")
        student = one("SELECT min(id) FROM users WHERE role = 'student'")
        parent = one("SELECT min(parent_id) FROM parent_students")
        session = one("SELECT max(id) FROM sessions")
    calendar = f"/tutors/{tutor}/calendar"
    return [
        f"{calendar}?view=month&date={TODAY}",
        f"{calendar}?view=week&date={TODAY}",
        f"{calendar}?view=day&date={TODAY}",
        f"{calendar}?view=agenda&date={TODAY}",
        f"/students/{student}/upcoming",
        f"/students/{student}/upcoming?tab=past",
        f"/parents/{parent}/upcoming",
        "/coordinator/sessions",
        "/coordinator/sessions?status=scheduled&priority=high",
        f"/coordinator/sessions?tutor={tutor}",
        f"/coordinator/sessions?student={student}",
        "/coordinator/sessions?featured=yes",
        "/coordinator/sessions?q=Algebra",
        f"/sessions/{session}",
        *REPORT_URLS,
        f"/reports?tutor={tutor}",
        f"/reports?student={student}",
    ]


#: The report of last month for the whole centre, its files and charts (idx_sessions_date).
REPORT_URLS = [
    "/reports",
    "/reports/timesheet.csv",
    "/reports/sessions.csv",
    "/reports/hours.svg?stack=course",
]


def captured_statements(app, url: str) -> list[tuple[str, object]]:
    """Statements (with parameters) run while serving ``url`` as the coordinator."""
    client = app.test_client()
    AuthActions(client).login("coordinator@bulk.example")
    with record_queries(app) as recorded:
        response = client.get(url)
        response.get_data()  # a streamed body runs its query while it is read
    assert response.status_code == 200, (url, response.status_code)
    return [(statement.sql, statement.parameters) for statement in recorded]


def test_no_page_query_scans_the_sessions_table(big_app):
    offenders = []
    checked = 0
    for url in page_urls(big_app):
        for statement, parameters in captured_statements(big_app, url):
            if not re.search(
                r"\bsessions\b", statement
            ) or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with big_app.app_context():
                cursor = db.session.connection().connection.cursor()
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                db.session.rollback()
            checked += 1
            if re.search(r"Seq Scan on sessions\b", plan):
                offenders.append(f"{url}\n{statement}\n{plan}")
    assert checked > 0
    assert offenders == [], "\n\n".join(offenders)


def test_reports_read_the_range_through_idx_sessions_date(big_app):
    """The centre's month reads its sessions by a range scan of ``idx_sessions_date``.

    ``sessions.csv`` runs as ``COPY (SELECT …)`` on the driver connection, out
    of sight of the statement listener: its SELECT is explained directly.
    """
    from dashboard.services.reports.csv_files import sessions_statement
    from dashboard.services.reports.query import ReportQuery, last_full_month

    checked = []
    for url in REPORT_URLS:
        for statement, parameters in captured_statements(big_app, url):
            if "session_date >=" in statement:
                checked.append((url, statement, parameters))
    with big_app.app_context():
        export = sessions_statement(ReportQuery(*last_full_month(date.today())))
        compiled = export.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        checked.append(("/reports/sessions.csv", str(compiled), None))
    assert {url for url, _, _ in checked} == set(REPORT_URLS)
    for url, statement, parameters in checked:
        with big_app.app_context():
            cursor = db.session.connection().connection.cursor()
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            db.session.rollback()
        assert "idx_sessions_date" in plan, f"{url}\n{plan}"
