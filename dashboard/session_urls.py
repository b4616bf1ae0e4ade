"""``session_url``: the URL of a per-session route, without a full ``url_for`` per call.

A month page links ~40 sessions and a week of cards posts to four edit routes
per card; ``url_for`` walks the URL map each time (about 30 µs). The path of
``sessions.detail`` for session 7 is the one for session 8 with another
number, so the route is built once per endpoint (and script root) with a
marker id and then filled in.
"""

from __future__ import annotations

from flask import current_app, request, url_for

#: An id no route text contains; it marks where the session id goes.
_MARKER = "987654321987654321"


def session_url(endpoint: str, session_id: int) -> str:
    """``url_for(endpoint, session_id=session_id)`` for routes taking only ``session_id``."""
    cache: dict[tuple[str, str], tuple[str, str]] = current_app.extensions.setdefault(
        "session_url_parts", {}
    )
    key = (endpoint, request.script_root)
    parts = cache.get(key)
    if parts is None:
        built = url_for(endpoint, session_id=int(_MARKER))
        head, marker, tail = built.partition(_MARKER)
        if not marker or "?" in built:  # unused arguments become a query string
            raise ValueError(f"{endpoint} does not put session_id in its path")
        parts = cache[key] = (head, tail)
    return f"{parts[0]}{int(session_id)}{parts[1]}"
