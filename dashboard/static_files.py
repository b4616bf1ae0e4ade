"""Static files under content-hashed names, cached for a year, and compressed responses.

At start-up every file of ``static/`` gets a copy named after its content
(``css/app.css`` → ``css/app.3f2a9c01b7de.css``) in ``instance/static-hashed/``,
with a gzip twin for text. WhiteNoise serves that folder at ``/static/`` with
``Cache-Control: max-age=31536000, immutable`` (a changed file has a new name,
so browsers never keep a stale one), and ``url_for("static", filename=…)``
builds the hashed name. Copies no longer named by the current files (an old
version of ``app.css``, a deleted file) are deleted at the same start-up, so
the folder does not grow with every change. Unhashed URLs still work (Flask's own static route,
short cache). Dynamic responses are compressed by Flask-Compress — except JSON,
whose strong ETags (the API's ``If-Match``) must not gain an encoding suffix.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

from flask import Flask
from flask_compress import Compress
from whitenoise import WhiteNoise

ONE_YEAR = 31_536_000
#: Responses worth compressing (text, not JSON: see the module docstring).
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/calendar",
    "text/javascript",
    "application/javascript",
    "image/svg+xml",
]
_TEXT_SUFFIXES = {".css", ".js", ".svg", ".html", ".txt", ".map", ".json", ".ico"}

compress = Compress()


def hashed_name(relative: str, content: bytes) -> str:
    """``dir/name.<12 hex of sha256>.ext`` for a static file's relative path."""
    path = Path(relative)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return path.with_name(f"{path.stem}.{digest}{path.suffix}").as_posix()


def _write_once(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` atomically, unless it is already there."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(content)
    os.replace(handle.name, target)  # several workers may start at once


def build_hashed_copies(source: Path, target: Path) -> dict[str, str]:
    """Copy every static file under its hashed name (and a .gz twin); return the manifest."""
    manifest: dict[str, str] = {}
    for file in sorted(source.rglob("*")):
        relative = file.relative_to(source)
        if not file.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        content = file.read_bytes()
        name = hashed_name(relative.as_posix(), content)
        _write_once(target / name, content)
        if file.suffix in _TEXT_SUFFIXES:
            _write_once(target / f"{name}.gz", gzip.compress(content, mtime=0))
        manifest[relative.as_posix()] = name
    return manifest


def _original_name(hashed: str, content: bytes) -> str | None:
    """The relative name ``hashed`` was made from by ``hashed_name``, if ``content`` proves it.

    A copy is recognised by its content, not only by its name: the 12 hex
    digits in the name must be the start of the content's SHA-256. So a file
    this module did not write (however it is named) is never taken for one.
    """
    digest = hashlib.sha256(content).hexdigest()[:12]
    folder, _, name = hashed.rpartition("/")
    parts = name.split(".")
    if len(parts) >= 2 and parts[-1] == digest:  # no extension: ``LICENSE.<digest>``
        original = ".".join(parts[:-1])
    elif len(parts) >= 3 and parts[-2] == digest:  # ``app.<digest>.css``
        original = ".".join([*parts[:-2], parts[-1]])
    else:
        return None
    original = f"{folder}/{original}" if folder else original
    return original if hashed_name(original, content) == hashed else None


def _is_hashed_copy(file: Path, relative: str) -> bool:
    """True when ``file`` (at ``relative`` in the target) is a copy or .gz twin written here."""
    try:
        content = file.read_bytes()
        if relative.endswith(".gz"):
            relative = relative.removesuffix(".gz")
            content = gzip.decompress(content)
    except (OSError, EOFError, gzip.BadGzipFile):  # gone meanwhile, or not our gzip
        return False
    return _original_name(relative, content) is not None


def prune_stale_copies(target: Path, keep: set[str]) -> list[str]:
    """Delete the hashed copies in ``target`` that ``keep`` does not name; return their names.

    ``keep`` holds the current copies' relative names (and their ``.gz``
    twins). Only files this module wrote are deleted (see ``_original_name``);
    anything else in the folder, including another worker's half-written
    temporary file, is left alone. A folder emptied here is removed too.
    Several workers starting at once may prune the same files: a file already
    gone is simply skipped.
    """
    removed: list[str] = []
    emptied: set[Path] = set()
    for file in sorted(target.rglob("*")):
        relative = file.relative_to(target).as_posix()
        if relative in keep or not file.is_file() or not _is_hashed_copy(file, relative):
            continue
        try:
            file.unlink()
        except FileNotFoundError:
            continue
        removed.append(relative)
        emptied.add(file.parent)
    for folder in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
        while folder != target and folder.is_relative_to(target):
            try:
                folder.rmdir()  # only when empty: current copies keep their folder
            except OSError:
                break
            folder = folder.parent
    return removed


def init_static_files(app: Flask) -> None:
    """Hashed, far-future-cached static files and compressed responses for ``app``."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    compress.init_app(app)
    if not app.static_folder or not Path(app.static_folder).is_dir():
        return
    target = Path(app.instance_path) / "static-hashed"
    manifest = build_hashed_copies(Path(app.static_folder), target)
    prune_stale_copies(target, {n for name in manifest.values() for n in (name, f"{name}.gz")})
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def hashed_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    prefix = (app.static_url_path or "/static").strip("/") + "/"
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(target),
        prefix=prefix,
        max_age=ONE_YEAR,
        immutable_file_test=lambda _path, _url: True,  # every file here is content-named
        add_headers_function=_static_headers,
    )


def _static_headers(headers, _path: str, _url: str) -> None:
    """Headers of every hashed static file besides WhiteNoise's own."""
    headers["X-Content-Type-Options"] = "nosniff"
