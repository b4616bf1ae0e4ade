"""The API against its own OpenAPI document, checked by schemathesis on a live server.

schemathesis (a real external tool, pinned in requirements-dev.txt) reads
``/api/v1/openapi.json`` from the app served on a free localhost port, then
sends generated requests (valid and invalid) to every operation with a
coordinator's write token, a bounded number of examples each, and checks
every answer: no 5xx, a documented status, content type and headers, and a
body that matches the documented schema. The server has its own database
with the demo centre, so the writes it makes touch no other test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from dashboard.extensions import db
from tests.builders import Builder
from tests.conftest import IN_CI
from tests.live_server import demo_centre_app, served

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
#: Examples per operation and phase: enough to reach every documented status,
#: few enough that the whole run stays well under a minute on two cores.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def api_app(make_database) -> Iterator[Flask]:
    """The app on its own migrated database with the demo centre; no API rate limit to speak of."""
    with demo_centre_app(make_database("api"), API_RATE_LIMIT="100000 per minute") as app:
        yield app


@pytest.fixture(scope="module")
def api_server(api_app: Flask) -> Iterator[str]:
    """Base URL of ``api_app`` served on a free localhost port in a background thread."""
    with served(api_app, name="api-server") as base_url:
        yield base_url


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("st")
    if found.exists():
        return str(found)
    on_path = shutil.which("st")
    if on_path:
        return on_path
    if IN_CI:
        pytest.fail("schemathesis (st) is not installed: run make setup")
    pytest.skip("schemathesis (st) is not installed: run make setup")


def _config(app: Flask) -> str:
    """schemathesis.toml: real ids (and the current ETag) so requests reach the handlers' logic."""
    import sqlalchemy as sa

    from dashboard.models import Session, WhiteboardSession

    with app.app_context():
        session_id, updated_at = db.session.execute(
            sa.select(Session.id, Session.updated_at).order_by(Session.id).limit(1)
        ).one()
        board_id = db.session.scalar(sa.select(sa.func.max(WhiteboardSession.id)))
        db.session.remove()
    etag = f'"{updated_at.isoformat()}"'
    return f"[parameters]\nsession_id = {session_id}\nboard_id = {board_id}\nIf-Match = '{etag}'\n"


def test_every_operation_conforms_to_the_document(api_app, api_server, tmp_path):
    from dashboard.models import User

    with api_app.app_context():
        coordinator = db.session.query(User).filter_by(email="coordinator@example.com").one().id
    token = Builder(api_app).api_token(coordinator, "write")
    (tmp_path / "schemathesis.toml").write_text(_config(api_app))
    command = [
        _schemathesis(),
        "run",
        f"{api_server}/api/v1/openapi.json",
        "--url",
        api_server,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "16",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--no-color",
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,  # its report folder goes there
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert "passed" in output.lower(), output[-4000:]
