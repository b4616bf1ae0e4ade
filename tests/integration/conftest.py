"""Fixtures of the integration tests (the app, client and auth come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.builders import Builder


@pytest.fixture
def build(app: Flask) -> Builder:
    """Create people, enrolments and sessions for a test."""
    return Builder(app)
