"""``flask create-user`` and ``flask set-password``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from dashboard.choices import MIN_PASSWORD_LENGTH
from dashboard.extensions import db
from dashboard.models import User
from tests.helpers import database_fingerprint

PASSWORD = "correct horse battery"


def create_user(
    runner, *, role="tutor", email="new.tutor@example.com", name="Nina New", typed=None
):
    typed = f"{PASSWORD}\n{PASSWORD}\n" if typed is None else typed
    args = ["create-user", "--role", role, "--email", email, "--name", name]
    return runner.invoke(args=args, input=typed)


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge_all()
        db.session.remove()
    return user


def test_create_user_hashes_the_password_and_never_shows_it(app, client, auth, runner):
    result = create_user(runner)
    assert result.exit_code == 0, result.output
    assert "Created tutor new.tutor@example.com" in result.output
    assert PASSWORD not in result.output
    assert "Password:" in result.output and "Repeat the password:" in result.output

    user = user_by_email(app, "new.tutor@example.com")
    assert user is not None
    assert (user.role, user.full_name, user.is_active) == ("tutor", "Nina New", True)
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, PASSWORD)

    response = auth.login("NEW.TUTOR@example.com", PASSWORD)
    assert response.status_code == 302
    assert response.location == f"/tutors/{user.id}/calendar"


@pytest.mark.parametrize(
    ("options", "typed", "message"),
    [
        ({"role": "admin"}, None, "Unknown role 'admin'"),
        ({"email": "not-an-email"}, None, "is not an email address"),
        ({"name": "   "}, None, "The name must not be empty."),
        ({}, "short-pw\nshort-pw\n", f"at least {MIN_PASSWORD_LENGTH} characters"),
        ({}, f"{PASSWORD}\nsomething else\n", "do not match"),
    ],
    ids=["unknown role", "bad email", "empty name", "short password", "mismatch"],
)
def test_create_user_refusals_exit_1_and_write_nothing(app, runner, options, typed, message):
    before = database_fingerprint(app)
    result = create_user(runner, typed=typed, **options)
    assert result.exit_code == 1
    assert message in result.output
    assert PASSWORD not in result.output
    assert database_fingerprint(app) == before


def test_create_user_refuses_a_taken_email_in_any_case(app, runner, demo):
    before = database_fingerprint(app)
    result = create_user(runner, email="Tutor1@Example.COM")
    assert result.exit_code == 1
    assert "An account with the email Tutor1@Example.COM already exists." in result.output
    assert "Password:" not in result.output  # refused before asking
    assert database_fingerprint(app) == before


def test_unknown_role_is_refused_before_the_password_is_asked(runner):
    result = create_user(runner, role="superuser", typed="")
    assert result.exit_code == 1
    assert "Password:" not in result.output
    assert "coordinator, tutor, student, parent" in result.output


def test_create_user_requires_its_options(runner):
    result = runner.invoke(args=["create-user", "--email", "x@example.com"], input="")
    assert result.exit_code != 0
    assert "Missing option" in result.output


def test_set_password_replaces_the_old_one(app, client, auth, runner, demo):
    result = runner.invoke(
        args=["set-password", "--email", "STUDENT1@example.com"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password changed for student1@example.com." in result.output
    assert PASSWORD not in result.output
    assert auth.login("student1@example.com", "tutoring-demo").status_code == 401
    assert auth.login("student1@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("email", "typed", "message"),
    [
        ("nobody@example.com", f"{PASSWORD}\n{PASSWORD}\n", "There is no account"),
        ("student1@example.com", "too-short\ntoo-short\n", "at least 12 characters"),
    ],
)
def test_set_password_refusals_exit_1_and_write_nothing(app, runner, demo, email, typed, message):
    before = database_fingerprint(app)
    result = runner.invoke(args=["set-password", "--email", email], input=typed)
    assert result.exit_code == 1
    assert message in result.output
    assert database_fingerprint(app) == before
