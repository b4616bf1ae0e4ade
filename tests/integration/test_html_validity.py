"""Every page of every role passes the W3C Nu HTML Checker (npm ``vnu-jar``), issue 12.

The pages are the HTML answers of every GET route in the role × route matrix
(plus each calendar view and tab), for each role case that may see them. They
are written to a folder and checked in one run of the real checker. The only
errors forgiven are htmx's own ``hx-*`` attribute names, which no HTML
standard knows. A missing Java or vnu.jar fails in CI and skips elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI, AuthActions
from tests.integration.test_permissions_matrix import (
    MATRIX,
    ROLE_CASES,
    build_url,
    subjects,
)
from tests.scheduling_support import version_of, weekly_series

VNU_JAR = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"
#: Messages about htmx's attributes (``hx-get``, ``hx-target``…), the one accepted exception.
HTMX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z-]+” not allowed|“hx-[a-z-]+”")
#: Extra query strings per route, so each view of a page is checked too.
VARIANTS = {
    "GET /tutors/<int:tutor_id>/calendar": [
        "?view=month",
        "?view=week",
        "?view=day",
        "?view=agenda",
    ],
    "GET /calendar": ["?view=month", "?view=week", "?view=day", "?view=agenda"],
    "GET /students/<int:student_id>/upcoming": ["", "?tab=past"],
    "GET /parents/<int:parent_id>/upcoming": ["", "?tab=past"],
}


def _java() -> str | None:
    return shutil.which("java")


def _collect_pages(app, demo, folder: Path) -> dict[str, str]:
    """File name → "who URL" for every HTML page a role case may open."""
    pages: dict[str, str] = {}
    for case, role in ROLE_CASES.items():
        client = app.test_client()
        if role.email:
            AuthActions(client).login(role.email)
        values = subjects(app, demo, role.subjects)
        for route, expected in MATRIX.items():
            if not route.startswith("GET ") or expected[case] != 200:
                continue
            url = build_url(app, route, values)
            for suffix in VARIANTS.get(route, [""]):
                response = client.get(url + suffix)
                body = response.get_data()  # reads, and so ends, a streamed body too
                response.close()
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                name = f"page{len(pages):04d}.html"
                (folder / name).write_bytes(body)
                pages[name] = f"{case} {url}{suffix}"
    # A series occurrence's edit page has the "Change how it repeats" form (the
    # matrix's session does not repeat), also as answered with errors (422).
    client = app.test_client()
    auth = AuthActions(client)
    occurrence = weekly_series(app, client, auth, 3)[1]
    edit_pages = {
        "series-edit.html": client.get(f"/sessions/{occurrence}/edit"),
        "series-repeat-422.html": client.post(
            f"/sessions/{occurrence}/repeat",
            data={
                "csrf_token": auth.csrf_token(),
                "version": version_of(app, occurrence),
                "frequency": "weekly",
            },
        ),
    }
    for name, response in edit_pages.items():
        assert response.status_code in (200, 422) and "Change how it repeats" in response.text
        (folder / name).write_bytes(response.get_data())
        pages[name] = f"tutor_own /sessions/{occurrence}/edit ({response.status_code})"
    # The error pages are pages too.
    client = app.test_client()
    response = client.get("/no-such-page")
    (folder / "error-404.html").write_bytes(response.get_data())
    pages["error-404.html"] = "anonymous /no-such-page"
    return pages


def test_every_page_passes_the_nu_html_checker(app, demo, tmp_path):
    if _java() is None or not VNU_JAR.exists():
        message = f"the Nu HTML Checker needs java and {VNU_JAR} (npm ci)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    pages = _collect_pages(app, demo, tmp_path)
    assert len(pages) > 20
    result = subprocess.run(
        [_java(), "-Xss4m", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stderr[result.stderr.find("{") :] if "{" in result.stderr else ""
    assert report, f"the checker printed no report: {result.stderr or result.stdout}"
    messages = json.loads(report)["messages"]
    errors = [
        f"{pages.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}: "
        f"{m['message']} — {m.get('extract', '').strip()[:120]}"
        for m in messages
        if m.get("type") == "error" and not HTMX_ATTRIBUTE.search(m.get("message", ""))
    ]
    assert errors == [], "\n".join(errors)
