"""Whiteboard forms (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, Form, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from dashboard.input_guard import coerce_database_id
from dashboard.services.whiteboards import MAX_NAME_LENGTH, board_url_problem


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _printable(_form: Form, field: Field) -> None:
    """No control characters (they cannot be stored, and nobody types them)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in field.data or ""):
        raise ValidationError("Use letters, digits and punctuation only.")


def _board_url(_form: Form, field: Field) -> None:
    problem = board_url_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class WhiteboardForm(FlaskForm):
    """Name and address of a board (create and rename)."""

    session_name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired(message="Enter a name."),
            Length(max=MAX_NAME_LENGTH, message=f"At most {MAX_NAME_LENGTH} characters."),
            _printable,
        ],
    )
    board_url = StringField(
        "Board address (http or https URL)",
        filters=[_strip],
        validators=[DataRequired(message="Enter the board's address."), _board_url],
    )


class NewWhiteboardForm(WhiteboardForm):
    """A coordinator also chooses which tutor owns the new board."""

    owner_id = SelectField("Owner (tutor)", coerce=coerce_database_id)


class DeleteWhiteboardForm(FlaskForm):
    """Confirmation of a delete: only the CSRF token."""
