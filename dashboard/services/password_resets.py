"""Forgotten passwords: a one-time emailed link, valid one hour.

``request_password_reset(email)`` queues the email only when an active
account has that address, and says nothing either way: the page answers the
same for every address, so it cannot be used to find out who has an account.
"""

from __future__ import annotations

from dashboard.choices import EMAIL_PASSWORD_RESET, TOKEN_PASSWORD_RESET
from dashboard.jobs import defer
from dashboard.services import one_time_links
from dashboard.services.accounts import find_user_by_email


def request_password_reset(email: str) -> None:
    """Queue a reset link for the active account with ``email``, if any; the caller commits."""
    cleaned = email.strip()
    if not cleaned or len(cleaned) > 255 or "\x00" in cleaned:
        return
    user = find_user_by_email(cleaned)
    if user is None or not user.is_active:
        return
    link = one_time_links.new_link(user.id, TOKEN_PASSWORD_RESET)
    defer("send_email", kind=EMAIL_PASSWORD_RESET, user_id=user.id, token_id=link.id)
