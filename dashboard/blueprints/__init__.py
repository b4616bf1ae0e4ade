"""One blueprint package per audience or resource; registered here."""

from __future__ import annotations

from flask import Flask

BLUEPRINTS = (
    "health",
    "home",
    "auth",
    "tutors",
    "centre",
    "students",
    "parents",
    "coordinator",
    "sessions",
    "scheduling",
    "admin",
    "account",
    "whiteboards",
    "onboarding",
    "outbox",
    "tokens",
    "api",
    "reports",
)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from importlib import import_module

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"dashboard.blueprints.{name}").bp)
