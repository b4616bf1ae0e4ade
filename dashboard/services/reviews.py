"""Reviews of completed sessions, behind the seed's three ``*_review_id`` columns.

A session has at most one review per author role (student, tutor, parent;
``session_reviews`` is unique on the pair). Saving a new review also points
the session's ``<role>_review_id`` at it, through ``write_session`` (the one
write path, audited) in the same transaction. The seed puts no foreign key on
those columns, so this module is what keeps them consistent, and
``verify-schema`` reports any id that points at nothing
(``schema_contract.DANGLING_REVIEWS_SQL``).

Nothing here commits; the caller commits on success and rolls back on a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from dashboard.choices import (
    REVIEW_COMMENT_MAX,
    REVIEW_EDIT_DAYS,
    REVIEW_RATINGS,
    ROLE_PARENT,
    ROLE_STUDENT,
)
from dashboard.extensions import db
from dashboard.models import Session, SessionReview, User
from dashboard.services.session_views import SessionView
from dashboard.services.session_writes import (
    EditRejected,
    InvalidEdit,
    SessionGone,
    write_session,
)

NOT_COMPLETED_MESSAGE = "A session can be reviewed once it is completed."
#: The ``sessions`` column that points at each role's review.
REVIEW_COLUMNS: dict[str, str] = {
    "student": "student_review_id",
    "tutor": "tutor_review_id",
    "parent": "parent_review_id",
}


class ReviewRefused(EditRejected):
    """Someone else's review (another parent wrote it): not the user's to change."""

    status = 403


@dataclass(frozen=True)
class ReviewView:
    """A review as pages show it."""

    id: int
    session_id: int
    author_id: int | None
    author_name: str | None
    author_role: str
    rating: int
    comment: str | None
    created_at: datetime
    updated_at: datetime

    def editable_by(self, user_id: int, now: datetime | None = None) -> bool:
        """Its author may change it for ``REVIEW_EDIT_DAYS`` after writing it."""
        return self.author_id == user_id and not edit_window_closed(self.created_at, now)


def awaits_review(role: str, user_id: int, session: SessionView) -> bool:
    """Should a student's or parent's Past tab ask "How was it?" for this session?

    Completed, and no review yet of the viewer's kind. Needs no query: the
    student must be the session's own; a parent's pages list only their
    children's sessions (the review page checks the link again).
    """
    if session.status != "completed":
        return False
    if role == ROLE_STUDENT:
        return session.student_id == user_id and session.student_review_id is None
    if role == ROLE_PARENT:
        return session.parent_review_id is None
    return False


def edit_window_closed(created_at: datetime, now: datetime | None = None) -> bool:
    """True once a review is older than the edit window."""
    return (now or datetime.now(UTC)) - created_at > timedelta(days=REVIEW_EDIT_DAYS)


def parse_review(rating: str | None, comment: str | None) -> tuple[int, str | None]:
    """The rating (1–5) and comment (≤ 2,000 characters, no NUL) of a review form; 422 else."""
    if rating is None or rating.strip() not in {str(r) for r in REVIEW_RATINGS}:
        raise InvalidEdit("Choose a rating from 1 to 5.", "rating")
    text = (comment or "").strip()
    if "\x00" in text:
        raise InvalidEdit("The comment contains a character that cannot be saved.", "comment")
    if len(text) > REVIEW_COMMENT_MAX:
        raise InvalidEdit(
            f"Keep the comment to {REVIEW_COMMENT_MAX:,} characters (it has {len(text):,}).",
            "comment",
        )
    return int(rating.strip()), text or None


def _review_select() -> sa.Select:
    return sa.select(
        SessionReview.id,
        SessionReview.session_id,
        SessionReview.author_id,
        User.full_name,
        SessionReview.author_role,
        SessionReview.rating,
        SessionReview.comment,
        SessionReview.created_at,
        SessionReview.updated_at,
    ).outerjoin(User, User.id == SessionReview.author_id)


def reviews_of(session_id: int, roles: Iterable[str] | None = None) -> dict[str, ReviewView]:
    """The session's reviews by author role (only ``roles``, if given); one query."""
    statement = _review_select().where(SessionReview.session_id == session_id)
    if roles is not None:
        wanted = list(roles)
        if not wanted:
            return {}
        statement = statement.where(SessionReview.author_role.in_(wanted))
    return {row.author_role: ReviewView(*row) for row in db.session.execute(statement)}


def save_review(
    session_id: int,
    role: str,
    user_id: int,
    rating: int,
    comment: str | None,
    now: datetime | None = None,
) -> ReviewView:
    """Write (or, within the edit window, change) the ``role`` review of a completed session.

    The session row is locked first, so two parents saving at once are
    serialised: the second finds the first's review and is refused (403).
    A new review's id is written to ``sessions.<role>_review_id`` through
    ``write_session`` with the version just locked (the reviewer did not edit
    the session's fields, so a colleague's edit must not make them start over).
    """
    moment = now or datetime.now(UTC)
    locked = db.session.execute(
        sa.select(Session.status, Session.updated_at, getattr(Session, REVIEW_COLUMNS[role]))
        .where(Session.id == session_id)
        .with_for_update()
    ).one_or_none()
    if locked is None:
        raise SessionGone(f"There is no session #{session_id}.")
    status, version, pointer = locked
    if status != "completed":
        raise InvalidEdit(NOT_COMPLETED_MESSAGE)
    review = db.session.scalars(
        sa.select(SessionReview)
        .where(SessionReview.session_id == session_id, SessionReview.author_role == role)
        .with_for_update()
    ).one_or_none()
    if review is None:
        review = SessionReview(
            session_id=session_id,
            author_id=user_id,
            author_role=role,
            rating=rating,
            comment=comment,
            created_at=moment,
            updated_at=moment,
        )
        db.session.add(review)
        db.session.flush()
    elif review.author_id != user_id:
        raise ReviewRefused(f"This session's {role} review was written by someone else.")
    elif edit_window_closed(review.created_at, moment):
        raise InvalidEdit(
            f"A review can be changed for {REVIEW_EDIT_DAYS} days after it was written."
        )
    else:
        review.rating, review.comment, review.updated_at = rating, comment, moment
        db.session.flush()
    if pointer != review.id:
        write_session(session_id, version, {REVIEW_COLUMNS[role]: review.id}, user_id)
    found = reviews_of(session_id, [role])
    return found[role]
