"""Students' and parents' pages: the next sessions, the featured ones, the past ones.

"Upcoming" means the session has not ended yet (one in progress is "now");
"past" means it has ended. The comparison is made by PostgreSQL on absolute
instants (the stored wall-clock read in the schedule zone), so DST changes
cannot misfile a session; a padded ``session_date`` bound lets it use
``idx_sessions_date``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.choices import ROLE_PARENT
from dashboard.extensions import db
from dashboard.models import ParentStudent, Session, User
from dashboard.services.calendar import localise
from dashboard.services.core_rows import core_rows
from dashboard.services.session_views import (
    SessionView,
    check_view_columns,
    fetch_session_views,
    of_students,
    session_view_select,
)

#: The two tabs of a student's or parent's page (``?tab=``), the first is the default.
TABS: tuple[str, ...] = ("upcoming", "past")
#: How many upcoming sessions a page lists (featured ones are always included).
UPCOMING_LIMIT = 50
#: Past sessions per page of the "past" tab.
PAST_PAGE_SIZE = 25


@dataclass(frozen=True)
class Child:
    """A student linked to a parent."""

    id: int
    full_name: str


@dataclass(frozen=True)
class Family:
    """A parent and the children linked to them (possibly none)."""

    parent: User
    children: list[Child]


@dataclass(frozen=True)
class TimelineItem:
    """A session on a student's or parent's page, with times in the viewer's zone."""

    session: SessionView
    start: datetime
    end: datetime
    relative: str


@dataclass(frozen=True)
class Upcoming:
    """The upcoming tab: the list, and the featured sessions for the strip on top."""

    items: list[TimelineItem]
    featured: list[TimelineItem]
    more: bool


@dataclass(frozen=True)
class Past:
    """One page of the past tab, most recent first."""

    items: list[TimelineItem]
    page: int
    has_older: bool


def family_of(parent_id: int) -> Family | None:
    """The parent with this id and their children, in one query; None if no such parent."""
    child = aliased(User, name="child")
    rows = db.session.execute(
        sa.select(User, child.id, child.full_name)
        .outerjoin(ParentStudent, ParentStudent.parent_id == User.id)
        .outerjoin(child, child.id == ParentStudent.student_id)
        .where(User.id == parent_id, User.role == ROLE_PARENT)
        .order_by(child.full_name, child.id)
    ).all()
    if not rows:
        return None
    children = [Child(id=row[1], full_name=row[2]) for row in rows if row[1] is not None]
    return Family(parent=rows[0][0], children=children)


def _ends_at(schedule_zone: str | sa.BindParameter) -> sa.ColumnElement[datetime]:
    """The session's end as an absolute instant (an end before the start is next day)."""
    end_day = sa.case(
        (Session.end_time <= Session.start_time, Session.session_date + 1),
        else_=Session.session_date,
    )
    return sa.func.timezone(schedule_zone, end_day + Session.end_time)


@cache
def _upcoming_statement() -> sa.Select:
    """The statement of ``upcoming_sessions``, built once (its subquery is costly to build).

    Parameters: ``student_ids``, ``since`` (a date), ``zone``, ``now``, ``listed``.
    """
    rank = sa.func.row_number().over(
        order_by=(Session.session_date, Session.start_time, Session.id)
    )
    ranked = (
        session_view_select()
        .add_columns(rank.label("rank"))
        .where(
            of_students(sa.bindparam("student_ids", expanding=True)),
            Session.session_date >= sa.bindparam("since", type_=sa.Date),
            _ends_at(sa.bindparam("zone", type_=sa.String))
            > sa.bindparam("now", type_=sa.DateTime(timezone=True)),
        )
        .subquery()
    )
    return (
        sa.select(*(ranked.c[name] for name in SessionView._fields), ranked.c.rank)
        .where(
            sa.or_(
                ranked.c.rank <= sa.bindparam("listed", type_=sa.Integer),
                ranked.c.is_featured.is_(True),
            )
        )
        .order_by(ranked.c.rank)
    )


def upcoming_sessions(
    student_ids: list[int], now: datetime, schedule_tz: ZoneInfo, limit: int = UPCOMING_LIMIT
) -> tuple[list[SessionView], list[SessionView], bool]:
    """The next ``limit`` sessions not yet ended, and every upcoming featured one; one query.

    Returns (the next sessions, the featured ones, whether more upcoming sessions
    exist than the ``limit`` listed), each in start order.
    """
    if not student_ids:
        return [], [], False
    params = {
        "student_ids": student_ids,
        "since": now.astimezone(schedule_tz).date() - timedelta(days=1),
        "zone": schedule_tz.key,
        "now": now,
        "listed": limit + 1,
    }
    statement = _upcoming_statement()
    listed: list[SessionView] = []
    featured: list[SessionView] = []
    more = False
    result = core_rows(statement, params)
    check_view_columns(result.keys(), extra=("rank",))
    for *columns, rank in result:
        view = SessionView(*columns)
        if rank <= limit:
            listed.append(view)
        else:
            more = True
        if view.is_featured:
            featured.append(view)
    return listed, featured, more


def past_sessions(
    student_ids: list[int],
    now: datetime,
    schedule_tz: ZoneInfo,
    page: int = 1,
    page_size: int = PAST_PAGE_SIZE,
) -> tuple[list[SessionView], bool]:
    """One page of ended sessions, most recent first, and whether older ones exist; one query."""
    if not student_ids:
        return [], False
    today = now.astimezone(schedule_tz).date()
    statement = (
        session_view_select()
        .where(
            of_students(student_ids),
            Session.session_date <= today + timedelta(days=1),
            _ends_at(schedule_tz.key) <= now,
        )
        .order_by(Session.session_date.desc(), Session.start_time.desc(), Session.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    sessions = fetch_session_views(statement)
    return sessions[:page_size], len(sessions) > page_size


def relative_time(start: datetime, end: datetime, now: datetime) -> str:
    """How far away a session is, in words: "now", "in 3 hours", "tomorrow", "2 days ago".

    ``start``, ``end`` and ``now`` are aware and in the viewer's zone, so
    "tomorrow" means the viewer's tomorrow.
    """
    if start <= now < end:
        return "now"
    if now < start:
        seconds = (start - now).total_seconds()
        days = (start.date() - now.date()).days
        if seconds < 3600:
            return _plural(max(1, math.ceil(seconds / 60)), "minute", future=True)
        if days == 0 or seconds < 6 * 3600:
            return _plural(round(seconds / 3600), "hour", future=True)
        if days == 1:
            return "tomorrow"
        if days < 14:
            return _plural(days, "day", future=True)
        if days < 60:
            return _plural(days // 7, "week", future=True)
        return _plural(round(days / 30), "month", future=True)
    seconds = (now - end).total_seconds()
    days = (now.date() - end.date()).days
    if days == 0:
        if seconds < 3600:
            return _plural(max(1, math.floor(seconds / 60)), "minute", future=False)
        return _plural(round(seconds / 3600), "hour", future=False)
    if days == 1:
        return "yesterday"
    if days < 14:
        return _plural(days, "day", future=False)
    if days < 60:
        return _plural(days // 7, "week", future=False)
    return _plural(round(days / 30), "month", future=False)


def _plural(count: int, unit: str, *, future: bool) -> str:
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if future else f"{words} ago"


def timeline(
    sessions: list[SessionView], now: datetime, schedule_tz: ZoneInfo, viewer_tz: ZoneInfo
) -> list[TimelineItem]:
    """Sessions with their viewer-local times and relative-time labels."""
    local_now = now.astimezone(viewer_tz)
    items = []
    for session in sessions:
        entry = localise(session, schedule_tz, viewer_tz)
        items.append(
            TimelineItem(
                session, entry.start, entry.end, relative_time(entry.start, entry.end, local_now)
            )
        )
    return items


def upcoming_for(
    student_ids: list[int], now: datetime, schedule_tz: ZoneInfo, viewer_tz: ZoneInfo
) -> Upcoming:
    """The upcoming tab for these students."""
    listed, featured, more = upcoming_sessions(student_ids, now, schedule_tz)
    return Upcoming(
        items=timeline(listed, now, schedule_tz, viewer_tz),
        featured=timeline(featured, now, schedule_tz, viewer_tz),
        more=more,
    )


def past_for(
    student_ids: list[int], now: datetime, page: int, schedule_tz: ZoneInfo, viewer_tz: ZoneInfo
) -> Past:
    """One page of the past tab for these students."""
    sessions, has_older = past_sessions(student_ids, now, schedule_tz, page)
    return Past(timeline(sessions, now, schedule_tz, viewer_tz), page, has_older)
