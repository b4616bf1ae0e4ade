"""Run Mozilla's ical.js on an iCalendar document (``ical_instants.mjs``, npm ``ical.js``).

ical.js is the parser of Thunderbird and many web calendars. Without node or
ical.js the calling test skips, and fails when ``CI=true`` (a missing tool in
CI is an error, not a skip).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("ical_instants.mjs")


def _node() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (ROOT / "node_modules" / "ical.js" / "package.json").exists():
        problem = "ical.js is not installed (make setup runs npm ci)"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true, so this is an error)")
        pytest.skip(problem)
    return node


def ical_js_instants(ics: bytes) -> dict[str, tuple[datetime, datetime]]:
    """UID → (DTSTART, DTEND) as UTC instants, computed by ical.js."""
    done = subprocess.run(
        [_node(), str(SCRIPT)], input=ics, capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    instants = {}
    for line in done.stdout.decode().splitlines():
        uid, start, end = line.split("\t")
        instants[uid] = (_utc(start), _utc(end))
    return instants


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
