"""Every figure of a report from one aggregate SQL statement.

The sessions of the range are read once, through ``idx_sessions_date`` (a
range on ``session_date``), joined to their enrolled course; one row of facts
per session is then summed over GROUPING SETS: per tutor, per student, per
course, per tutor and ISO week (the timesheet), per course and week, per week
and for the whole report. A month of a large centre is some 20,000 sessions,
so the page costs one query whatever the table holds.

Definitions (README → Reports):

* **Sessions** are every session booked in the range, whatever its status;
  **completed** and **cancelled** count those statuses.
* A session's **length** is ``duration`` (minutes) when positive, else the
  span of its times, where an end at or before the start is the next day.
* **Hours taught** (tutors, courses, timesheet): completed sessions the tutor
  attended (``tutor_attendance_status`` present or late), by their length.
  **Hours attended** (students): completed sessions the student attended.
* **Cancelled, of which late**: the session's current cancellation (its
  latest ``session_cancellations`` row not restored) has ``is_late``.
* **Attendance** counts the student's status of every session that is not
  cancelled and has started (or is completed): present, late, absent, excused,
  or *not taken* when attendance was never taken (no ``session_attendance``
  row; the column's default "present" is not a real one) or no status is
  recorded. The **rate** is present + late over the sessions whose
  attendance was taken; "not taken" stays out of it, so a tutor who has not
  yet marked a lesson is not shown as losing students.
* **Reviews**: the students' and parents' ratings of the sessions (not the
  tutor's own review of a lesson); the average is over those reviews.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.choices import ATTENDANCE_STATUSES, ROLE_PARENT, ROLE_STUDENT
from dashboard.models import (
    Course,
    EnrolledCourse,
    Session,
    SessionAttendance,
    SessionCancellation,
    SessionReview,
    User,
)
from dashboard.services.core_rows import core_rows
from dashboard.services.reports.query import ReportQuery
from dashboard.services.schedule_search import FilterOptions, Option, filter_options

#: Attendance values a report counts, in the order shown; "not taken" = no status recorded.
NOT_TAKEN = "not taken"
ATTENDANCE_COLUMNS: tuple[str, ...] = (*ATTENDANCE_STATUSES, NOT_TAKEN)
#: The statuses that count as attending (for hours and the rate).
ATTENDED: tuple[str, ...] = ("present", "late")
RECORDED = ATTENDANCE_STATUSES
#: Whose reviews make a tutor's average rating.
RATED_BY: tuple[str, ...] = (ROLE_STUDENT, ROLE_PARENT)


@dataclass
class Tally:
    """The sums of one group of sessions (a tutor, a student, a course, a week…)."""

    sessions: int = 0
    completed: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    taught_minutes: int = 0
    attended_minutes: int = 0
    students: int = 0
    rating_sum: int = 0
    reviews: int = 0
    attendance: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ATTENDANCE_COLUMNS, 0))

    @property
    def taught_hours(self) -> float:
        """Hours taught, to the minute (rounded only when shown)."""
        return self.taught_minutes / 60

    @property
    def attended_hours(self) -> float:
        """Hours the student attended."""
        return self.attended_minutes / 60

    @property
    def average_rating(self) -> float | None:
        """Mean rating of the students' and parents' reviews; None without reviews."""
        return self.rating_sum / self.reviews if self.reviews else None

    @property
    def taken(self) -> int:
        """Sessions whose attendance was recorded (the rate's denominator)."""
        return sum(n for value, n in self.attendance.items() if value != NOT_TAKEN)

    @property
    def attendance_rate(self) -> float | None:
        """Share of present + late among sessions with attendance taken; None when none."""
        taken = self.taken
        if not taken:
            return None
        return sum(self.attendance[value] for value in ATTENDED) / taken


@dataclass
class Line:
    """One row of a table: who or what it is about, and its tally."""

    id: int
    name: str
    tally: Tally


@dataclass(frozen=True)
class Week:
    """One ISO week of the range; ``first``/``last`` are the days of it inside the range."""

    label: str  # "2025-W14"
    first: date
    last: date

    @property
    def is_partial(self) -> bool:
        """True when the range cuts the week (it starts after Monday or ends before Sunday)."""
        return (self.last - self.first).days < 6


@dataclass
class Report:
    """Everything the reports page, its charts and its CSV files show."""

    query: ReportQuery
    weeks: list[Week]
    tutors: list[Line]
    students: list[Line]
    courses: list[Line]
    total: Tally
    per_week: dict[str, Tally]
    #: tutor id → week label → minutes taught (the timesheet)
    tutor_weeks: dict[int, dict[str, int]]
    #: course id → week label → minutes taught
    course_weeks: dict[int, dict[str, int]]

    def timesheet_hours(self, tutor_id: int, week: str) -> float:
        """Hours ``tutor_id`` taught in ``week``."""
        return self.tutor_weeks.get(tutor_id, {}).get(week, 0) / 60

    def course_week_hours(self, course_id: int, week: str) -> float:
        """Hours taught in course ``course_id`` in ``week``."""
        return self.course_weeks.get(course_id, {}).get(week, 0) / 60


def iso_week_label(day: date) -> str:
    """``2025-W14``: the ISO year and week, as PostgreSQL's ``to_char(d, 'IYYY-"W"IW')``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def weeks_between(first: date, last: date) -> list[Week]:
    """The ISO weeks ``first``…``last`` touches, each cut to the range."""
    weeks: list[Week] = []
    start = first
    while start <= last:
        sunday = start + timedelta(days=6 - start.weekday())
        end = min(sunday, last)
        weeks.append(Week(iso_week_label(start), start, end))
        start = end + timedelta(days=1)
    return weeks


def session_minutes() -> sa.ColumnElement[int]:
    """A session's real length in minutes: ``duration`` when positive, else its times' span.

    The span treats an end at or before the start as the next day (a session
    past midnight), the rule ``dashboard.timezones.end_date`` uses.
    """
    seconds = sa.cast(sa.extract("epoch", Session.end_time - Session.start_time), sa.Integer)
    wrapped = (seconds + 86400 - 1) % 86400 + 1  # 1…86400 s: an equal end is a day later
    return sa.case((Session.duration > 0, Session.duration), else_=wrapped // 60)


def in_range(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    """The WHERE of a report's sessions: the date range (``idx_sessions_date``) and filters.

    The statement must join ``enrolled_courses`` (``EnrolledCourse``) for the filters.
    """
    conditions: list[sa.ColumnElement[bool]] = [
        Session.session_date >= query.date_from,
        Session.session_date <= query.date_to,
    ]
    if query.tutor is not None:
        conditions.append(EnrolledCourse.tutor_id == query.tutor)
    if query.student is not None:
        conditions.append(EnrolledCourse.student_id == query.student)
    if query.course is not None:
        conditions.append(EnrolledCourse.course_id == query.course)
    return conditions


# Bits of GROUPING(tutor_id, student_id, course_id, week): 1 = not grouped by that column.
_BY_TUTOR = 0b0111
_BY_STUDENT = 0b1011
_BY_COURSE = 0b1101
_BY_TUTOR_WEEK = 0b0110
_BY_COURSE_WEEK = 0b1100
_BY_WEEK = 0b1110
_TOTAL = 0b1111


def _late_cancellation() -> sa.ColumnElement[bool]:
    """True when a cancelled session's current cancellation (latest not restored) was late.

    Evaluated for cancelled sessions only (inside a CASE), one probe of
    ``idx_session_cancellations_session`` each.
    """
    current = (
        sa.select(SessionCancellation.is_late)
        .where(
            SessionCancellation.session_id == Session.id,
            SessionCancellation.restored_at.is_(None),
        )
        .order_by(SessionCancellation.cancelled_at.desc(), SessionCancellation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.case((Session.status == "cancelled", sa.func.coalesce(current, False)), else_=False)


def _reviews() -> sa.Subquery:
    """Per session: the sum and number of its students' and parents' ratings (LATERAL).

    The tutor's own review of a lesson is about the student, not the tutor, so
    it stays out of a tutor's average.
    """
    return (
        sa.select(
            sa.func.sum(SessionReview.rating).label("rating_sum"),
            sa.func.count().label("reviews"),
        )
        .where(
            SessionReview.session_id == Session.id,
            SessionReview.author_role.in_(RATED_BY),
        )
        .lateral("reviews")
    )


def _facts(query: ReportQuery, now: datetime) -> sa.Subquery:
    """One row per session of the report, with what the sums need."""
    minutes = session_minutes()
    status = Session.status
    completed = status == "completed"
    started = sa.or_(completed, (Session.session_date + Session.start_time) <= now)
    attendance = sa.case(
        (sa.or_(status == "cancelled", sa.not_(started)), sa.null()),
        (SessionAttendance.session_id.is_(None), sa.literal(NOT_TAKEN)),
        (Session.student_attendance_status.in_(RECORDED), Session.student_attendance_status),
        else_=sa.literal(NOT_TAKEN),
    )
    reviews = _reviews()
    return (
        sa.select(
            EnrolledCourse.tutor_id.label("tutor_id"),
            EnrolledCourse.student_id.label("student_id"),
            EnrolledCourse.course_id.label("course_id"),
            sa.func.to_char(Session.session_date, 'IYYY-"W"IW').label("week"),
            status.label("status"),
            _late_cancellation().label("late_cancel"),
            sa.case(
                (sa.and_(completed, Session.tutor_attendance_status.in_(ATTENDED)), minutes),
                else_=0,
            ).label("taught"),
            sa.case(
                (sa.and_(completed, Session.student_attendance_status.in_(ATTENDED)), minutes),
                else_=0,
            ).label("attended"),
            attendance.label("attendance"),
            reviews.c.rating_sum,
            reviews.c.reviews,
        )
        .select_from(Session)
        .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .outerjoin(SessionAttendance, SessionAttendance.session_id == Session.id)
        .outerjoin(reviews, sa.true())
        .where(*in_range(query))
        .subquery("facts")
    )


def _statement(query: ReportQuery, now: datetime) -> sa.Select:
    facts = _facts(query, now)
    f = facts.c
    count_if = lambda condition: sa.func.count().filter(condition)  # noqa: E731
    sums = (
        sa.func.grouping(f.tutor_id, f.student_id, f.course_id, f.week).label("grouping"),
        f.tutor_id,
        f.student_id,
        f.course_id,
        f.week,
        sa.func.count().label("sessions"),
        count_if(f.status == "completed").label("completed"),
        count_if(f.status == "cancelled").label("cancelled"),
        count_if(f.late_cancel).label("late_cancelled"),
        sa.func.coalesce(sa.func.sum(f.taught), 0).label("taught_minutes"),
        sa.func.coalesce(sa.func.sum(f.attended), 0).label("attended_minutes"),
        sa.func.count(sa.distinct(f.student_id)).label("students"),
        sa.func.coalesce(sa.func.sum(f.rating_sum), 0).label("rating_sum"),
        sa.func.coalesce(sa.func.sum(f.reviews), 0).label("reviews"),
        *(count_if(f.attendance == value).label(value) for value in ATTENDANCE_COLUMNS),
    )
    grouped = (
        sa.select(*sums)
        .group_by(
            sa.func.grouping_sets(
                sa.tuple_(f.tutor_id),
                sa.tuple_(f.student_id),
                sa.tuple_(f.course_id),
                sa.tuple_(f.tutor_id, f.week),
                sa.tuple_(f.course_id, f.week),
                sa.tuple_(f.week),
                sa.tuple_(),
            )
        )
        .subquery("sums")
    )
    tutor, student = aliased(User, name="tutor"), aliased(User, name="student")
    g = grouped.c
    return (
        sa.select(
            grouped,
            tutor.full_name.label("tutor_name"),
            student.full_name.label("student_name"),
            Course.title.label("course_title"),
        )
        .select_from(grouped)
        .outerjoin(tutor, tutor.id == g.tutor_id)
        .outerjoin(student, student.id == g.student_id)
        .outerjoin(Course, Course.id == g.course_id)
    )


#: The columns of a grouped row that make a ``Tally`` (besides the attendance counts).
_TALLY_COLUMNS = (
    "sessions",
    "completed",
    "cancelled",
    "late_cancelled",
    "taught_minutes",
    "attended_minutes",
    "students",
    "rating_sum",
    "reviews",
)


def _tally_reader(keys: list[str]) -> Callable[[Any], Tally]:
    """A function making a ``Tally`` of a row of these columns, reading them by position.

    A centre's report tallies ~40,000 groups at 1M sessions; reading by name
    (``row.x`` / ``row._mapping[x]``) cost more than the rest of the page.
    """
    pick = itemgetter(*(keys.index(name) for name in _TALLY_COLUMNS))
    counts = itemgetter(*(keys.index(value) for value in ATTENDANCE_COLUMNS))

    def read(row: Any) -> Tally:
        sessions, completed, cancelled, late, taught, attended, students, rating, reviews = pick(
            row
        )
        return Tally(
            sessions=sessions,
            completed=completed,
            cancelled=cancelled,
            late_cancelled=late,
            taught_minutes=int(taught),
            attended_minutes=int(attended),
            students=students,
            rating_sum=int(rating),
            reviews=int(reviews),
            attendance=dict(zip(ATTENDANCE_COLUMNS, counts(row), strict=True)),
        )

    return read


def _by_name(lines: Iterable[Line]) -> list[Line]:
    return sorted(lines, key=lambda line: (line.name.casefold(), line.id))


def build_report(query: ReportQuery, now: datetime) -> Report:
    """Every figure of ``query``'s report; one query.

    ``now`` is the centre's wall-clock time (naive, schedule zone): sessions
    starting later have no attendance yet.
    """
    tutors: list[Line] = []
    students: list[Line] = []
    courses: list[Line] = []
    per_week: dict[str, Tally] = {}
    tutor_weeks: dict[int, dict[str, int]] = {}
    course_weeks: dict[int, dict[str, int]] = {}
    total = Tally()
    result = core_rows(_statement(query, now))
    tally_of = _tally_reader(list(result.keys()))
    for row in result.all():  # one fetchall
        kind = row.grouping
        if kind == _BY_TUTOR:
            tutors.append(Line(row.tutor_id, row.tutor_name, tally_of(row)))
        elif kind == _BY_STUDENT:
            students.append(Line(row.student_id, row.student_name, tally_of(row)))
        elif kind == _BY_COURSE:
            courses.append(Line(row.course_id, row.course_title, tally_of(row)))
        elif kind == _BY_TUTOR_WEEK:
            tutor_weeks.setdefault(row.tutor_id, {})[row.week] = int(row.taught_minutes)
        elif kind == _BY_COURSE_WEEK:
            course_weeks.setdefault(row.course_id, {})[row.week] = int(row.taught_minutes)
        elif kind == _BY_WEEK:
            per_week[row.week] = tally_of(row)
        elif kind == _TOTAL:
            total = tally_of(row)
    return Report(
        query=query,
        weeks=weeks_between(query.date_from, query.date_to),
        tutors=_by_name(tutors),
        students=_by_name(students),
        courses=_by_name(courses),
        total=total,
        per_week=per_week,
        tutor_weeks=tutor_weeks,
        course_weeks=course_weeks,
    )


def filter_choices(tutor_id: int | None) -> FilterOptions:
    """The report form's drop-downs: everyone for the centre, a tutor's own people otherwise.

    For a tutor, the students and courses of the enrolments they teach (and no
    tutor list: their reports are their own); one query either way.
    """
    if tutor_id is None:
        return filter_options()
    rows = core_rows(
        sa.union_all(
            sa.select(sa.literal("student").label("kind"), User.id, User.full_name.label("name"))
            .join(EnrolledCourse, EnrolledCourse.student_id == User.id)
            .where(EnrolledCourse.tutor_id == tutor_id),
            sa.select(sa.literal("course"), Course.id, Course.title)
            .join(EnrolledCourse, EnrolledCourse.course_id == Course.id)
            .where(EnrolledCourse.tutor_id == tutor_id),
        )
    ).all()
    grouped: dict[str, dict[int, str]] = {"student": {}, "course": {}}
    for kind, id_, name in rows:
        grouped[kind][id_] = name

    def options(kind: str) -> list[Option]:
        return [
            Option(id=id_, name=name)
            for id_, name in sorted(grouped[kind].items(), key=lambda item: (item[1], item[0]))
        ]

    return FilterOptions(tutors=[], students=options("student"), courses=options("course"))
