"""Every SQL statement each page runs, with its EXPLAIN (ANALYZE, BUFFERS) plan and timings.

Usage (after ``make setup``; the dataset is the benchmark's, made on first use)::

    .venv/bin/python bench/explain_pages.py                 # 1,000,000 sessions
    .venv/bin/python bench/explain_pages.py --sessions 10000 --only coordinator
    .venv/bin/python bench/explain_pages.py --brief         # timings and scan kinds only

Each page is requested in-process (Flask test client, signed in through the
real form) once to warm up and then ``--repeat`` times; the median wall time
of the whole request is printed, then every statement it sent (captured with a
``before_cursor_execute`` listener, with its parameters) and PostgreSQL's plan
for it. Writes are explained inside a transaction that is rolled back. A
``Seq Scan on sessions`` is flagged: pages must use the indexes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def page_list(conn, today: str) -> list[tuple[str, str, str, dict | None]]:
    """(label, signed-in email, url, POST data or None) for every page worth explaining."""
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    tutor = one("SELECT min(id) FROM users WHERE role = 'tutor'")
    tutor_email = one(f"SELECT email FROM users WHERE id = {tutor}")
    student = one("SELECT min(id) FROM users WHERE role = 'student'")
    student_email = one(f"SELECT email FROM users WHERE id = {student}")
    parent = one("SELECT min(parent_id) FROM parent_students")
    session = one("SELECT max(id) FROM sessions")
    # Attendance is taken once a session has started: a session of last week.
    started = one(
        "SELECT max(id) FROM sessions WHERE session_date BETWEEN current_date - 7 "
        "AND current_date - 1 AND status <> 'cancelled'"
    )
    boss = "coordinator@bulk.example"
    day = date.fromisoformat(today)
    year_ago = (day - timedelta(days=365)).isoformat()
    cal = f"/tutors/{tutor}/calendar"
    return [
        ("tutor month", boss, f"{cal}?view=month&date={today}", None),
        ("tutor month (own)", tutor_email, f"{cal}?view=month&date={today}", None),
        ("tutor week", boss, f"{cal}?view=week&date={today}", None),
        ("tutor day", boss, f"{cal}?view=day&date={today}", None),
        ("tutor agenda", boss, f"{cal}?view=agenda&date={today}", None),
        ("centre week", boss, f"/calendar?view=week&date={today}", None),
        ("centre month", boss, f"/calendar?view=month&date={today}", None),
        ("centre week (one tutor)", boss, f"/calendar?view=week&date={today}&tutor={tutor}", None),
        ("session card", boss, f"/sessions/{session}/card", None),
        ("session card (tutor)", tutor_email, f"/sessions/{started}/card", None),
        ("student upcoming", boss, f"/students/{student}/upcoming", None),
        ("student upcoming (own)", student_email, f"/students/{student}/upcoming", None),
        ("student past", boss, f"/students/{student}/upcoming?tab=past", None),
        ("parent upcoming", boss, f"/parents/{parent}/upcoming", None),
        ("coordinator list", boss, "/coordinator/sessions", None),
        ("coordinator scheduled+high", boss,
         "/coordinator/sessions?status=scheduled&priority=high", None),
        ("coordinator by tutor", boss, f"/coordinator/sessions?tutor={tutor}", None),
        ("coordinator by student", boss, f"/coordinator/sessions?student={student}", None),
        ("coordinator featured", boss, "/coordinator/sessions?featured=yes", None),
        ("coordinator text", boss, "/coordinator/sessions?q=Algebra", None),
        ("coordinator sort tutor p3", boss,
         "/coordinator/sessions?sort=tutor&dir=desc&page=3", None),
        ("session detail", boss, f"/sessions/{session}", None),
        ("report month", boss, "/reports", None),
        ("report month (tutor)", tutor_email, "/reports", None),
        ("report timesheet.csv", boss, "/reports/timesheet.csv", None),
        ("report hours.svg", boss, "/reports/hours.svg?stack=course", None),
        ("report sessions.csv year", boss,
         f"/reports/sessions.csv?from={year_ago}&to={today}", None),
        ("attendance POST", boss, f"/sessions/{started}/attendance",
         {"tutor_attendance_status": "present"}),
    ]  # fmt: skip


def capture(engine, call) -> tuple[list[tuple[str, object, float]], object]:
    """Run ``call()``; return the (statement, parameters, ms) it sent and what it returned."""
    import sqlalchemy as sa

    captured: list[tuple[str, object, float]] = []
    starts: dict[int, float] = {}

    def before(_conn, cursor, _statement, _parameters, _context, _many):
        starts[id(cursor)] = time.perf_counter()

    def after(_conn, cursor, statement, parameters, _context, _many):
        elapsed = (time.perf_counter() - starts.pop(id(cursor), time.perf_counter())) * 1000
        captured.append((statement, parameters, elapsed))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        result = call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    return captured, result


def profile_page(label: str, call, times: int) -> None:
    """Run ``call`` ``times`` times under cProfile; print where the time went per request."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(times):
        call()
    profiler.disable()
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    per_request = (time.perf_counter() - started) * 1000 / times
    print(f"\n=== {label}: {per_request:.2f} ms per request under the profiler", flush=True)
    stats = pstats.Stats(profiler)
    by_area: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_area[_area(filename)] = by_area.get(_area(filename), 0.0) + tottime
    total = sum(by_area.values())
    for area, seconds in sorted(by_area.items(), key=lambda item: -item[1]):
        print(f"{area:>20} {seconds * 1000 / times:6.2f} ms  {seconds / total:4.0%}")
    stats.strip_dirs().sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def _area(filename: str) -> str:
    """Which library (or our package, or a template) a profiled function lives in."""
    if filename.endswith(".html"):
        return "templates"
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if "/dashboard/" in filename:
        return "dashboard"
    if filename.startswith("<") or filename == "~":
        return "builtins"
    return "stdlib"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--url", help="libpq URL of a database to use instead of the dataset")
    parser.add_argument("--only", help="only pages whose label contains this text")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--brief", action="store_true", help="no plans, only a summary line")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of plans, run each page N times under cProfile and print the hot spots",
    )
    args = parser.parse_args()

    import psycopg

    from bench.run import dataset
    from dashboard import create_app
    from dashboard.database import normalise_database_url
    from dashboard.extensions import db

    url = args.url or dataset(args.sessions)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "SECRET_KEY": "explain-only-secret",
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with psycopg.connect(url) as conn:
        pages = page_list(conn, date.today().isoformat())
    clients: dict[str, object] = {}

    def client_for(email: str):
        if email not in clients:
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            client.post(
                "/login", data={"email": email, "password": "tutoring-demo", "csrf_token": token}
            )
            home = client.get("/", follow_redirects=True).get_data(as_text=True)
            csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
            clients[email] = (client, csrf)
        return clients[email]

    def fresh_version(session_url: str) -> str:
        session_id = int(session_url.split("/")[2])
        with psycopg.connect(url) as conn:
            at = conn.execute("SELECT updated_at FROM sessions WHERE id = %s", (session_id,))
            return at.fetchone()[0].isoformat()

    def request(email: str, path: str, form: dict | None):
        client, csrf = client_for(email)
        headers = {"HX-Request": "true", "X-CSRFToken": csrf}
        if form is None:
            response = client.get(path, headers=headers)
            response.get_data()  # a streamed body (sessions.csv) runs its query as it is read
            return response
        data = {**form, "version": fresh_version(path), "csrf_token": csrf}
        return client.post(path, data=data, headers=headers)

    with app.app_context():
        engine = db.engine
    for label, email, path, form in pages:
        if args.only and args.only not in label:
            continue
        request(email, path, form)  # warm up (connections, templates, caches)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            request(email, path, form)
            timings.append((time.perf_counter() - started) * 1000)
        if args.profile:
            profile_page(label, lambda: request(email, path, form), args.profile)  # noqa: B023
            continue
        captured, response = capture(engine, lambda: request(email, path, form))  # noqa: B023
        sql_ms = sum(c[2] for c in captured)
        print(
            f"\n=== {label}: {path} as {email} -> {response.status_code}; request median "
            f"{statistics.median(timings):.1f} ms (min {min(timings):.1f}), "
            f"{len(captured)} statements, {sql_ms:.1f} ms in SQL",
            flush=True,
        )
        for statement, parameters, elapsed in captured:
            first = " ".join(statement.split())[:110]
            if not re.match(r"\s*(SELECT|WITH|UPDATE|INSERT|DELETE)", statement, re.I):
                print(f"--- {elapsed:6.1f} ms  {first}")
                continue
            with app.app_context():
                cursor = db.session.connection().connection.cursor()
                cursor.execute(
                    "EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + statement, parameters or None
                )
                plan = "\n".join(row[0] for row in cursor.fetchall())
                db.session.rollback()
            runtime = re.search(r"Execution Time: ([\d.]+) ms", plan)
            seq = re.search(r"Seq Scan on sessions\b", plan)
            scans = sorted(set(re.findall(r"((?:Bitmap Heap|Index Only|Index|Seq) Scan)", plan)))
            executing = float(runtime.group(1)) if runtime else 0.0
            flag = "SEQ SCAN ON SESSIONS  " if seq else ""
            print(
                f"--- {elapsed:6.1f} ms round trip, {executing:6.1f} ms executing  "
                f"{flag}{', '.join(scans)}\n    {first}"
            )
            if not args.brief:
                print(statement.rstrip())
                print(f"-- parameters: {parameters}")
                print(plan)


if __name__ == "__main__":
    main()
