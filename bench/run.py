"""``make bench``: the dashboard against a bare Flask floor, same data, same run.

1. Makes (or reuses) a dataset of BENCH_SESSIONS sessions (default 1,000,000)
   with ``seed-bulk`` in an embedded PostgreSQL under bench/.data/.
2. Serves the dashboard with gunicorn (2 workers) and bench/floor_app.py the
   same way on another port.
3. Drives both with wrk at the same concurrency over the same URL mix, one
   after the other, and prints requests/s, the app/floor ratio, p50/p99
   latency and SQL queries per request; writes bench/results.json.

Only 127.0.0.1 is ever targeted; every wrk run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
BIN = Path(sys.executable).parent
APP_PORT, FLOOR_PORT = 8101, 8102
sys.path.insert(0, str(ROOT))


def dataset(sessions: int) -> str:
    """libpq URL of a database holding exactly ``sessions`` generated sessions."""
    from dashboard.database import ensure_database, start_embedded_server

    DATA.mkdir(parents=True, exist_ok=True)
    os.chmod(DATA, 0o755)
    admin = start_embedded_server(DATA / "pgdata")
    url = ensure_database(admin, f"bench_{sessions}")
    env = {**os.environ, "DATABASE_URL": url}
    import psycopg

    with psycopg.connect(url) as conn:
        migrated = conn.execute("SELECT to_regclass('sessions') IS NOT NULL").fetchone()[0]
        have = conn.execute("SELECT count(*) FROM sessions").fetchone()[0] if migrated else -1
        if have > 0 and not _has_attendance(conn):
            have = -1  # made before seed-bulk wrote attendance history: make it again
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    # Also on reuse: a dataset made before the newest migration gets it (idempotent).
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    if have == sessions:
        print(f"Reusing the dataset of {sessions:,} sessions.")
        return url
    tutors = max(3, min(1_000, sessions // 1_000))
    students = max(6, min(20_000, sessions // 50))
    subprocess.run(
        [*flask, "seed-bulk", "--sessions", str(sessions), "--tutors", str(tutors),
         "--students", str(students), "--seed", "1"],
        env=env, cwd=ROOT, check=True,
    )  # fmt: skip
    return url


def _has_attendance(conn) -> bool:
    """Does the dataset hold attendance history (``session_attendance`` rows)?"""
    if not conn.execute("SELECT to_regclass('session_attendance') IS NOT NULL").fetchone()[0]:
        return False
    return conn.execute("SELECT EXISTS (SELECT FROM session_attendance)").fetchone()[0]


#: gunicorn workers of the app and of the floor alike (``BENCH_WORKERS``, ``--workers``).
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))


def serve(module: str, port: int, env: dict[str, str], threads: int = 1) -> subprocess.Popen:
    """Start gunicorn with WORKERS workers (each with ``threads`` threads); wait until it answers.

    The repository's ``gunicorn.conf.py`` supplies the rest (timeouts sized from
    the database limits), exactly as in production.
    """
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(WORKERS),
         "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc  # it answers (the floor has no /healthz)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{module} did not start on port {port}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def sign_in(email: str) -> tuple[str, str]:
    """Sign in to the app; return (Cookie header, CSRF token)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{APP_PORT}"
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"email": email, "password": "tutoring-demo", "csrf_token": token}
    ).encode()
    home = opener.open(f"{base}/login", data=body).read().decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def run_wrk(port: int, script: str, duration: int, concurrency: int) -> dict[str, float]:
    path = DATA / f"wrk-{port}.lua"
    path.write_text(script)
    out = subprocess.run(
        ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration}s", "--latency",
         "-s", str(path), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=duration + 30,
    ).stdout  # fmt: skip

    def latency(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def query_count(request: dict, cookie: str, token: str) -> int:
    data = None
    if "session" in request:  # an attendance POST that saves: the session's current version
        import psycopg

        with psycopg.connect(os.environ["BENCH_DATABASE_URL"]) as conn:
            version = conn.execute(
                "SELECT updated_at FROM sessions WHERE id = %s", (request["session"],)
            ).fetchone()[0]
        data = urllib.parse.urlencode(
            {"tutor_attendance_status": "absent", "version": version.isoformat()}
        ).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{APP_PORT}{request['path']}",
        data=data,
        headers={"Cookie": cookie, "HX-Request": "true", "X-CSRFToken": token},
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return int(resp.headers.get("X-Query-Count", -1))
    except urllib.error.HTTPError as err:
        return int(err.headers.get("X-Query-Count", -1))


def url_mix(url: str, token: str, rng: random.Random) -> dict[str, list[dict]]:
    import psycopg

    with psycopg.connect(url) as conn:
        tutors = [r[0] for r in conn.execute("SELECT id FROM users WHERE role='tutor'")]
        students = [r[0] for r in conn.execute("SELECT id FROM users WHERE role='student'")]
        upcoming = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM sessions WHERE session_date >= current_date ORDER BY id LIMIT 2000"
            )
        ]
        # Attendance is taken once a session has started (only "excused" before): the last month's.
        started = conn.execute(
            "SELECT id, updated_at FROM sessions WHERE session_date BETWEEN current_date - 30 "
            "AND current_date - 1 AND status <> 'cancelled' ORDER BY id LIMIT 2000"
        ).fetchall()
    today = date.today().isoformat()
    picks = lambda seq: [rng.choice(seq) for _ in range(50)]  # noqa: E731
    return {
        "tutor month": [
            {"path": f"/tutors/{t}/calendar?view=month&date={today}"} for t in picks(tutors)
        ],
        "tutor week": [
            {"path": f"/tutors/{t}/calendar?view=week&date={today}"} for t in picks(tutors)
        ],
        # Every tutor's week, unfiltered: at 1M sessions it reaches the calendar's limit.
        "centre week": [{"path": f"/calendar?view=week&date={today}"}],
        "session card": [{"path": f"/sessions/{sid}/card"} for sid in picks(upcoming)],
        "coordinator list": [
            {"path": f"/coordinator/sessions?status=scheduled&priority={p}"}
            for p in ("low", "medium", "high", "urgent")
        ],
        "student upcoming": [{"path": f"/students/{s}/upcoming"} for s in picks(students)],
        # The whole centre's report of last month (the default range), both chart stackings.
        "report month": [{"path": "/reports"}, {"path": "/reports?stack=course"}],
        # Saves that succeed: the wrk script takes each answer's version for the next
        # write of that session and alternates present/late (see ATTENDANCE_LUA).
        "attendance POST": [
            {
                "method": "POST",
                "path": f"/sessions/{sid}/attendance",
                "session": sid,
                "version": version.isoformat(),
                "csrf_token": token,
            }
            for sid, version in rng.sample(started, min(50, len(started)))
        ],
    }


#: wrk's Lua for the attendance POSTs: each request carries the version of that
#: session seen in the latest answer about it (the card's hidden ``version`` field,
#: in a 200 and in a 409 alike, next to its form's ``/sessions/N/attendance``), so
#: saves succeed unless two connections race for the same session.
ATTENDANCE_LUA = """
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  -- each wrk thread writes its own share of the sessions (its versions stay its own)
  mine = {}
  for k, r in ipairs(reqs) do
    if (k - 1) % 2 == tid then table.insert(mine, r) end
  end
end
local i = 0
local values = {"present", "late"}
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end
request = function()
  i = i % #mine + 1
  local r = mine[i]
  local body = "tutor_attendance_status=" .. values[i % 2 + 1] .. "&version=" ..
    encode(versions[r.sid]) .. "&csrf_token=" .. encode(r.token)
  return wrk.format("POST", r.path, headers, body)
end
response = function(status, _, body)
  if not body then return end
  local sid = body:match("/sessions/(%d+)/attendance")
  local version = body:match('name="version" value="([^"]+)"')
  if sid and version then versions[tonumber(sid)] = version end
end
"""


def lua_script(requests: list[dict], cookie: str) -> str:
    """A wrk script cycling through ``requests`` (method, path, body)."""
    if requests and "session" in requests[0]:
        return attendance_lua(requests, cookie)
    entries = []
    for r in requests:
        headers = {"Cookie": cookie, "HX-Request": "true"}
        entries.append(
            "wrk.format({}, {}, {{{}}}, nil)".format(
                json.dumps(r.get("method", "GET")),
                json.dumps(r["path"]),
                ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in headers.items()),
            )
        )
    return (
        "local reqs = {" + ",\n".join(entries) + "}\nlocal i = 0\n"
        "request = function() i = i % #reqs + 1; return reqs[i] end\n"
    )


def attendance_lua(requests: list[dict], cookie: str) -> str:
    """The POST script: ``reqs`` and the sessions' first ``versions``, then ATTENDANCE_LUA."""
    entries = ",\n".join(
        "{{sid = {}, path = {}, token = {}}}".format(
            r["session"], json.dumps(r["path"]), json.dumps(r["csrf_token"])
        )
        for r in requests
    )
    versions = ", ".join(f"[{r['session']}] = {json.dumps(r['version'])}" for r in requests)
    headers = {
        "Cookie": cookie,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    header_lua = ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in headers.items())
    return (
        f"reqs = {{{entries}}}\nversions = {{{versions}}}\nheaders = {{{header_lua}}}\n"
        + ATTENDANCE_LUA
    )


def bench(
    sessions: int, duration: int, concurrency: int, threads: int = 1, only: str | None = None
) -> dict:
    url = dataset(sessions)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FLOOR_DATABASE_URL": url,
        "EXPOSE_QUERY_COUNT": "1",
        "SECRET_KEY": "bench-only-secret",
        "SESSION_COOKIE_SECURE": "0",
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    os.environ["BENCH_DATABASE_URL"] = url  # for query_count's fresh versions
    app = serve("wsgi:app", APP_PORT, env, threads)
    floor = serve("bench.floor_app:app", FLOOR_PORT, env, threads)
    results = {}
    try:
        cookie, token = sign_in("coordinator@bulk.example")
        for name, requests in url_mix(url, token, random.Random(1)).items():
            if only and only not in name:
                continue
            script = lua_script(requests, cookie)
            app_run = run_wrk(APP_PORT, script, duration, concurrency)
            floor_run = run_wrk(FLOOR_PORT, script, duration, concurrency)
            results[name] = {
                "app": app_run,
                "floor": floor_run,
                "ratio": round(app_run["rps"] / floor_run["rps"], 3) if floor_run["rps"] else 0,
                "queries_per_request": query_count(requests[0], cookie, token),
            }
            print(
                f"{name:<18} app {app_run['rps']:8.1f} rps  floor {floor_run['rps']:8.1f} rps  "
                f"ratio {results[name]['ratio']:.2f}  p50 {app_run['p50_ms']:.1f} ms  "
                f"p99 {app_run['p99_ms']:.1f} ms  queries {results[name]['queries_per_request']}"
                f"  non-2xx {app_run['non_2xx']}",
                flush=True,
            )
        if not only or only in "sessions.csv":
            results["sessions.csv (year)"] = stream_sessions_csv(app, cookie)
    finally:
        stop(app)
        stop(floor)
    return results


def resident_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def workers_of(proc: subprocess.Popen) -> list[int]:
    """The gunicorn workers (children) of ``proc``."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == proc.pid:
            children.append(int(stat.parent.name))
    return children


def stream_sessions_csv(app: subprocess.Popen, cookie: str) -> dict[str, float]:
    """Download a year of ``/reports/sessions.csv``: rows per second and the workers' memory.

    The goal (issue 15) is at least 50,000 rows/s with the worker's memory flat;
    the resident size of both workers is sampled while the file streams.
    """
    today = date.today()
    first = today - timedelta(days=365)
    request = urllib.request.Request(
        f"http://127.0.0.1:{APP_PORT}/reports/sessions.csv?from={first}&to={today}",
        headers={"Cookie": cookie},
    )
    workers = workers_of(app)
    before = max(resident_kib(pid) for pid in workers)
    peak = before
    lines = size = 0
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        while chunk := response.read(1 << 16):
            lines += chunk.count(b"\n")
            size += len(chunk)
            if lines % 20 < 2:
                peak = max(peak, *(resident_kib(pid) for pid in workers))
    seconds = time.perf_counter() - started
    rows = max(lines - 1, 0)
    result = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1) if seconds else 0.0,
        "mib": round(size / 2**20, 1),
        "worker_rss_before_mib": round(before / 1024, 1),
        "worker_rss_peak_mib": round(peak / 1024, 1),
    }
    print(
        f"{'sessions.csv year':<18} {rows:,} rows in {seconds:.1f} s = "
        f"{result['rows_per_s']:,.0f} rows/s, {result['mib']} MiB; worker RSS "
        f"{result['worker_rss_before_mib']} -> {result['worker_rss_peak_mib']} MiB",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=int, default=int(os.environ.get("BENCH_SESSIONS", 1_000_000))
    )
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("BENCH_THREADS", 1)),
        help="threads per gunicorn worker, for the app and the floor alike (gthread when > 1)",
    )
    parser.add_argument(
        "--compare-sizes", action="store_true", help="also run at 10,000 sessions and compare"
    )
    parser.add_argument("--only", help="only the endpoints whose name contains this text")
    args = parser.parse_args()
    report: dict = {
        "concurrency": args.concurrency,
        "threads": args.threads,
        "duration_s": args.duration,
        "runs": {},
    }
    sizes = [args.sessions] + ([10_000] if args.compare_sizes else [])
    for size in sizes:
        print(
            f"== {size:,} sessions, concurrency {args.concurrency}, {WORKERS} workers x "
            f"{args.threads} thread(s), {args.duration} s each"
        )
        report["runs"][str(size)] = bench(
            size, args.duration, args.concurrency, args.threads, args.only
        )
    main_run = report["runs"][str(args.sessions)]
    worst = min((r["ratio"] for r in main_run.values() if "ratio" in r), default=0.0)
    if args.compare_sizes:
        big, small = main_run["tutor month"], report["runs"]["10000"]["tutor month"]
        growth = big["app"]["p50_ms"] / small["app"]["p50_ms"]
        report["month_p50_growth"] = round(growth, 2)
        print(f"month page p50 at {args.sessions:,} vs 10,000 sessions: {growth:.2f}x")
    report["worst_ratio"] = worst
    (ROOT / "bench" / "results.json").write_text(json.dumps(report, indent=2))
    print(f"worst ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
