"""Lighthouse (npm, run on Debian's Chromium) scores the main pages 100 for accessibility and
best practices (issue 12).

Each page is opened signed in (the session cookie of a sign-in through the
app's own form is handed to Lighthouse as a header). Lighthouse is a tool we
did not write; its report names every failed audit, so a failure says what
to fix. A missing Node, Lighthouse or Chromium fails in CI and skips elsewhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.e2e.conftest import CHROMIUM_ARGS, ROOT, SYSTEM_CHROMIUM

pytestmark = pytest.mark.e2e

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("accessibility", "best-practices")


def _require_tools() -> None:
    missing = [str(tool) for tool in (LIGHTHOUSE, SYSTEM_CHROMIUM) if not Path(tool).exists()]
    if shutil.which("node") is None:
        missing.append("node")
    if missing:
        message = f"Lighthouse needs {', '.join(missing)} (npm ci; apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _session_cookie(live_app, email: str) -> str:
    """``Cookie`` header of a browser signed in as ``email`` through the sign-in form."""
    client = live_app.test_client()
    from tests.conftest import AuthActions

    assert AuthActions(client).login(email).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}"


def _lighthouse(url: str, cookie: str, tmp_path: Path) -> dict:
    report = tmp_path / "report.json"
    flags = " ".join([*CHROMIUM_ARGS, "--headless=new", f"--user-data-dir={tmp_path / 'profile'}"])
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-path={SYSTEM_CHROMIUM}",
            f"--chrome-flags={flags}",
            f"--extra-headers={json.dumps({'Cookie': cookie})}",
            "--form-factor=desktop",
            "--screenEmulation.disabled",
            "--quiet",
        ],
        check=True,
        timeout=240,
        capture_output=True,
    )
    return json.loads(report.read_text())


def _failed_audits(result: dict, category: str) -> list[str]:
    audits = result["audits"]
    return [
        f"{ref['id']}: {audits[ref['id']].get('title')} "
        f"{[item for item in (audits[ref['id']].get('details') or {}).get('items', [])][:5]}"
        for ref in result["categories"][category]["auditRefs"]
        if ref.get("weight", 0) > 0 and audits[ref["id"]].get("score") not in (None, 1)
    ]


PAGES = {
    "tutor week": ("tutor1@example.com", "/tutors/{tutor}/calendar?view=week"),
    "tutor month": ("tutor1@example.com", "/tutors/{tutor}/calendar?view=month"),
    "schedule list": ("coordinator@example.com", "/coordinator/sessions"),
    "centre calendar": ("coordinator@example.com", "/calendar?view=week"),
    "session page": ("coordinator@example.com", "/sessions/{session}"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_lighthouse_scores_100(live_app, live_server, demo_ids, tmp_path, name):
    _require_tools()
    import sqlalchemy as sa

    from dashboard.extensions import db
    from dashboard.models import Session

    with live_app.app_context():
        session_id = db.session.scalar(sa.select(sa.func.min(Session.id)))
    email, path = PAGES[name]
    url = live_server + path.format(tutor=demo_ids["tutor1@example.com"], session=session_id)
    result = _lighthouse(url, _session_cookie(live_app, email), tmp_path)
    assert result["finalDisplayedUrl"].split("?")[0] == url.split("?")[0], "signed in"
    for category in CATEGORIES:
        score = result["categories"][category]["score"]
        assert score == 1, f"{name} {category} {score}: {_failed_audits(result, category)}"
