"""Helpers several test modules share (fixtures stay in ``conftest.py``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from dashboard.extensions import db


def database_fingerprint(app: Flask) -> dict[str, str]:
    """An md5 of every table's rows, to assert that a refused request wrote nothing.

    One statement for all tables (fuzz tests take a fingerprint per request).
    """
    parts = [
        f"SELECT '{table.name}' AS name, "
        f"md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest "
        f'FROM "{table.name}" AS t'
        for table in db.metadata.sorted_tables
    ]
    with app.app_context():
        rows = db.session.execute(sa.text(" UNION ALL ".join(parts))).all()
        db.session.remove()
    return {name: digest for name, digest in rows}
