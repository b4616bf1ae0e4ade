"""One blueprint package per audience or resource; registered here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from dashboard.blueprints.health import bp as health_bp
    from dashboard.blueprints.home import bp as home_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
