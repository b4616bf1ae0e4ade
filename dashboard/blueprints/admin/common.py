"""Pieces the admin routes share: the coordinator check, ids from URLs, page numbers."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, request
from flask_login import current_user

from dashboard.access import require
from dashboard.extensions import db
from dashboard.permissions import is_coordinator
from dashboard.query_params import BadParameter, positive_int
from dashboard.services.form_values import fits_id

T = TypeVar("T")

COORDINATORS_ONLY = "Only coordinators can run the centre's people, courses and enrolments."


def require_coordinator() -> None:
    """403 unless the signed-in user is a coordinator."""
    require(is_coordinator(current_user), COORDINATORS_ONLY)


def load(model: type[T], row_id: int, what: str) -> T:
    """The row of ``model`` with this id, or 404 naming what is missing.

    Ids beyond PostgreSQL's ``integer`` cannot exist and never reach the database.
    """
    row = db.session.get(model, row_id) if fits_id(row_id) else None
    if row is None:
        abort(404, description=f"There is no {what} #{row_id}.")
    return row


def page_number() -> int:
    """``?page=`` (1 when absent); 400 for anything but a whole number from 1."""
    try:
        return positive_int("page", request.args.get("page")) or 1
    except BadParameter as error:
        abort(400, description=str(error))


def checked(name: str) -> bool:
    """True if the form's checkbox ``name`` was ticked."""
    return request.form.get(name) in ("on", "true", "1", "yes")
