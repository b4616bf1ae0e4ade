"""Redirect targets we accept from users: local paths only (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit


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
