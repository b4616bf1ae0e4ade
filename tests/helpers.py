"""Helpers several test modules share (fixtures stay in ``conftest.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from dashboard.extensions import db


def database_fingerprint(app: Flask) -> dict[str, str]:
    """An md5 of every table's rows, to assert that a refused request wrote nothing."""
    fingerprint: dict[str, str] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            fingerprint[table.name] = db.session.scalar(
                sa.text(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                    f'FROM "{table.name}" AS t'
                )
            )
        db.session.remove()
    return fingerprint
