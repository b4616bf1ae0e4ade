"""Is the database there?"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from dashboard.extensions import db


def database_is_reachable() -> bool:
    """Run ``SELECT 1``; any database error means unreachable."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False
