"""Forgot password, in a real browser: the form, the worker's email, the link, a new sign-in."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from dashboard.choices import ROLE_TUTOR
from dashboard.extensions import db, mail
from dashboard.jobs import run_worker
from dashboard.models import User

pytestmark = pytest.mark.e2e

EMAIL = "forgetful@test.example"
NEW_PASSWORD = "remembered-at-last-2026"


@pytest.fixture
def forgetful(live_app, tmp_path):
    """A tutor of our own on the shared live app, and its email going into ``tmp_path``."""
    previous = live_app.config["MAIL_FILE_PATH"]
    live_app.config.update(MAIL_BACKEND="file", MAIL_FILE_PATH=str(tmp_path))
    mail.init_app(live_app)
    with live_app.app_context():
        user = User(
            email=EMAIL,
            full_name="Fran Forgetful",
            role=ROLE_TUTOR,
            password_hash=generate_password_hash("an-old-forgotten-one"),
        )
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    yield tmp_path
    with live_app.app_context():
        db.session.execute(sa.delete(User).where(User.email == EMAIL))
        db.session.commit()
        db.session.remove()
    live_app.config["MAIL_FILE_PATH"] = previous
    mail.init_app(live_app)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_forgot_password_to_signed_in(page_as, live_app, forgetful, javascript):
    page = page_as(javascript=javascript)
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("If an account uses that address").wait_for()

    # Playwright's event loop owns this thread: the worker runs in its own, for at most 60 s.
    worker = threading.Thread(target=run_worker, args=(live_app,), kwargs={"wait": False})
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive()
    # The shared live app's queue may hold other tests' emails (notices, reminders),
    # which the worker sends into the same folder: take the one to this address.
    [written] = [
        path for path in forgetful.iterdir() if path.is_file() and EMAIL in path.read_text()
    ]
    path = re.search(r"/password-reset/[A-Za-z0-9_-]+", written.read_text()).group(0)

    page.goto(path)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    page.get_by_text(f"Your password is set. Sign in as {EMAIL}.").wait_for()

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/tutors/\d+/calendar"))

    page.goto(path)  # used once: refused now
    page.get_by_role("heading", name="This link no longer works").wait_for()


def test_reset_pages_have_no_serious_accessibility_problems(page_as, axe_violations):
    page = page_as(bypass_csp=True)
    page.goto("/password-reset")
    assert axe_violations(page) == []
    page.goto("/password-reset/not-a-real-link-0123456789")
    assert axe_violations(page) == []
