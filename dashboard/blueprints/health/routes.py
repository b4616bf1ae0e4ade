"""``GET /healthz``."""

from __future__ import annotations

from flask import Response, jsonify

from dashboard.blueprints.health import bp
from dashboard.services.health import database_is_reachable


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers, 503 when it does not."""
    if database_is_reachable():
        return jsonify(status="ok"), 200
    return jsonify(status="unavailable", detail="database unreachable"), 503
