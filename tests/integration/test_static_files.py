"""Static files under content-hashed names, cached for a year; pages compressed (issue 12)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from dashboard.static_files import ONE_YEAR, build_hashed_copies, hashed_name, prune_stale_copies

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


def _plant(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_start_up_prunes_stale_hashed_copies_and_only_those(database_url):
    """An old version's copies (and a deleted file's) go; current copies and foreign files stay."""
    from dashboard import create_app
    from tests.conftest import app_config

    target = Path(create_app(app_config(database_url)).instance_path) / "static-hashed"
    old_css = b"/* app.css as it was before */"
    stale = _plant(target / hashed_name("css/app.css", old_css), old_css)
    stale_gz = _plant(stale.with_name(stale.name + ".gz"), gzip.compress(old_css))
    deleted_js = b"// a script since removed from static/"
    gone = _plant(target / hashed_name("gone-folder/old.js", deleted_js), deleted_js)
    # Not written by the app: a name that looks hashed but whose content does not match it,
    # a plain file, and a gzip that is not one.
    forged = _plant(target / "css/app.0123456789ab.css", b"not what the name says")
    foreign = _plant(target / "css/notes.txt", b"kept")
    not_gzip = _plant(target / "css/app.0123456789ab.css.gz", b"not gzip")
    try:
        app = create_app(app_config(database_url))
        assert not stale.exists() and not stale_gz.exists() and not gone.exists()
        assert not (target / "gone-folder").exists()
        assert forged.exists() and foreign.exists() and not_gzip.exists()
        current = app.extensions["static_manifest"]["css/app.css"]
        assert (target / current).exists() and (target / f"{current}.gz").exists()
        response = app.test_client().get(f"/static/{current}")
        assert response.status_code == 200
        assert response.get_data() == (STATIC / "css/app.css").read_bytes()
    finally:
        for planted in (stale, stale_gz, gone, forged, foreign, not_gzip):
            planted.unlink(missing_ok=True)
        if (target / "gone-folder").exists():
            (target / "gone-folder").rmdir()


def test_pruning_keeps_every_current_copy(tmp_path):
    source, target = tmp_path / "static", tmp_path / "hashed"
    _plant(source / "css/site.css", b"body {}")
    _plant(source / "LICENSE", b"no extension")
    _plant(source / "img/logo.png", b"\x89PNG")
    first = build_hashed_copies(source, target)
    _plant(source / "css/site.css", b"body { color: red }")
    second = build_hashed_copies(source, target)
    keep = {n for name in second.values() for n in (name, f"{name}.gz")}
    assert prune_stale_copies(target, keep) == [
        first["css/site.css"],
        first["css/site.css"] + ".gz",
    ]
    left = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert left == {*second.values(), second["css/site.css"] + ".gz"}
    assert prune_stale_copies(target, keep) == []  # a second start finds nothing to do
