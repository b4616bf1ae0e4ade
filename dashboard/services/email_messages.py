"""The emails the worker sends: built from the database at send time, sent with Flask-Mailman.

Each ``send_email`` job names a kind (``dashboard.choices.EMAIL_KINDS``), the
recipient's user id and what it is about (a link or a session). ``deliver``
reads the current rows, so an email says what is true when it leaves, and
skips quietly when there is nothing left to say (the person was deactivated,
the link was used, the session is gone). A send that fails raises, and the
job queue retries it with backoff.

Every message has a plain-text and an HTML part (``templates/email/<kind>.txt``
and ``.html``); reminders and session notices carry the session's ``.ics``.
Times are shown in the recipient's own time zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives

from dashboard.choices import (
    EMAIL_INVITATION,
    EMAIL_KINDS,
    EMAIL_PASSWORD_RESET,
    EMAIL_REMINDER,
    NOTICE_CANCELLED,
    SESSION_NOTICES,
    TOKEN_INVITATION,
    TOKEN_PASSWORD_RESET,
)
from dashboard.extensions import db, mail
from dashboard.models import User
from dashboard.services import feeds, one_time_links
from dashboard.services.session_views import SessionView, get_session_view
from dashboard.timezones import end_date, is_valid_zone, schedule_datetime, zone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Message:
    """One email to one person."""

    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = field(default=())


def send(message: Message) -> None:
    """Hand ``message`` to the configured backend (``MAIL_BACKEND``); raises if it fails."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[message.to],
        connection=mail.get_connection(),
    )
    email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    email.send()


def public_url(endpoint: str, **values: object) -> str:
    """An absolute link to ``endpoint`` on ``PUBLIC_URL`` (the worker has no request)."""
    base = urlsplit(str(current_app.config["PUBLIC_URL"]))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def recipient_zone(user: User):
    """The zone the recipient reads times in."""
    if user.timezone and is_valid_zone(user.timezone):
        return zone(user.timezone)
    return zone(current_app.config["DEFAULT_USER_TIMEZONE"])


def deliver(
    kind: str, user_id: int, *, token_id: int | None = None, session_id: int | None = None
) -> bool:
    """Build and send one email; False when there was nothing to send. Commits.

    The secret of a link is stored (hashed) and committed before the send: if
    the send then fails, the retry makes a new one.
    """
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        logger.info("email %s to user %s skipped: no active account", kind, user_id)
        return False
    if kind in (EMAIL_INVITATION, EMAIL_PASSWORD_RESET):
        message = _link_message(kind, user, token_id)
    else:
        message = _session_message(kind, user, session_id)
    db.session.commit()
    if message is None:
        logger.info("email %s to user %s skipped: nothing left to send", kind, user_id)
        return False
    send(message)
    return True


def _render(template_name: str, subject: str, to: str, **context: object) -> Message:
    template = template_name.replace("-", "_")
    context = {"subject": subject, "centre_url": public_url("home.index"), **context}
    return Message(
        to=to,
        subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
    )


def _link_message(kind: str, user: User, token_id: int | None) -> Message | None:
    purpose = TOKEN_INVITATION if kind == EMAIL_INVITATION else TOKEN_PASSWORD_RESET
    issued = one_time_links.issue_secret(token_id) if token_id is not None else None
    if issued is None:
        return None
    link, secret = issued
    if link.user_id != user.id or link.purpose != purpose:
        return None
    endpoint = "onboarding.invitation" if purpose == TOKEN_INVITATION else "onboarding.reset"
    expires = link.expires_at.astimezone(recipient_zone(user))
    subject = (
        "You are invited to the tutoring dashboard"
        if purpose == TOKEN_INVITATION
        else "Reset your tutoring dashboard password"
    )
    return _render(
        kind,
        subject,
        user.email,
        user=user,
        link=public_url(endpoint, token=secret),
        expires=expires,
    )


@dataclass(frozen=True)
class SessionTimes:
    """A session's start and end in the recipient's zone."""

    starts: datetime
    ends: datetime


def session_times(view: SessionView, user: User) -> SessionTimes:
    """When ``view`` starts and ends, for ``user`` to read."""
    viewer = recipient_zone(user)
    end_day = end_date(view.session_date, view.start_time, view.end_time)
    return SessionTimes(
        starts=schedule_datetime(view.session_date, view.start_time).astimezone(viewer),
        ends=schedule_datetime(end_day, view.end_time).astimezone(viewer),
    )


def _session_message(kind: str, user: User, session_id: int | None) -> Message | None:
    view = get_session_view(session_id) if session_id is not None else None
    if view is None:
        return None
    if kind == EMAIL_REMINDER and view.status in ("cancelled", "completed"):
        return None
    times = session_times(view, user)
    title = view.course_title or "Session"
    subjects = {
        EMAIL_REMINDER: f"Reminder: {title} at {times.starts:%H:%M} on {times.starts:%a %d %b}",
        NOTICE_CANCELLED: f"Cancelled: {title} on {times.starts:%a %d %b} at {times.starts:%H:%M}",
    }
    subject = subjects.get(kind, f"Moved: {title} is now on {times.starts:%a %d %b %H:%M}")
    message = _render(
        "session_notice" if kind in SESSION_NOTICES else kind,
        subject,
        user.email,
        user=user,
        kind=kind,
        session=view,
        times=times,
        zone_name=str(recipient_zone(user)),
        link=public_url("sessions.detail", session_id=view.id),
    )
    ics = Attachment(f"session-{view.id}.ics", feeds.single_session(view), "text/calendar")
    return Message(message.to, message.subject, message.text, message.html, (ics,))
