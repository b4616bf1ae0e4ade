"""The demo centre behind ``flask seed-demo``: 12 people and 25 sessions around today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from werkzeug.security import generate_password_hash

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.models import (
    Course,
    EnrolledCourse,
    ParentStudent,
    Session,
    SessionAttendance,
    SessionCancellation,
    SessionNote,
    User,
    WhiteboardSession,
)

DEMO_PASSWORD = "tutoring-demo"
DEMO_SESSION_COUNT = 25

#: (email, full name, role) of every demo account.
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("coordinator@example.com", "Clara Coordinator", ROLE_COORDINATOR),
    ("tutor1@example.com", "Tom Tutor", ROLE_TUTOR),
    ("tutor2@example.com", "Tara Tutor", ROLE_TUTOR),
    ("tutor3@example.com", "Theo Tutor", ROLE_TUTOR),
    ("student1@example.com", "Sam Student", ROLE_STUDENT),
    ("student2@example.com", "Sofia Student", ROLE_STUDENT),
    ("student3@example.com", "Sid Student", ROLE_STUDENT),
    ("student4@example.com", "Sara Student", ROLE_STUDENT),
    ("student5@example.com", "Stan Student", ROLE_STUDENT),
    ("student6@example.com", "Suki Student", ROLE_STUDENT),
    ("parent1@example.com", "Paula Parent", ROLE_PARENT),
    ("parent2@example.com", "Peter Parent", ROLE_PARENT),
]

#: parent email → children's emails
DEMO_FAMILIES: dict[str, list[str]] = {
    "parent1@example.com": ["student1@example.com", "student2@example.com"],
    "parent2@example.com": ["student3@example.com", "student4@example.com"],
}

DEMO_COURSES: list[tuple[str, str]] = [
    ("GCSE Mathematics", "Mathematics"),
    ("A-level Physics", "Physics"),
    ("English Literature", "English"),
    ("Spanish for Beginners", "Languages"),
]

#: (course index, tutor number, student number) for each enrolment.
DEMO_ENROLMENTS: list[tuple[int, int, int]] = [
    (0, 1, 1),
    (1, 1, 2),
    (0, 1, 3),
    (2, 2, 1),
    (2, 2, 4),
    (3, 2, 5),
    (1, 3, 6),
    (3, 3, 3),
]


@dataclass(frozen=True)
class DemoSession:
    """One demo session, relative to today."""

    enrolment: int
    day_offset: int
    start: time
    minutes: int
    mode: str = "online"
    status: str = "scheduled"
    priority: str = "medium"
    featured: bool = False
    tutor_attendance: str = "present"
    student_attendance: str = "present"
    topics: tuple[str, ...] = ()
    covered: tuple[str, ...] = ()


_T = time
DEMO_SESSIONS: list[DemoSession] = [
    DemoSession(
        0, -14, _T(16), 60, status="completed", topics=("Fractions",), covered=("Fractions",)
    ),
    DemoSession(
        1, -12, _T(17), 90, status="completed", topics=("Kinematics",), covered=("Kinematics",)
    ),
    DemoSession(
        3,
        -10,
        _T(15, 30),
        60,
        mode="in-person",
        status="completed",
        student_attendance="late",
        topics=("Macbeth act 1",),
        covered=("Macbeth act 1",),
    ),
    DemoSession(4, -9, _T(10), 45, status="cancelled", priority="low", topics=("Poetry",)),
    DemoSession(
        5, -7, _T(18), 60, status="completed", student_attendance="absent", topics=("Greetings",)
    ),
    DemoSession(
        6,
        -6,
        _T(16),
        60,
        status="completed",
        priority="high",
        tutor_attendance="late",
        topics=("Forces", "Momentum"),
        covered=("Forces",),
    ),
    DemoSession(2, -5, _T(14), 60, status="rescheduled", topics=("Algebra",)),
    DemoSession(
        7,
        -3,
        _T(11),
        60,
        mode="hybrid",
        status="completed",
        student_attendance="excused",
        topics=("Verbs",),
    ),
    DemoSession(
        0,
        -2,
        _T(16),
        60,
        status="completed",
        featured=True,
        topics=("Percentages",),
        covered=("Percentages", "Ratios"),
    ),
    DemoSession(
        1,
        -1,
        _T(17),
        90,
        status="completed",
        priority="high",
        topics=("Energy",),
        covered=("Energy",),
    ),
    DemoSession(0, 0, _T(16), 60, priority="high", featured=True, topics=("Quadratics",)),
    DemoSession(3, 0, _T(18), 60, mode="in-person", topics=("Macbeth act 2",)),
    DemoSession(2, 1, _T(15), 60, priority="urgent", topics=("Exam practice",)),
    DemoSession(4, 2, _T(10), 45, topics=("Poetry anthology",)),
    DemoSession(6, 2, _T(16, 30), 60, topics=("Waves",)),
    DemoSession(5, 3, _T(18), 60, mode="hybrid", priority="low", topics=("Numbers",)),
    DemoSession(1, 4, _T(17), 90, featured=True, priority="high", topics=("Electricity",)),
    DemoSession(7, 5, _T(11), 60, status="cancelled", topics=("Past tense",)),
    # Featured a week ahead too: student 1 always has a featured session to come, whatever
    # the time of day (today's 16:00 one is past by the evening).
    DemoSession(0, 7, _T(16), 60, featured=True, topics=("Simultaneous equations",)),
    DemoSession(3, 8, _T(15, 30), 60, mode="in-person", topics=("Macbeth act 3",)),
    DemoSession(2, 9, _T(14), 60, priority="urgent", featured=True, topics=("Mock exam",)),
    DemoSession(6, 11, _T(16), 60, topics=("Optics",)),
    DemoSession(4, 14, _T(10), 45, priority="low", topics=("Essay plan",)),
    DemoSession(5, 16, _T(18), 60, topics=("Food and drink",)),
    DemoSession(1, 21, _T(17), 90, priority="medium", topics=("Revision",)),
]
assert len(DEMO_SESSIONS) == DEMO_SESSION_COUNT


def demo_is_seeded(session: OrmSession) -> bool:
    """True when the demo coordinator account already exists."""
    found = session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(sa.func.lower(User.email) == DEMO_ACCOUNTS[0][0])
    )
    return bool(found)


def seed_demo(
    session: OrmSession, today: date | None = None, timezone: str = "Europe/London"
) -> bool:
    """Create the demo centre unless it is there already; return True when created.

    Idempotent: a second call finds the demo coordinator and changes nothing.
    Everything is written in the caller's transaction.
    """
    if demo_is_seeded(session):
        return False
    today = today or datetime.now(ZoneInfo(timezone)).date()
    password_hash = generate_password_hash(DEMO_PASSWORD)
    users = {
        email: User(email=email, full_name=name, role=role, password_hash=password_hash)
        for email, name, role in DEMO_ACCOUNTS
    }
    session.add_all(users.values())
    session.flush()
    for parent, children in DEMO_FAMILIES.items():
        for child in children:
            session.add(ParentStudent(parent_id=users[parent].id, student_id=users[child].id))

    courses = [Course(title=title, subject=subject) for title, subject in DEMO_COURSES]
    session.add_all(courses)
    session.flush()
    enrolments = [
        EnrolledCourse(
            course_id=courses[course].id,
            tutor_id=users[f"tutor{tutor}@example.com"].id,
            student_id=users[f"student{student}@example.com"].id,
        )
        for course, tutor, student in DEMO_ENROLMENTS
    ]
    session.add_all(enrolments)
    boards = {
        tutor: WhiteboardSession(
            session_name=f"{users[f'tutor{tutor}@example.com'].full_name}'s board",
            board_url=f"https://whiteboard.example.com/boards/tutor{tutor}",
            owner_id=users[f"tutor{tutor}@example.com"].id,
        )
        for tutor in (1, 2, 3)
    }
    session.add_all(boards.values())
    session.flush()

    tutor_of = {index: tutor for index, (_course, tutor, _student) in enumerate(DEMO_ENROLMENTS)}
    rows: list[tuple[DemoSession, Session]] = []
    for spec in DEMO_SESSIONS:
        start = datetime.combine(today + timedelta(days=spec.day_offset), spec.start)
        end = start + timedelta(minutes=spec.minutes)
        online = spec.mode in ("online", "hybrid")
        row = Session(
            enrolled_courses_id=enrolments[spec.enrolment].id,
            topics=list(spec.topics),
            topics_covered=list(spec.covered),
            session_date=start.date(),
            start_time=start.time(),
            end_time=end.time(),
            duration=spec.minutes,
            session_mode=spec.mode,
            location="Room 2, High Street centre" if spec.mode != "online" else None,
            whiteboard_id=boards[tutor_of[spec.enrolment]].id if online else None,
            tutor_attendance_status=spec.tutor_attendance,
            student_attendance_status=spec.student_attendance,
            priority_level=spec.priority,
            is_featured=spec.featured,
            status=spec.status,
            notification_enabled=spec.day_offset >= 0,
            alarm_enabled=spec.day_offset >= 0,
        )
        session.add(row)
        rows.append((spec, row))
    session.flush()
    _seed_lesson_records(session, rows, users, tutor_of)
    return True


def _seed_lesson_records(
    session: OrmSession,
    rows: list[tuple[DemoSession, Session]],
    users: dict[str, User],
    tutor_of: dict[int, int],
) -> None:
    """Attendance taken for the completed lessons, and reasons for the cancelled ones.

    The past rescheduled session is left without attendance, so the
    coordinators' "attendance not taken" list has something to show.
    """
    for spec, row in rows:
        tutor = users[f"tutor{tutor_of[spec.enrolment]}@example.com"]
        if spec.status == "completed":
            session.add(SessionAttendance(session_id=row.id, taken_by=tutor.id))
        elif spec.status == "cancelled":
            session.add(
                SessionCancellation(
                    session_id=row.id,
                    reason="student-cancelled" if spec.day_offset < 0 else "tutor-cancelled",
                    is_late=spec.day_offset < 0,
                    cancelled_by=tutor.id,
                )
            )
        if spec.covered:
            session.add(
                SessionNote(
                    session_id=row.id,
                    public_note=f"Good work on {spec.covered[0].lower()}; practise at home.",
                    private_note="Keep an eye on pace.",
                    updated_by=tutor.id,
                )
            )
    session.flush()
