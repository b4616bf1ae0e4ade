"""Static files under content-hashed names, cached for a year; pages compressed (issue 12)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from dashboard.static_files import ONE_YEAR, hashed_name

STATIC = Path(__file__).resolve().parents[2] / "static"


def _static_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_pages_link_static_files_by_content_hash(client, auth, demo):
    auth.login("tutor1@example.com")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    links = _static_links(page)
    assert links, "the layout links its CSS and JS"
    for link in links:
        relative = re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", link.removeprefix("/static/"))
        content = (STATIC / relative).read_bytes()
        assert link == "/static/" + hashed_name(relative, content)
        response = client.get(link)
        assert response.status_code == 200
        assert response.get_data() == content
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache
        assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= ONE_YEAR


def test_static_text_is_served_compressed(client):
    link = "/static/" + hashed_name("css/app.css", (STATIC / "css/app.css").read_bytes())
    response = client.get(link, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()) == (STATIC / "css/app.css").read_bytes()
    assert "Accept-Encoding" in response.headers["Vary"]


def test_unhashed_static_urls_still_work(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_pages_are_compressed_for_clients_that_accept_it(client, auth, demo):
    auth.login("coordinator@example.com")
    plain = client.get("/coordinator/sessions")
    packed = client.get("/coordinator/sessions", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert b"<html" in gzip.decompress(packed.get_data())
    assert "Content-Security-Policy" in packed.headers
