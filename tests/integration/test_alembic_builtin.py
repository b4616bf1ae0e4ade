"""pytest-alembic's built-in checks of the migration history, each on a fresh database.

- one head revision; upgrade from empty to head;
- every revision goes up, down and up again (``test_up_down_consistency``);
- the models match the DDL the migrations produce (autogenerate finds nothing,
  with ``compare_type`` and ``compare_server_default`` as ``flask db`` uses them);
- each downgrade leaves no trace (experimental; it drives ``env.py`` through a
  connection of its own, which ``migrations/env.py`` honours).

The plugin's own collector (``--test-alembic``) does not work with pytest 9, so
its test functions are imported here and collected as this module's tests;
``alembic_config`` and ``alembic_engine`` below are the fixtures its
``alembic_runner`` asks for. ``env.py`` reads the Flask app (``current_app``),
so each test runs inside the app context of an app on its own database.
Tables named ``procrastinate_*`` (the job queue's own) are not compared.
"""

from __future__ import annotations

from collections.abc import Iterator

import alembic.config
import pytest
import sqlalchemy as sa
from flask import Flask
from pytest_alembic.plugin.error import AlembicTestFailure
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace
from sqlalchemy.engine import Engine

from dashboard import create_app
from dashboard.extensions import db
from tests.conftest import app_config

__all__ = [
    "test_downgrade_leaves_no_trace",
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_app(make_database) -> Iterator[Flask]:
    """An app on a fresh, empty database, its context pushed for ``env.py``."""
    app = create_app(app_config(make_database("alembic")))
    with app.app_context():
        yield app
        db.engine.dispose()


@pytest.fixture
def alembic_config(alembic_app: Flask) -> alembic.config.Config:
    """The configuration ``flask db`` itself uses (migrations/, alembic.ini)."""
    return alembic_app.extensions["migrate"].migrate.get_config()


@pytest.fixture
def alembic_engine(alembic_app: Flask) -> Engine:
    """The fresh database's engine."""
    return db.engine


def _create_table(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{name}" (id serial PRIMARY KEY, note text)'))
        conn.execute(sa.text(f'CREATE INDEX "{name}_note" ON "{name}" (note)'))


def test_tables_of_the_job_queue_are_left_out_of_the_model_check(alembic_runner, alembic_engine):
    alembic_runner.migrate_up_to("heads")
    _create_table(alembic_engine, "procrastinate_extra")  # named like the job queue's own
    test_model_definitions_match_ddl(alembic_runner)
    _create_table(alembic_engine, "stray_table")  # but any other table without a model counts
    with pytest.raises(AlembicTestFailure, match="out of sync"):
        test_model_definitions_match_ddl(alembic_runner)
