"""``/account`` (name, time zone, week start, email reminders) and ``/account/password``."""

from __future__ import annotations

from flask import Response, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user

from dashboard.blueprints.account import bp
from dashboard.choices import WEEKDAY_NAMES
from dashboard.extensions import db
from dashboard.rendering import render_page
from dashboard.services import settings
from dashboard.services.form_values import FormError
from dashboard.timezones import iana_zone_names


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Response:
    """Everyone's own settings; times on every page follow the zone saved here."""
    user = current_user._get_current_object()
    if request.method == "POST":
        form = request.form
        data = settings.SettingsInput(
            full_name=form.get("full_name"),
            timezone=form.get("timezone"),
            week_starts_on=form.get("week_starts_on"),
            email_reminders=form.get("email_reminders") == "on",
        )
        try:
            settings.update_settings(user, data)
        except FormError as error:
            db.session.rollback()
            return _settings_page(form, error.errors, 422)
        db.session.commit()
        flash("Your settings are saved.")
        return redirect(url_for("account.account"), 303)
    values = {
        "full_name": user.full_name,
        "timezone": user.timezone or "",
        "week_starts_on": str(user.week_starts_on),
        "email_reminders": "on" if user.email_reminders else "",
    }
    return _settings_page(values, {})


def _settings_page(values, errors: dict[str, str], status: int = 200) -> Response:
    return render_page(
        "account/settings.html",
        "main",
        status=status,
        values=values,
        errors=errors,
        zones=iana_zone_names(),
        weekdays=list(enumerate(WEEKDAY_NAMES)),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Response:
    """Change the password (the current one is required); other browsers are signed out."""
    if request.method == "POST":
        user = current_user._get_current_object()
        form = request.form
        try:
            settings.change_password(
                user,
                form.get("current_password", ""),
                form.get("new_password", ""),
                form.get("confirm_password", ""),
            )
        except FormError as error:
            db.session.rollback()
            return render_page("account/password.html", "main", status=422, errors=error.errors)
        db.session.commit()
        # The new hash changed the login id: sign this browser in again under it
        # (with a fresh session), so only the other browsers are signed out.
        remember = "_remember_seconds" in session or request.cookies.get("remember_token")
        session.clear()
        login_user(user, remember=bool(remember))
        flash("Your password is changed; other browsers signed in as you are signed out.")
        return redirect(url_for("account.account"), 303)
    return render_page("account/password.html", "main", errors={})
