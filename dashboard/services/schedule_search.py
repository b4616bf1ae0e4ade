"""The coordinator's schedule list: filters, text search, sorting and pages.

Every filter lives in the query string (``ScheduleQuery.args``) so a view is
bookmarkable. A page of results and the total count come from one query (the
count is an uncorrelated sub-SELECT evaluated once); the filter drop-downs from
another (``filter_options``), run only when the whole page is drawn.

The count is exact up to ``COUNT_CAP`` rows past the current page and capped
beyond ("Showing 1–25 of 1,000+ sessions"): counting every match would read
every session of a wide filter (tens of thousands of rows at a million
sessions), while the page itself needs only its first rows in date order.
Pagination still reaches every row: each page counts ``COUNT_CAP`` further.
Dates in the range filter are the viewer's local dates, like the dates shown.

Without ``from`` and ``to`` the list shows a window around today (a week back,
four weeks ahead): the schedule a coordinator works with, and a range
``idx_sessions_date`` answers without reading the whole table. ``from=`` and
``to=`` given empty mean "no bound", so every date is one click away.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

import sqlalchemy as sa

from dashboard.choices import PRIORITY_LEVELS, ROLE_STUDENT, ROLE_TUTOR, SESSION_STATUSES
from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, User
from dashboard.query_params import BadParameter, iso_date, one_of, optional_one_of, positive_int
from dashboard.services.core_rows import core_rows
from dashboard.services.session_views import (
    SessionView,
    check_view_columns,
    enrolled_in,
    session_view_select,
)

PAGE_SIZE = 25
#: The count stops this many rows past the current page's first row ("1,000+").
COUNT_CAP = 1000
#: Longest search text we accept (anything longer is a mistake or abuse).
MAX_QUERY_LENGTH = 200
SORT_KEYS: tuple[str, ...] = (
    "date",
    "course",
    "student",
    "tutor",
    "status",
    "priority",
    "featured",
)
DIRECTIONS: tuple[str, ...] = ("asc", "desc")
FEATURED_CHOICES: tuple[str, ...] = ("yes", "no")
DEFAULT_SORT = "date"
DEFAULT_DIRECTION = "asc"
#: Padding of the stored-date bound that lets the local-date filter use idx_sessions_date.
DATE_PADDING = timedelta(days=2)
#: The default date window, relative to the viewer's today.
WINDOW_BEFORE = timedelta(days=7)
WINDOW_AFTER = timedelta(days=28)


def default_window(today: date) -> tuple[date, date]:
    """The dates shown when the query string has neither ``from`` nor ``to``."""
    return today - WINDOW_BEFORE, today + WINDOW_AFTER


@dataclass(frozen=True)
class ScheduleQuery:
    """What the coordinator asked for; every field maps to one query-string key.

    ``date_from``/``date_to`` None means no bound; ``window`` is the default
    range (what an absent ``from``/``to`` means), so ``args`` can leave it out.
    """

    tutor: int | None = None
    student: int | None = None
    course: int | None = None
    status: str | None = None
    priority: str | None = None
    featured: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    dir: str = DEFAULT_DIRECTION
    page: int = 1
    window: tuple[date | None, date | None] = (None, None)

    #: query-string key of each field (``from``/``to`` are Python keywords)
    KEYS = {"date_from": "from", "date_to": "to"}
    _NOT_FILTERS = ("sort", "dir", "page", "window", "date_from", "date_to")

    @property
    def in_window(self) -> bool:
        """True when the dates are the default window."""
        return (self.date_from, self.date_to) == self.window

    @property
    def is_filtered(self) -> bool:
        """True when anything but the dates narrows the list."""
        defaults = ScheduleQuery()
        return any(
            getattr(self, f.name) != getattr(defaults, f.name)
            for f in fields(self)
            if f.name not in self._NOT_FILTERS
        )

    @property
    def is_narrowed(self) -> bool:
        """True when any filter, the dates included, differs from the default list.

        The list then offers "Clear filters"; sorting and the page are not filters.
        """
        return self.is_filtered or not self.in_window

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments for this query with ``changes``; defaults are left out.

        The dates are left out while they are the default window; otherwise both
        are written, an open bound as an empty value.
        """
        query = replace(self, **changes)
        defaults = ScheduleQuery()
        out: dict[str, str] = {}
        for f in fields(query):
            if f.name in ("window", "date_from", "date_to"):
                continue
            value = getattr(query, f.name)
            if value != getattr(defaults, f.name) and value is not None:
                out[f.name] = str(value)
        if not query.in_window:
            out["from"] = query.date_from.isoformat() if query.date_from else ""
            out["to"] = query.date_to.isoformat() if query.date_to else ""
        return out

    def sort_args(self, key: str) -> dict[str, str]:
        """Arguments of the link on column ``key``: sort by it, flipping the direction."""
        direction = "desc" if self.sort == key and self.dir == "asc" else "asc"
        return self.args(sort=key, dir=direction, page=1)


@dataclass(frozen=True)
class ResultPage:
    """One page of the list."""

    rows: list[SessionView]
    total: int
    page: int
    page_size: int = PAGE_SIZE
    #: True when there are more than ``total`` rows (the count stopped at its cap).
    capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages the whole result has (at least 1); a capped count has one more."""
        return max(1, -(-self.total // self.page_size) + (1 if self.capped else 0))

    @property
    def total_label(self) -> str:
        """The total for people: ``56``, ``1,234``, or ``1,025+`` when capped."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown."""
        return (self.page - 1) * self.page_size + 1

    @property
    def last_index(self) -> int:
        """1-based position of the last row shown."""
        return self.first_index + len(self.rows) - 1

    def page_links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and a window around the current; None = gap."""
        wanted = {1, self.pages} | set(range(self.page - around, self.page + around + 1))
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        links: list[int | None] = []
        for n in numbers:
            if links and n - (links[-1] or 0) > 1:
                links.append(None)
            links.append(n)
        return links


@dataclass(frozen=True)
class Option:
    """One entry of a filter drop-down."""

    id: int
    name: str


@dataclass(frozen=True)
class FilterOptions:
    """The choices of the tutor, student and course drop-downs."""

    tutors: list[Option]
    students: list[Option]
    courses: list[Option]


def parse_schedule_query(args: Mapping[str, str], today: date) -> tuple[ScheduleQuery, list[str]]:
    """Read the query string; returns the query and a message per invalid value.

    ``today`` (the viewer's) places the default date window. Invalid values are
    left at their defaults in the returned query; the caller answers 400 and
    shows the messages.
    """
    errors: list[str] = []
    window = default_window(today)
    values: dict[str, object] = {"window": window}
    if "from" not in args and "to" not in args:
        values["date_from"], values["date_to"] = window

    def take(name: str, parse: Callable[[], object]) -> None:
        try:
            value = parse()
        except BadParameter as error:
            errors.append(str(error))
            return
        if value is not None:
            values[name] = value

    key = ScheduleQuery.KEYS
    take("tutor", lambda: positive_int("tutor", args.get("tutor")))
    take("student", lambda: positive_int("student", args.get("student")))
    take("course", lambda: positive_int("course", args.get("course")))
    take("status", lambda: optional_one_of("status", args.get("status"), SESSION_STATUSES))
    take("priority", lambda: optional_one_of("priority", args.get("priority"), PRIORITY_LEVELS))
    take("featured", lambda: optional_one_of("featured", args.get("featured"), FEATURED_CHOICES))
    take("date_from", lambda: iso_date("from", args.get(key["date_from"])))
    take("date_to", lambda: iso_date("to", args.get(key["date_to"])))
    take("sort", lambda: one_of("sort", args.get("sort"), SORT_KEYS, DEFAULT_SORT))
    take("dir", lambda: one_of("dir", args.get("dir"), DIRECTIONS, DEFAULT_DIRECTION))
    take("page", lambda: positive_int("page", args.get("page")))
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(f"The search text is too long (at most {MAX_QUERY_LENGTH} characters).")
    elif q:
        values["q"] = q
    query = ScheduleQuery(**values)  # type: ignore[arg-type]
    if query.date_from and query.date_to and query.date_from > query.date_to:
        errors.append("The 'from' date is after the 'to' date; swap them or clear one.")
    return query, errors


def like_pattern(term: str) -> str:
    r"""``%term%`` for ILIKE with ``\``, ``%`` and ``_`` in ``term`` matched literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_schedule(query: ScheduleQuery, viewer_zone: str, schedule_zone: str) -> ResultPage:
    """One page of the sessions matching ``query`` and the total; one query."""
    base = session_view_select()
    col = base.selected_columns
    conditions: list[sa.ColumnElement[bool]] = []
    enrolment: list[sa.ColumnElement[bool]] = []
    if query.tutor is not None:
        enrolment.append(EnrolledCourse.tutor_id == query.tutor)
    if query.student is not None:
        enrolment.append(EnrolledCourse.student_id == query.student)
    if query.course is not None:
        enrolment.append(EnrolledCourse.course_id == query.course)
    if enrolment:
        # The enrolments first (indexed), then their sessions by idx_sessions_enrolled_courses.
        conditions.append(enrolled_in(sa.select(EnrolledCourse.id).where(*enrolment)))
    if query.status is not None:
        conditions.append(Session.status == query.status)
    if query.priority is not None:
        conditions.append(Session.priority_level == query.priority)
    if query.featured is not None:
        conditions.append(Session.is_featured.is_(query.featured == "yes"))
    if viewer_zone == schedule_zone:
        # The viewer's dates are the stored dates: plain bounds, estimated well by the planner.
        if query.date_from:
            conditions.append(Session.session_date >= query.date_from)
        if query.date_to:
            conditions.append(Session.session_date <= query.date_to)
    elif query.date_from or query.date_to:
        local_start = sa.func.timezone(
            viewer_zone, sa.func.timezone(schedule_zone, Session.session_date + Session.start_time)
        )
        local_date = sa.cast(local_start, sa.Date)
        if query.date_from:
            conditions.append(Session.session_date >= query.date_from - DATE_PADDING)
            conditions.append(local_date >= query.date_from)
        if query.date_to:
            conditions.append(Session.session_date <= query.date_to + DATE_PADDING)
            conditions.append(local_date <= query.date_to)
    for term in query.q.split():
        pattern = like_pattern(term)
        conditions.append(
            sa.or_(
                col.course_title.ilike(pattern, escape="\\"),
                col.student_name.ilike(pattern, escape="\\"),
                col.tutor_name.ilike(pattern, escape="\\"),
                sa.cast(Session.topics, sa.Text).ilike(pattern, escape="\\"),
                sa.cast(Session.topics_covered, sa.Text).ilike(pattern, escape="\\"),
            )
        )

    offset = (query.page - 1) * PAGE_SIZE
    # Same FROM and WHERE, uncorrelated: an InitPlan run once. PostgreSQL drops the
    # LEFT JOINs no condition uses, so a plain filter counts sessions alone.
    matching = (
        base.with_only_columns(sa.literal(1))
        .where(*conditions)
        .limit(offset + COUNT_CAP + 1)
        .correlate(None)
        .subquery()
    )
    total = sa.select(sa.func.count()).select_from(matching).correlate(None).scalar_subquery()
    statement = (
        base.add_columns(total.label("total_count"))
        .where(*conditions)
        .order_by(*_order_by(query, base))
        .limit(PAGE_SIZE)
        .offset(offset)
    )
    result = core_rows(statement)
    check_view_columns(result.keys(), extra=("total_count",))
    rows = result.all()  # SessionView columns, then the count
    views = [SessionView(*row[:-1]) for row in rows]
    counted = rows[0][-1] if rows else 0
    capped = counted > offset + COUNT_CAP
    return ResultPage(
        rows=views, total=offset + COUNT_CAP if capped else counted, page=query.page, capped=capped
    )


def _ranked(column: sa.ColumnElement, values: tuple[str, ...]) -> sa.ColumnElement[int]:
    """Order of ``column`` by its place in ``values`` (priority low…urgent), unknown last."""
    return sa.case({value: index for index, value in enumerate(values)}, value=column, else_=99)


def _order_by(query: ScheduleQuery, base: sa.Select) -> list[sa.ColumnElement]:
    col = base.selected_columns
    keys: dict[str, list[sa.ColumnElement]] = {
        "date": [Session.session_date, Session.start_time],
        "course": [col.course_title],
        "student": [col.student_name],
        "tutor": [col.tutor_name],
        "status": [_ranked(Session.status, SESSION_STATUSES)],
        "priority": [_ranked(Session.priority_level, PRIORITY_LEVELS)],
        "featured": [sa.func.coalesce(Session.is_featured, False)],
    }
    descending = query.dir == "desc"
    order = [(c.desc() if descending else c.asc()).nulls_last() for c in keys[query.sort]]
    if query.sort != "date":
        order += [Session.session_date.asc(), Session.start_time.asc()]
    order.append(Session.id.desc() if descending and query.sort == "date" else Session.id.asc())
    return order


def filter_options() -> FilterOptions:
    """Tutors, students and courses for the filter drop-downs, in one query."""
    people = sa.union_all(
        sa.select(sa.literal("tutor").label("kind"), User.id, User.full_name.label("name")).where(
            User.role == ROLE_TUTOR
        ),
        sa.select(sa.literal("student"), User.id, User.full_name).where(User.role == ROLE_STUDENT),
        sa.select(sa.literal("course"), Course.id, Course.title),
    ).subquery()
    rows = db.session.execute(
        sa.select(people.c.kind, people.c.id, people.c.name).order_by(
            people.c.kind, people.c.name, people.c.id
        )
    ).all()
    grouped: dict[str, list[Option]] = {"tutor": [], "student": [], "course": []}
    for kind, id_, name in rows:
        grouped[kind].append(Option(id=id_, name=name))
    return FilterOptions(
        tutors=grouped["tutor"], students=grouped["student"], courses=grouped["course"]
    )
