"""Personal access tokens: make, list, revoke, and find the person behind a secret.

A secret is ``tdk_`` plus 32 random bytes (URL-safe base64), so it is long
enough that a plain SHA-256 digest is a safe thing to store (nobody can
guess or brute-force it back, unlike a password) and it can be looked up by
that digest with one indexed query. The secret itself is returned once, by
``create_token``, and never stored.

A token works while it is not revoked, not expired and its owner's account
is active (``users.is_active``): deactivating a person stops their tokens at
once, without touching the tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from dashboard.choices import API_TOKEN_LIFETIME_DAYS, API_TOKEN_SCOPES
from dashboard.extensions import db
from dashboard.models import ApiToken, User

SECRET_PREFIX = "tdk_"
#: What the list shows of a secret: the prefix and a few characters after it.
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 6
MAX_NAME_LENGTH = 100
#: ``last_used_at`` is refreshed at most this often, so most requests write nothing.
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Longer than any secret we issue; anything longer is not looked up at all.
_MAX_SECRET_LENGTH = 100


class TokenProblem(Exception):
    """The token could not be made: ``field`` → message, for the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the secret to show this once."""

    token: ApiToken
    secret: str


@dataclass(frozen=True)
class Bearer:
    """The person and scope a presented secret stands for."""

    user: User
    token: ApiToken
    touched: bool = False  # last_used_at was refreshed (flushed, to be committed)


def digest(secret: str) -> str:
    """SHA-256 hex digest of a secret: what the table keeps instead of it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    user_id: int, name: str, scope: str, lifetime_days: int, now: datetime
) -> NewToken:
    """Make a token for ``user_id``; flushed, not committed. Raises ``TokenProblem``."""
    name = name.strip()
    if not name:
        raise TokenProblem("name", "Give the token a name, e.g. the script that will use it.")
    if len(name) > MAX_NAME_LENGTH or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise TokenProblem("name", f"Use at most {MAX_NAME_LENGTH} printable characters.")
    if scope not in API_TOKEN_SCOPES:
        raise TokenProblem("scope", "Choose read or write.")
    if lifetime_days not in API_TOKEN_LIFETIME_DAYS:
        raise TokenProblem("lifetime_days", "Choose one of the offered lifetimes.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        name=name,
        scope=scope,
        token_hash=digest(secret),
        token_prefix=secret[:SHOWN_PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def tokens_of(user_id: int) -> list[ApiToken]:
    """A person's tokens, newest first (revoked and expired ones too, marked as such)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def get_token(token_id: int) -> ApiToken | None:
    """One token by id (the caller checks whose it is)."""
    return db.session.get(ApiToken, token_id)


def revoke_token(token: ApiToken, now: datetime) -> None:
    """Stop a token from working (kept in the list as revoked); flushed, not committed."""
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.flush()


def is_usable(token: ApiToken, now: datetime) -> bool:
    """Not revoked and not expired (the owner's account is checked by ``bearer_for``)."""
    return token.revoked_at is None and token.expires_at > now


def bearer_for(secret: str, now: datetime) -> Bearer | None:
    """The active person and usable token behind ``secret``, or None; one query.

    Refreshes ``last_used_at`` when it is older than ``LAST_USED_RESOLUTION``
    (flushed; the caller commits).
    """
    if not secret.startswith(SECRET_PREFIX) or len(secret) > _MAX_SECRET_LENGTH:
        return None
    if not secret.isascii() or not secret.isprintable():
        return None
    found = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret), User.is_active)
    ).one_or_none()
    if found is None or not is_usable(found.ApiToken, now):
        return None
    token, user = found
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return Bearer(user, token)
    token.last_used_at = now
    db.session.flush()
    return Bearer(user, token, touched=True)
