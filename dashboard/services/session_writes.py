"""The one write path for ``sessions`` rows (DESIGN.md → One write path).

Every change to a session — inline edits, bulk attendance, the edit page,
reschedule, cancel, complete, series edits, the API, jobs — ends in
``write_session``. It takes the ``version`` the user saw (the row's
``updated_at``) and runs, in the caller's transaction, one statement::

    UPDATE sessions SET …, updated_at = clock_timestamp()
      FROM (SELECT id, <old values> FROM sessions
             WHERE id = :id AND updated_at = :version FOR UPDATE) AS before_write
     WHERE sessions.id = before_write.id
    RETURNING sessions.*, before_write.<old values>

The subquery locks the row and reads the values it replaces; under READ
COMMITTED a concurrent writer that committed first makes PostgreSQL re-check
``updated_at = :version`` on the newest row, which then no longer matches, so a
request based on an older version changes nothing and is reported as stale
(409); a second, read-only query tells that apart from a deleted row (404).
Each field whose value really changed is written to ``session_changes`` in the
same transaction, stamped with the new
``updated_at``. Nothing here commits: the caller commits on success and rolls
back on any ``EditRejected``.

No other module updates ``sessions``; creating rows (scheduling) is an INSERT
and is not a change of an existing session.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from dashboard.extensions import db
from dashboard.models import Session, SessionChange

STALE_MESSAGE = "Changed by someone else — here is the latest. Your change was not saved."

#: A version is an ISO timestamp (26 characters with microseconds); anything longer is junk.
_MAX_VERSION_LENGTH = 40


class EditRejected(Exception):
    """The edit was not applied; ``message`` is shown to the user next to ``field``."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidEdit(EditRejected):
    """A value outside the allowed set, a missing field, a board that may not be used."""

    status = 422


class StaleEdit(EditRejected):
    """The request was based on an older version of the row (or sent no usable version)."""

    status = 409

    def __init__(self, message: str = STALE_MESSAGE, field: str | None = None) -> None:
        super().__init__(message, field)


class SessionGone(EditRejected):
    """The row disappeared between loading and writing."""

    status = 404


@dataclass(frozen=True)
class FieldChange:
    """One column of one session: before and after (as stored)."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Applied:
    """A successful edit: the new version and the columns whose value changed."""

    session_id: int
    updated_at: datetime
    changes: list[FieldChange]
    #: Every column of the row as the UPDATE left it (``RETURNING``), so a
    #: response can be built without reading the row again after COMMIT.
    row: Mapping[str, Any] = field(default_factory=dict, compare=False)


def parse_version(raw: str | None) -> datetime | None:
    """The ``updated_at`` a form was rendered with; any unusable token counts as stale (409).

    A version is opaque to the browser: missing, malformed, zoned or far-off
    values are simply "not the current version", so the answer is the same as
    for an old one — the latest card, to try again from. The empty string is
    the version of a row whose ``updated_at`` is NULL (``SessionView.version``),
    so such a row can still be edited once.
    """
    if raw == "":
        return None
    if raw is None or len(raw) > _MAX_VERSION_LENGTH:
        raise StaleEdit()
    try:
        version = datetime.fromisoformat(raw)
    except ValueError:
        raise StaleEdit() from None
    if version.tzinfo is not None:  # updated_at is timestamp WITHOUT time zone
        raise StaleEdit()
    return version


def write_session(
    session_id: int, version: datetime | None, changes: Mapping[str, object], user_id: int | None
) -> Applied:
    """Write ``changes`` (column → new value) if the row is still at ``version``; audit them.

    Raises ``SessionGone`` (row deleted) or ``StaleEdit`` (newer version).
    Any ORM copy of the row in the current unit of work is expired, so it
    reloads the written values when next read.
    """
    at_version = Session.updated_at.is_(None) if version is None else Session.updated_at == version
    before_write = (
        sa.select(Session.id, *(getattr(Session, name).label(f"old_{name}") for name in changes))
        .where(Session.id == session_id, at_version)
        .with_for_update()
        .subquery("before_write")
    )
    row = db.session.execute(
        sa.update(Session)
        .where(Session.id == before_write.c.id)
        .values(**changes, updated_at=sa.func.clock_timestamp())
        .returning(*Session.__table__.c, *(before_write.c[f"old_{name}"] for name in changes))
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        exists = db.session.execute(sa.select(Session.id).where(Session.id == session_id)).first()
        if exists is None:
            raise SessionGone(f"There is no session #{session_id}.")
        raise StaleEdit()
    returned = row._mapping  # the row as written, and before_write's old_<name> values
    updated_at = row.updated_at
    loaded = db.session.identity_map.get(identity_key(Session, session_id))
    if loaded is not None:  # an ORM copy in this unit of work is now out of date
        db.session.expire(loaded)
    changed = [
        FieldChange(name, returned[f"old_{name}"], new)
        for name, new in changes.items()
        if returned[f"old_{name}"] != new
    ]
    db.session.add_all(
        SessionChange(
            session_id=session_id,
            user_id=user_id,
            field=change.field,
            old_value=as_text(change.old),
            new_value=as_text(change.new),
            changed_at=updated_at,
        )
        for change in changed
    )
    db.session.flush()
    written = {column.key: returned[column.key] for column in Session.__table__.c}
    return Applied(session_id, updated_at, changed, written)


def as_text(value: object) -> str | None:
    """How a column value is stored in the audit log (booleans as true/false)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)
