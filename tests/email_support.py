"""A real SMTP server for the email tests (aiosmtpd), and helpers to read what it received."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from dashboard.extensions import db, mail
from dashboard.jobs import run_worker


@dataclass
class Received:
    """One message as the SMTP server got it: the envelope recipients and the parsed email."""

    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "no text/plain part"
        return part.get_content()

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "no text/html part"
        return part.get_content()

    def attachments(self) -> dict[str, tuple[str, bytes]]:
        """filename → (content type, bytes)."""
        return {
            part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        }

    def link(self, path: str) -> str:
        """The secret at the end of the first ``…/<path>/<secret>`` link in the text."""
        match = re.search(rf"/{path}/([A-Za-z0-9_-]+)", self.text)
        assert match, f"no /{path}/ link in:\n{self.text}"
        return match.group(1)


@dataclass
class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope includes ``address``."""
        return [item for item in self.received if address in item.recipients]


@dataclass
class RefusingInbox(Inbox):
    """aiosmtpd handler that refuses every recipient with ``reply`` (a permanent failure)."""

    reply: str = "550 5.1.1 Mailbox unavailable"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return self.reply


def free_port() -> int:
    """A TCP port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(port: int, refuse_with: str | None = None) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1:``port`` for the block.

    ``refuse_with`` (an SMTP reply such as ``"550 No such user"``) makes it
    refuse every recipient: the send fails with the server's answer.
    """
    inbox = RefusingInbox(reply=refuse_with) if refuse_with else Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def send_through_smtp(app: Flask, port: int) -> None:
    """Point ``app``'s mail at an SMTP server on 127.0.0.1:``port``."""
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
        MAIL_DEFAULT_SENDER="Centre <centre@test.example>",
    )
    mail.init_app(app)


def work(app: Flask) -> None:
    """Run a worker in this process until every due job is done (``wait=False``)."""
    run_worker(app, wait=False)


def jobs(app: Flask) -> list[tuple[str, str, int]]:
    """(task, status, attempts) of every job, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT task_name, status::text, attempts FROM procrastinate_jobs ORDER BY id")
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def email_jobs(app: Flask) -> list[tuple[str, int]]:
    """(status, attempts) of every ``send_email`` job, oldest first."""
    return [(status, tries) for task, status, tries in jobs(app) if task == "send_email"]


def backoff_has_passed(app: Flask) -> None:
    """Make jobs waiting for a retry due now, as if their backoff had elapsed."""
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        )
        db.session.commit()
        db.session.remove()
