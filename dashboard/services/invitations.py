"""Invitations: a new person chooses their password through a one-time emailed link.

``send_invitation(user)`` is what ``/admin/people/new`` (and "Resend
invitation") calls: it creates the link (valid 7 days, single use, stored
hashed; a resend revokes the previous one) and queues the email in the
caller's transaction. ``invitation_status`` is what the person's admin page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from dashboard.choices import EMAIL_INVITATION, TOKEN_INVITATION
from dashboard.extensions import db
from dashboard.jobs import defer
from dashboard.models import User, UserToken
from dashboard.services import one_time_links

#: What the coordinator sees of the latest invitation.
STATE_QUEUED = "queued"
STATE_SENT = "sent"
STATE_USED = "used"
STATE_EXPIRED = "expired"


def send_invitation(user: User) -> None:
    """Create ``user``'s invitation link and queue its email; the caller commits.

    ``user`` may have just been added in this transaction (it is flushed for its id).
    """
    if user.id is None:
        db.session.flush()
    link = one_time_links.new_link(user.id, TOKEN_INVITATION)
    defer("send_email", kind=EMAIL_INVITATION, user_id=user.id, token_id=link.id)


@dataclass(frozen=True)
class InvitationStatus:
    """The newest invitation of a person: where it stands and when."""

    state: str  # queued, sent, used or expired
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime
    used_at: datetime | None


def invitation_status(user_id: int) -> InvitationStatus | None:
    """The newest invitation of ``user_id`` (None if never invited); one query."""
    link = db.session.scalar(
        sa.select(UserToken)
        .where(UserToken.user_id == user_id, UserToken.purpose == TOKEN_INVITATION)
        .order_by(UserToken.created_at.desc(), UserToken.id.desc())
        .limit(1)
    )
    if link is None:
        return None
    if link.used_at is not None:
        state = STATE_USED
    elif link.expires_at <= one_time_links.now():
        state = STATE_EXPIRED
    elif link.sent_at is None:
        state = STATE_QUEUED
    else:
        state = STATE_SENT
    return InvitationStatus(state, link.created_at, link.sent_at, link.expires_at, link.used_at)
