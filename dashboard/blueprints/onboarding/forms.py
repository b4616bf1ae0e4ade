"""Forms of the emailed-link pages (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from dashboard.choices import MIN_PASSWORD_LENGTH


class ResetRequestForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1024,
                message=f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
            ),
        ],
    )
    confirm = PasswordField(
        "The same password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class ResendInvitationForm(FlaskForm):
    """ "Resend invitation": only the CSRF token and the page to come back to."""

    next = HiddenField()
