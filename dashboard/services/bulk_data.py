"""A large, realistic, reproducible dataset for benchmarks: ``flask seed-bulk``.

Rows are streamed with PostgreSQL ``COPY`` through psycopg, with explicit ids so
the same ``--seed`` always gives the same rows. Past sessions that were not
cancelled also get their attendance history (``session_attendance``: taken by the
tutor when the session ended), made from the sessions in one ``INSERT … SELECT``.
Generated people have emails at ``@bulk.example``; that is how the command tells
its own data from real data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import psycopg
from werkzeug.security import generate_password_hash

from dashboard.choices import ATTENDANCE_STATUSES, PRIORITY_LEVELS, SESSION_MODES

BULK_EMAIL_DOMAIN = "bulk.example"
BULK_PASSWORD = "tutoring-demo"
#: Every generated row's created_at/updated_at, so reruns are byte-identical.
GENERATED_AT = datetime(2026, 1, 1, 9, 0, 0)
#: The zone the generated sessions' wall-clock times are in (their recurring_pattern's tzid).
BULK_ZONE = "Europe/London"

TABLES_IN_DELETE_ORDER = (
    "sessions",
    "whiteboard_sessions",
    "enrolled_courses",
    "enrolled_students",
    "courses",
    "parent_students",
    "users",
)

COURSE_NAMES = (
    "Mathematics", "Physics", "Chemistry", "Biology", "English Literature", "History",
    "Geography", "Spanish", "French", "German", "Computer Science", "Economics",
    "Music Theory", "Art History", "Statistics", "Further Mathematics",
)  # fmt: skip
LEVELS = ("GCSE", "A-level", "KS3", "IB")
TOPIC_WORDS = (
    "Algebra", "Fractions", "Forces", "Energy", "Essay plan", "Past papers", "Vocabulary",
    "Grammar", "Cells", "Reactions", "Revolution", "Maps", "Functions", "Probability",
    "Poetry", "Revision", "Mock exam", "Graphs", "Waves", "Circuits",
)  # fmt: skip


class BulkDataRefused(Exception):
    """The database holds data that ``seed-bulk`` did not make (use ``--force``)."""


@dataclass(frozen=True)
class BulkSummary:
    """What ``seed_bulk`` wrote."""

    users: int
    tutors: int
    students: int
    parents: int
    courses: int
    enrolments: int
    whiteboards: int
    sessions: int
    attendance: int  # past sessions whose attendance was taken
    seconds: float


def foreign_data_count(conn: psycopg.Connection) -> int:
    """How many users were not made by ``seed-bulk``."""
    return conn.execute(
        "SELECT count(*) FROM users WHERE lower(email) NOT LIKE %s", (f"%@{BULK_EMAIL_DOMAIN}",)
    ).fetchone()[0]


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _reset_sequences(conn: psycopg.Connection) -> None:
    for table in ("users", "courses", "enrolled_courses", "whiteboard_sessions", "sessions"):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT max(id) FROM {table}), 1))"
        )


def seed_bulk(
    conninfo: str,
    *,
    sessions: int,
    tutors: int,
    students: int,
    seed: int = 1,
    force: bool = False,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> BulkSummary:
    """Replace all generated data with a fresh dataset in one transaction.

    Refuses (``BulkDataRefused``) when other data is present, unless ``force``:
    then that data is kept and the generated rows are added after it.
    ``today`` anchors the date range (three years back, one year ahead); pass
    the same value to reproduce a dataset exactly.
    """
    started = datetime.now()
    rng = random.Random(seed)
    today = today or date.today()
    with psycopg.connect(conninfo) as conn:
        foreign = foreign_data_count(conn)
        if foreign and not force:
            raise BulkDataRefused(
                f"The database holds {foreign} user(s) that seed-bulk did not create. "
                "Use an empty database, or pass --force to add generated data next to them."
            )
        if foreign:
            conn.execute(
                "DELETE FROM users WHERE lower(email) LIKE %s", (f"%@{BULK_EMAIL_DOMAIN}",)
            )
            conn.execute("DELETE FROM courses WHERE subject = 'bulk'")
        else:
            conn.execute(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE")

        def next_id(table: str) -> int:
            return conn.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}").fetchone()[0]

        password_hash = generate_password_hash(BULK_PASSWORD)
        first_user = next_id("users")
        parents = students // 2
        people: list[tuple] = [
            (first_user, f"coordinator@{BULK_EMAIL_DOMAIN}", "Bulk Coordinator", "coordinator")
        ]
        uid = first_user + 1
        tutor_ids, student_ids, parent_ids = [], [], []
        for role, count, ids in (
            ("tutor", tutors, tutor_ids),
            ("student", students, student_ids),
            ("parent", parents, parent_ids),
        ):
            for n in range(1, count + 1):
                people.append(
                    (uid, f"{role}{n}@{BULK_EMAIL_DOMAIN}", f"{role.title()} {n:05d}", role)
                )
                ids.append(uid)
                uid += 1
        _copy(
            conn,
            "users",
            ("id", "email", "full_name", "role", "password_hash", "created_at"),
            ((i, e, name, role, password_hash, GENERATED_AT) for i, e, name, role in people),
        )
        _copy(
            conn,
            "parent_students",
            ("parent_id", "student_id"),
            (
                (parent, child)
                for index, parent in enumerate(parent_ids)
                for child in student_ids[2 * index : 2 * index + 2]
            ),
        )

        first_course = next_id("courses")
        course_ids = []
        course_rows = []
        for n, (level, name) in enumerate((lv, nm) for lv in LEVELS for nm in COURSE_NAMES):
            course_ids.append(first_course + n)
            course_rows.append((first_course + n, f"{level} {name}", "bulk", GENERATED_AT))
        _copy(conn, "courses", ("id", "title", "subject", "created_at"), course_rows)

        first_enrolment = next_id("enrolled_courses")
        enrolments: list[tuple[int, int, int, int]] = []  # (id, course, tutor, student)
        seen: set[tuple[int, int, int]] = set()
        for student in student_ids:
            for _ in range(rng.randint(1, 3)):
                key = (rng.choice(course_ids), rng.choice(tutor_ids), student)
                if key not in seen:
                    seen.add(key)
                    enrolments.append((first_enrolment + len(enrolments), *key))
        _copy(
            conn,
            "enrolled_courses",
            ("id", "course_id", "tutor_id", "student_id", "enrolled_at"),
            ((*row, GENERATED_AT) for row in enrolments),
        )

        first_board = next_id("whiteboard_sessions")
        board_of_tutor = {tutor: first_board + n for n, tutor in enumerate(tutor_ids)}
        _copy(
            conn,
            "whiteboard_sessions",
            ("id", "session_name", "board_url", "owner_id", "created_at", "updated_at"),
            (
                (
                    board,
                    f"Board of tutor {tutor}",
                    f"https://whiteboard.example.com/b/{board}",
                    tutor,
                    GENERATED_AT,
                    GENERATED_AT,
                )
                for tutor, board in board_of_tutor.items()
            ),
        )

        first_session = next_id("sessions")
        rows = _session_rows(
            rng, sessions, enrolments, board_of_tutor, first_session, today, progress
        )
        written = _copy(conn, "sessions", SESSION_COLUMNS, rows)
        taken = _take_past_attendance(conn, first_session, today)
        _reset_sequences(conn)
        conn.commit()
        conn.execute("ANALYZE")
    return BulkSummary(
        users=len(people),
        tutors=tutors,
        students=students,
        parents=parents,
        courses=len(course_ids),
        enrolments=len(enrolments),
        whiteboards=len(board_of_tutor),
        sessions=written,
        attendance=taken,
        seconds=(datetime.now() - started).total_seconds(),
    )


def _take_past_attendance(conn: psycopg.Connection, first_session: int, today: date) -> int:
    """Record attendance as taken for the generated past sessions that were not cancelled.

    As the app records it (``attendance.record_attendance_taken``): by the session's
    tutor, here when the session ended. Without it, the history would show every past
    session as "attendance not taken" and the triage list would hold all of them.
    One statement on the rows just written: no round trip per session. Its foreign keys
    are dropped for it and added back with the same definitions, so PostgreSQL checks
    them with one join each instead of once per row (and row lock on every session).
    """
    foreign_keys = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'session_attendance'::regclass AND contype = 'f' ORDER BY conname"
    ).fetchall()
    for name, _definition in foreign_keys:
        conn.execute(f'ALTER TABLE session_attendance DROP CONSTRAINT "{name}"')
    taken = conn.execute(
        """
        INSERT INTO session_attendance (session_id, taken_by, taken_at)
        SELECT s.id, ec.tutor_id, (s.session_date + s.end_time) AT TIME ZONE %(zone)s
          FROM sessions s
          JOIN enrolled_courses ec ON ec.id = s.enrolled_courses_id
         WHERE s.id >= %(first)s AND s.session_date < %(today)s AND s.status <> 'cancelled'
        """,
        {"zone": BULK_ZONE, "first": first_session, "today": today},
    ).rowcount
    for name, definition in foreign_keys:
        conn.execute(f'ALTER TABLE session_attendance ADD CONSTRAINT "{name}" {definition}')
    return taken


SESSION_COLUMNS = (
    "id", "enrolled_courses_id", "topics", "topics_covered", "session_date", "start_time",
    "end_time", "duration", "session_mode", "location", "whiteboard_id",
    "tutor_attendance_status", "student_attendance_status", "priority_level", "is_recurring",
    "session_frequency", "recurring_pattern", "notification_enabled", "alarm_enabled",
    "alarm_before_minutes", "is_featured", "status", "created_at", "updated_at",
)  # fmt: skip

_FREQUENCY_RULES = {"weekly": "FREQ=WEEKLY", "biweekly": "FREQ=WEEKLY;INTERVAL=2"}


def _session_rows(
    rng: random.Random,
    count: int,
    enrolments: list[tuple[int, int, int, int]],
    board_of_tutor: dict[int, int],
    first_id: int,
    today: date,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple]:
    """Yield ``count`` session rows spread over three years back and one ahead."""
    start_day = today - timedelta(days=3 * 365)
    span_days = 4 * 365
    attendance_weights = (88, 5, 5, 2)
    priority_weights = (20, 55, 20, 5)
    mode_weights = (60, 30, 10)
    tick = max(count // 100, 1)
    for n in range(count):
        enrolment_id, _course, tutor, _student = rng.choice(enrolments)
        day = start_day + timedelta(days=rng.randrange(span_days))
        start_minutes = rng.randrange(8 * 4, 20 * 4) * 15
        duration = rng.choice((45, 60, 60, 90))
        start = time(start_minutes // 60, start_minutes % 60)
        end_minutes = min(start_minutes + duration, 23 * 60 + 59)
        end = time(end_minutes // 60, end_minutes % 60)
        mode = rng.choices(SESSION_MODES, mode_weights)[0]
        past = day < today
        roll = rng.random()
        if past:
            status = "completed" if roll < 0.86 else "cancelled" if roll < 0.95 else "rescheduled"
        else:
            status = "scheduled" if roll < 0.92 else "cancelled"
        recurring = rng.random() < 0.3
        frequency = rng.choice(tuple(_FREQUENCY_RULES)) if recurring else "one-time"
        pattern = (
            json.dumps({"rrule": _FREQUENCY_RULES[frequency], "tzid": BULK_ZONE})
            if recurring
            else None
        )
        topics = rng.sample(TOPIC_WORDS, rng.randint(1, 3))
        covered = topics[: rng.randint(0, len(topics))] if status == "completed" else []
        reminders = not past and rng.random() < 0.5
        yield (
            first_id + n,
            enrolment_id,
            json.dumps(topics),
            json.dumps(covered),
            day,
            start,
            end,
            end_minutes - start_minutes,
            mode,
            "Main centre, room " + str(rng.randint(1, 12)) if mode != "online" else None,
            board_of_tutor[tutor] if mode != "in-person" else None,
            rng.choices(ATTENDANCE_STATUSES, attendance_weights)[0] if past else "present",
            rng.choices(ATTENDANCE_STATUSES, attendance_weights)[0] if past else "present",
            rng.choices(PRIORITY_LEVELS, priority_weights)[0],
            recurring,
            frequency,
            pattern,
            reminders,
            reminders,
            15,
            rng.random() < 0.01,
            status,
            GENERATED_AT,
            GENERATED_AT,
        )
        if progress and (n + 1) % tick == 0:
            progress(tick)
