"""The form that makes a token (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from dashboard.choices import API_TOKEN_LIFETIME_DAYS, API_TOKEN_SCOPE_READ, API_TOKEN_SCOPE_WRITE
from dashboard.services.api_tokens import MAX_NAME_LENGTH


class NewTokenForm(FlaskForm):
    """Name, scope and lifetime of a new token."""

    name = StringField(
        "Name",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Give the token a name, e.g. the script that will use it."),
            Length(max=MAX_NAME_LENGTH, message=f"At most {MAX_NAME_LENGTH} characters."),
        ],
    )
    scope = RadioField(
        "What it may do",
        choices=[
            SelectChoice(API_TOKEN_SCOPE_READ, "Read only: list and read what you can see"),
            SelectChoice(API_TOKEN_SCOPE_WRITE, "Read and write: also change what you may change"),
        ],
        default=API_TOKEN_SCOPE_READ,
        validators=[DataRequired(message="Choose read or write.")],
    )
    lifetime_days = SelectField(
        "Expires after",
        choices=[SelectChoice(days, f"{days} days") for days in API_TOKEN_LIFETIME_DAYS],
        coerce=int,
        default=30,
    )
