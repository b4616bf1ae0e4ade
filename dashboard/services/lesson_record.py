"""What the session page tells about a lesson beyond its columns, in one query.

Who took attendance and when (``session_attendance``), the current
cancellation with its reason (``session_cancellations``: the latest row not
restored), and the lesson notes (``session_notes``). Which of these a viewer
may see is decided by the route (``permissions.may_read_private_note``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.choices import CANCELLATION_REASON_LABELS
from dashboard.extensions import db
from dashboard.models import SessionAttendance, SessionCancellation, SessionNote, User


@dataclass(frozen=True)
class CancellationView:
    """Why and when a session was cancelled."""

    reason: str
    reason_text: str | None
    is_late: bool
    cancelled_at: datetime
    cancelled_by_name: str | None

    @property
    def label(self) -> str:
        """The reason in words, with the free text for "other"."""
        words = CANCELLATION_REASON_LABELS.get(self.reason, self.reason)
        return f"{words}: {self.reason_text}" if self.reason_text else words


@dataclass(frozen=True)
class LessonRecord:
    """Attendance taken, the current cancellation and the notes of one session."""

    attendance_taken_at: datetime | None
    attendance_taken_by: str | None
    cancellation: CancellationView | None
    public_note: str | None
    private_note: str | None
    notes_updated_at: datetime | None
    notes_updated_by: str | None


def current_cancellation_id(session_id: int | sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The id of the session's current cancellation: its latest row not restored.

    Reads an alias of the table, so it can sit inside statements that also
    name ``session_cancellations`` (a join, an UPDATE) without being correlated away;
    everything else it names (``session_id``'s table) is taken from the
    enclosing statements, however deep it sits (``sessions.csv`` nests it twice).
    """
    latest = aliased(SessionCancellation, name="latest_cancellation")
    return (
        sa.select(latest.id)
        .where(latest.session_id == session_id, latest.restored_at.is_(None))
        .order_by(latest.cancelled_at.desc(), latest.id.desc())
        .limit(1)
        .correlate_except(latest)
        .scalar_subquery()
    )


def cancellation_label(
    reason: sa.ColumnElement[str], reason_text: sa.ColumnElement[str | None]
) -> sa.ColumnElement[str]:
    """SQL for ``CancellationView.label``: the reason in words, then ": text" when there is one.

    The words come from ``CANCELLATION_REASON_LABELS``, so an export written by
    PostgreSQL (``sessions.csv``) says a reason exactly as the pages do.
    """
    words = sa.case(
        *((reason == code, sa.literal(text)) for code, text in CANCELLATION_REASON_LABELS.items()),
        else_=reason,
    )
    return sa.func.concat_ws(": ", words, sa.func.nullif(reason_text, ""))


def lesson_record(session_id: int) -> LessonRecord:
    """Everything above for one session; one query (empty values when nothing is recorded)."""
    taker = aliased(User, name="taker")
    canceller = aliased(User, name="canceller")
    writer = aliased(User, name="writer")
    anchor = sa.select(sa.literal(session_id).label("id")).subquery()
    row = db.session.execute(
        sa.select(
            SessionAttendance.taken_at,
            taker.full_name,
            SessionCancellation.reason,
            SessionCancellation.reason_text,
            SessionCancellation.is_late,
            SessionCancellation.cancelled_at,
            canceller.full_name,
            SessionNote.public_note,
            SessionNote.private_note,
            SessionNote.updated_at,
            writer.full_name,
        )
        .select_from(anchor)
        .outerjoin(SessionAttendance, SessionAttendance.session_id == anchor.c.id)
        .outerjoin(taker, taker.id == SessionAttendance.taken_by)
        .outerjoin(
            SessionCancellation,
            SessionCancellation.id == current_cancellation_id(anchor.c.id),
        )
        .outerjoin(canceller, canceller.id == SessionCancellation.cancelled_by)
        .outerjoin(SessionNote, SessionNote.session_id == anchor.c.id)
        .outerjoin(writer, writer.id == SessionNote.updated_by)
    ).one()
    cancellation = (
        CancellationView(row[2], row[3], bool(row[4]), row[5], row[6])
        if row[2] is not None
        else None
    )
    return LessonRecord(row[0], row[1], cancellation, row[7], row[8], row[9], row[10])


def current_cancellations(session_ids: Iterable[int]) -> dict[int, CancellationView]:
    """The current cancellation of each of these sessions that has one; one query.

    For exports (calendar feeds, reports): the reason goes with the session.
    """
    ids = sorted(set(session_ids))
    if not ids:
        return {}
    canceller = aliased(User, name="canceller")
    found = db.session.execute(
        sa.select(
            SessionCancellation.session_id,
            SessionCancellation.reason,
            SessionCancellation.reason_text,
            SessionCancellation.is_late,
            SessionCancellation.cancelled_at,
            canceller.full_name,
        )
        .outerjoin(canceller, canceller.id == SessionCancellation.cancelled_by)
        .where(
            SessionCancellation.session_id.in_(ids),
            SessionCancellation.id == current_cancellation_id(SessionCancellation.session_id),
        )
    )
    return {row[0]: CancellationView(*row[1:]) for row in found}
