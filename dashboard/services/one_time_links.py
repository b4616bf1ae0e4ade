"""One-time links sent by email (``user_tokens``): invitations and password resets.

The life of a link:

1. ``new_link(user_id, purpose)`` (in a request) adds a row with its expiry and
   no secret yet; the caller queues the email in the same transaction. Older
   unused links of the same purpose for that person are revoked (deleted), so
   only the newest one works.
2. ``issue_secret(token_id)`` (in the worker, just before sending) makes the
   random secret and stores only its SHA-256; the clear secret goes into the
   email and nowhere else.
3. ``usable_link(secret, purpose)`` finds a link that is unused, unexpired and
   belongs to an active account; ``use_link`` sets the password and marks the
   link used, under a row lock, so two submits of one link set it once.

Writes happen in the caller's transaction (the caller commits).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from dashboard.choices import TOKEN_INVITATION, TOKEN_PASSWORD_RESET, TOKEN_PURPOSES
from dashboard.extensions import db
from dashboard.models import User, UserToken
from dashboard.services.accounts import check_new_password

#: How long a link works after it was asked for.
LIFETIMES: dict[str, timedelta] = {
    TOKEN_INVITATION: timedelta(days=7),
    TOKEN_PASSWORD_RESET: timedelta(hours=1),
}

#: ``secrets.token_urlsafe(32)`` gives 43 characters of this alphabet.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_secret(secret: str) -> str:
    """What the database keeps of a link's secret (SHA-256, hex).

    A plain hash is enough: the secret is 256 random bits, not a password.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def now() -> datetime:
    """The current time, aware (links compare against timestamptz columns)."""
    return datetime.now(UTC)


def new_link(user_id: int, purpose: str) -> UserToken:
    """A fresh link for ``user_id``; older unused ones of ``purpose`` stop working."""
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    db.session.execute(
        sa.delete(UserToken).where(
            UserToken.user_id == user_id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
    )
    # now() is the transaction's start, the same instant created_at defaults to.
    link = UserToken(
        user_id=user_id, purpose=purpose, expires_at=sa.func.now() + LIFETIMES[purpose]
    )
    db.session.add(link)
    db.session.flush()
    return link


def issue_secret(token_id: int) -> tuple[UserToken, str] | None:
    """Make the secret of a queued link, store its hash; None if the link is gone or spent.

    Called by the worker right before sending. A retried send makes a new
    secret, so only the email that was actually delivered last holds a working link.
    """
    link = db.session.scalar(sa.select(UserToken).where(UserToken.id == token_id).with_for_update())
    if link is None or link.used_at is not None or link.expires_at <= now():
        return None
    secret = secrets.token_urlsafe(32)
    link.token_hash = hash_secret(secret)
    link.sent_at = now()
    db.session.flush()
    return link, secret


def usable_link(secret: str, purpose: str, *, lock: bool = False) -> UserToken | None:
    """The unused, unexpired link with this secret, of an active account; else None.

    A malformed secret (wrong length or characters, NUL bytes) is simply not
    found: it is hashed, never sent to PostgreSQL as it is.
    """
    if not _SECRET_SHAPE.fullmatch(secret):
        return None
    statement = (
        sa.select(UserToken)
        .join(User, User.id == UserToken.user_id)
        .where(
            UserToken.token_hash == hash_secret(secret),
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.expires_at > now(),
            User.is_active.is_(True),
        )
    )
    if lock:
        statement = statement.with_for_update(of=UserToken)
    return db.session.scalar(statement)


class LinkUnusable(LookupError):
    """The link is unknown, used, expired or its account deactivated."""


def use_link(secret: str, purpose: str, password: str) -> User:
    """Set the account's password through a link, once; raises ``LinkUnusable``/``AccountError``.

    The new password hash changes the sign-in fingerprint (``User.get_id``), so
    every browser signed in to the account is signed out. Every other unused
    link of the account (invitations and resets alike) stops working too.
    """
    check_new_password(password)
    link = usable_link(secret, purpose, lock=True)
    if link is None:
        raise LinkUnusable
    user = db.session.get(User, link.user_id)
    assert user is not None  # the join in usable_link found it
    user.password_hash = generate_password_hash(password)
    link.used_at = now()
    db.session.execute(
        sa.delete(UserToken).where(
            UserToken.user_id == user.id,
            UserToken.used_at.is_(None),
            UserToken.id != link.id,
        )
    )
    db.session.flush()
    return user
