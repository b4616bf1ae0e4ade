"""URLs from and for users: redirect targets we accept (local paths only, no open
redirects) and query strings cleaned of the empty values a GET form sends."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict


def safe_local_path(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None.

    Refuses absolute URLs (``https://evil.example``), scheme-relative ones
    (``//evil.example``), backslash tricks (``/\\evil.example``) and control
    characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def empty_keys(args: MultiDict[str, str]) -> set[str]:
    """The query-string keys that came with an empty value (``tutor=``).

    A GET filter form submitted without JavaScript sends every field, so each
    unset filter arrives empty; the pages answer such a request with a redirect
    to the same page without them, so the address bar and bookmarks stay short.
    """
    return {key for key, value in args.items(multi=True) if value == ""}


def without_empty(args: MultiDict[str, str]) -> dict[str, list[str]]:
    """``args`` minus its empty values, every repeated value kept (for ``url_for``)."""
    kept: dict[str, list[str]] = {}
    for key, value in args.items(multi=True):
        if value != "":
            kept.setdefault(key, []).append(value)
    return kept
