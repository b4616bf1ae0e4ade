"""The link/unlink form (Flask-WTF checks the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired

from dashboard.input_guard import DatabaseId


class FamilyLinkForm(FlaskForm):
    """A parent id and a student id, as posted by the families page."""

    parent_id = IntegerField("Parent", validators=[InputRequired(), DatabaseId()])
    student_id = IntegerField("Student", validators=[InputRequired(), DatabaseId()])
