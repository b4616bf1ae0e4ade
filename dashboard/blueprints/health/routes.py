"""``GET /healthz``."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from dashboard.blueprints.health import bp
from dashboard.services.health import database_is_reachable


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database answers within ``HEALTHZ_TIMEOUT`` seconds, else 503."""
    if database_is_reachable(current_app.config["HEALTHZ_TIMEOUT"]):
        return jsonify(status="ok"), 200
    response = jsonify(status="unavailable", detail="database unreachable")
    response.headers["Retry-After"] = "5"
    return response, 503
