"""``core_rows``: run a plain SELECT on the request's connection, without the ORM.

Pages read rows, not entities: going through ``Connection.execute`` skips the
ORM's per-statement work (see bench/README.md). What the ORM would still do
for us, flushing pending changes so this request's own writes are visible, is
done here explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dashboard.extensions import db


def core_rows(
    statement: sa.Executable, parameters: Mapping[str, Any] | None = None
) -> sa.CursorResult[Any]:
    """Flush pending ORM changes, then run ``statement`` on the session's connection."""
    db.session.flush()
    return db.session.connection().execute(statement, parameters or {})
