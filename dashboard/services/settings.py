"""A person's own settings (``/account``) and password (``/account/password``).

Writes happen in the caller's transaction (the caller commits); a refused form
is a ``FormError`` raised before anything is written. The time zone and week
start are read from ``current_user`` by every page, so a change shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.choices import WEEKDAY_NAMES
from dashboard.extensions import db
from dashboard.models import User
from dashboard.services.accounts import MAX_PASSWORD_LENGTH, AccountError, check_new_password
from dashboard.services.form_values import FormError, clean_text
from dashboard.services.people import canonical_zone


@dataclass(frozen=True)
class SettingsInput:
    """What ``/account`` sends, as text."""

    full_name: str | None
    timezone: str | None
    week_starts_on: str | None
    email_reminders: bool


def update_settings(user: User, data: SettingsInput) -> User:
    """Save name, time zone (blank = the centre's default), week start and reminders."""
    errors: dict[str, str] = {}
    full_name = clean_text(data.full_name, "full_name", errors, label="The name", max_length=200)
    zone = canonical_zone(data.timezone, errors)
    day = (data.week_starts_on or "").strip()
    if not (day.isascii() and day.isdigit() and int(day) < len(WEEKDAY_NAMES)):
        errors["week_starts_on"] = "Choose the day weeks start on."
    if errors:
        raise FormError(errors)
    user.full_name = full_name
    user.timezone = zone
    user.week_starts_on = int(day)
    user.email_reminders = data.email_reminders
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> User:
    """Set a new password after checking the current one; the caller commits.

    The new hash changes the account's login fingerprint (``User.get_id``), so
    every other browser signed in as this user is signed out on its next
    request; the caller signs the current browser in again.
    """
    errors: dict[str, str] = {}
    current = current or ""
    if len(current) > MAX_PASSWORD_LENGTH or not check_password_hash(user.password_hash, current):
        errors["current_password"] = "That is not your current password."
    try:
        check_new_password(new or "")
    except AccountError as error:
        errors["new_password"] = str(error)
    else:
        if "\x00" in new:
            errors["new_password"] = "The password must not contain NUL characters."
        elif new != confirm:
            errors["confirm_password"] = "The two new passwords differ."
    if errors:
        raise FormError(errors)
    user.password_hash = generate_password_hash(new)
    db.session.flush()
    return user
