"""``/reports/sessions.csv`` streams 100,000 sessions in bounded memory.

``seed-bulk`` writes 100,000 sessions (over four years); one UPDATE folds them
into the year 2025 so that one report range (at most 366 days) holds them
all. The file is then read chunk by chunk, as a browser would, while the
memory of this process is watched two ways: Python's own allocations
(``tracemalloc``) and the resident size (``/proc/self/statm``), which also
sees libpq's buffers — a result fetched whole would be held there.
"""

from __future__ import annotations

import csv
import io
import os
import time
import tracemalloc
from datetime import date

import pytest
import sqlalchemy as sa

from dashboard import create_app
from dashboard.database import libpq_url
from dashboard.extensions import db
from dashboard.services.bulk_data import seed_bulk
from tests.conftest import AuthActions, app_config

ROWS = 100_000
YEAR = "from=2025-01-01&to=2025-12-31"
#: What the test allows the stream to use; the whole file is ~40 MB of text.
PYTHON_PEAK_LIMIT = 12 * 2**20
RESIDENT_GROWTH_LIMIT = 16 * 2**20


@pytest.fixture(scope="module")
def big_app(make_database):
    """An app on a database whose 100,000 sessions all fall in 2025."""
    from flask_migrate import upgrade

    url = make_database("stream")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
    seed_bulk(libpq_url(url), sessions=ROWS, tutors=50, students=1_000, seed=7)
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE sessions SET session_date = date '2025-01-01' + (id % 365)")
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE sessions"))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def read_stream(client, url: str, trace: bool) -> dict:
    """Read ``url``'s body chunk by chunk; lines, bytes, edges and the memory peaks."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    seen = {"lines": 0, "size": 0, "first": b"", "last": b"", "python_peak": 0}
    resident_start = resident_peak = resident_bytes()
    if trace:
        tracemalloc.start()
    try:
        for n, chunk in enumerate(response.response):
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            seen["lines"] += data.count(b"\n")
            seen["size"] += len(data)
            if n < 2:
                seen["first"] += data
            seen["last"] = data or seen["last"]
            if n % 5 == 0:
                resident_peak = max(resident_peak, resident_bytes())
        if trace:
            seen["python_peak"] = tracemalloc.get_traced_memory()[1]
    finally:
        if trace:
            tracemalloc.stop()
        response.close()
    seen["resident_growth"] = resident_peak - resident_start
    return seen


def test_sessions_csv_of_100k_rows_streams_in_bounded_memory(big_app):
    client = big_app.test_client()
    AuthActions(client).login("coordinator@bulk.example")
    url = f"/reports/sessions.csv?{YEAR}"
    read_stream(client, url, trace=False)  # warm up: compiled SQL, pools, caches
    plain = read_stream(client, url, trace=False)  # the resident size, untouched by tracing
    traced = read_stream(client, url, trace=True)  # Python's own allocations
    growth, python_peak = plain["resident_growth"], traced["python_peak"]
    print(f"python peak {python_peak / 2**20:.1f} MiB, resident growth {growth / 2**20:.1f} MiB")
    for seen in (plain, traced):
        assert seen["lines"] == ROWS + 1  # the header, then one line per session
        assert seen["size"] > 20 * 2**20  # far bigger than what was held at once
    assert python_peak < PYTHON_PEAK_LIMIT, f"Python peak {python_peak / 2**20:.1f} MiB"
    assert growth < RESIDENT_GROWTH_LIMIT, f"resident size grew {growth / 2**20:.1f} MiB"
    header, row = list(csv.reader(io.StringIO(plain["first"].decode("utf-8-sig"))))[:2]
    assert header[0] == "id" and header[-4:-1] == ["course_title", "tutor_name", "student_name"]
    assert header[-1] == "cancellation_reason"
    assert row[header.index("session_date")] == "2025-01-01"
    last = list(csv.reader(io.StringIO(plain["last"].decode())))[-1]
    assert last[header.index("session_date")] == date(2025, 12, 31).isoformat()


def test_a_download_left_half_way_frees_its_connection(big_app):
    client = big_app.test_client()
    AuthActions(client).login("coordinator@bulk.example")
    response = client.get(f"/reports/sessions.csv?{YEAR}", buffered=False)
    chunks = iter(response.response)
    next(chunks), next(chunks)  # the byte-order mark, then the first rows
    response.close()  # what the web server does when the client goes away
    busy: list[tuple] = []
    for _ in range(50):  # the COPY is cancelled asynchronously: give the server a moment
        with big_app.app_context():
            busy = db.session.execute(
                sa.text(
                    "SELECT state, left(query, 60) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state <> 'idle'"
                )
            ).all()
            db.session.remove()
        if not busy:
            break
        time.sleep(0.1)
    assert busy == []
    assert client.get(f"/reports?{YEAR}").status_code == 200
