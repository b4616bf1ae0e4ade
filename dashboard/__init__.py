"""Tutoring sessions dashboard: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from apiflask import APIFlask
from flask import Flask

from dashboard.config import default_config, load_secret_key
from dashboard.database import embedded_database_url, normalise_database_url
from dashboard.extensions import csrf, db, limiter, login_manager, mail, migrate
from dashboard.input_guard import init_input_guard

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the environment-derived defaults.

    ``APIFlask`` is Flask plus the OpenAPI generator the JSON API (``/api/v1``,
    ``dashboard.blueprints.api``) is documented with. Its own spec and docs
    routes and its JSON error pages are off: the API serves its document and
    docs page itself, and every other page keeps the HTML error pages.
    """
    app = APIFlask(
        __name__,
        title="Tutoring dashboard API",
        version="1",
        spec_path=None,
        docs_path=None,
        json_errors=False,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    init_input_guard(app)  # before any route: bounds every <int:…> id, refuses NUL bytes
    app.config.update(default_config())
    if config:
        app.config.update(config)
    _configure_database(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    _configure_cookie_security(app, config or {})

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        compare_type=True,
        compare_server_default=True,
    )

    csrf.init_app(app)
    if not app.config.get("MAIL_FILE_PATH"):
        app.config["MAIL_FILE_PATH"] = str(Path(app.instance_path) / "outbox")
    mail.init_app(app)
    limiter.init_app(app)
    _configure_login(app)

    from dashboard import models  # noqa: F401  (register the tables on db.metadata)
    from dashboard.blueprints import register_blueprints
    from dashboard.cli import register_commands
    from dashboard.errors import register_error_handlers
    from dashboard.read_transactions import end_reads_with_commit
    from dashboard.security import init_security
    from dashboard.static_files import init_static_files

    init_security(app)
    init_static_files(app)
    register_error_handlers(app)
    register_blueprints(app)
    end_reads_with_commit(app)
    if app.config["EXPOSE_QUERY_COUNT"]:
        from dashboard.instrumentation import expose_query_count

        expose_query_count(app)
    _register_template_helpers(app)
    register_commands(app)
    return app


def _register_template_helpers(app: Flask) -> None:
    """Filters and globals every template may use."""
    from flask_login import current_user

    from dashboard import choices, humanize
    from dashboard.permissions import (
        Action,
        edit_actions,
        is_coordinator,
        may_list_whiteboards,
        may_schedule,
        may_see_priority,
        may_see_reports,
    )
    from dashboard.select_options import select_options
    from dashboard.services.attendance import has_started
    from dashboard.services.reviews import awaits_review
    from dashboard.session_urls import session_url
    from dashboard.timezones import (
        aware_in_viewer_zone,
        end_in_viewer_zone,
        in_viewer_zone,
        schedule_zone,
    )

    app.jinja_env.filters["viewer_start"] = in_viewer_zone
    app.jinja_env.filters["viewer_end"] = end_in_viewer_zone  # date | viewer_end(start, end)
    app.jinja_env.filters["viewer_instant"] = aware_in_viewer_zone  # timestamptz values
    app.jinja_env.globals["choices"] = choices
    app.jinja_env.globals["Action"] = Action
    app.jinja_env.globals["session_url"] = session_url
    app.jinja_env.globals["select_options"] = select_options
    # The user object itself, not the proxy: called once per card on a page of cards.
    app.jinja_env.globals["edit_actions_for"] = lambda s: edit_actions(
        current_user._get_current_object(), s
    )
    # Links to pages only some roles may open (the nav, "New session").
    app.jinja_env.globals["may_schedule"] = lambda: may_schedule(current_user)
    app.jinja_env.globals["may_list_whiteboards"] = lambda: may_list_whiteboards(current_user)
    app.jinja_env.globals["is_coordinator"] = lambda: is_coordinator(current_user)
    app.jinja_env.globals["may_see_reports"] = lambda: may_see_reports(current_user)
    # Families never see the priority (the centre's internal triage).
    app.jinja_env.globals["sees_priority"] = lambda: may_see_priority(current_user)
    # Attendance is taken from the start: before it only "excused" may be recorded.
    app.jinja_env.globals["session_started"] = lambda s: has_started(s, schedule_zone())
    # The Past tab's "How was it?" (no query: see awaits_review).
    app.jinja_env.globals["awaits_review"] = lambda s: awaits_review(
        current_user.role, current_user.id, s
    )
    app.jinja_env.filters.update(humanize.FILTERS)
    app.jinja_env.tests.update(humanize.TESTS)
    app.jinja_env.globals.update(humanize.GLOBALS)


def _configure_login(app: Flask) -> None:
    """Flask-Login: load the user per request; anonymous visitors go to /login."""
    from dashboard.access import unauthorized_response
    from dashboard.models import User
    from dashboard.models.users import account_id_of

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.unauthorized_handler(unauthorized_response)

    @login_manager.user_loader
    def load_user(login_id: str) -> User | None:
        account = account_id_of(login_id)
        user = db.session.get(User, account) if account is not None else None
        if user is None or not user.is_active or not user.matches_login_id(login_id):
            return None  # unknown, deactivated, or signed in with a password since changed
        return user


def _configure_cookie_security(app: Flask, overrides: Mapping[str, object]) -> None:
    """Cookies are ``Secure`` unless in debug, or ``SESSION_COOKIE_SECURE=0`` (plain-http demo)."""
    if "SESSION_COOKIE_SECURE" in overrides:
        secure = bool(overrides["SESSION_COOKIE_SECURE"])
    elif "SESSION_COOKIE_SECURE" in os.environ:
        secure = os.environ["SESSION_COOKIE_SECURE"].strip().lower() not in ("0", "false", "no")
    else:
        secure = not app.debug
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure


def _configure_database(app: Flask) -> None:
    """Pick the database: explicit config, then ``DATABASE_URL``, then embedded."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if url:
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(url))
    else:
        app.config["SQLALCHEMY_DATABASE_URI"] = embedded_database_url(app.instance_path)
