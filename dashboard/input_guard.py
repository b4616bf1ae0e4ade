"""Input PostgreSQL cannot hold is refused at the door (the web side of ``input_limits``).

Three pieces, each used everywhere its kind of input arrives:

- ``DatabaseIdConverter`` replaces Flask's ``int`` URL converter, so every
  ``<int:…>`` rule matches only 1 … 2,147,483,647 and anything else is a 404
  before a view runs (rule names stay as they are).
- ``DatabaseId`` (a WTForms validator) and ``coerce_database_id`` (a
  ``SelectField`` coerce) for every form field that carries an id: beyond the
  range is a 422 with the field's own message.
- ``refuse_unstorable_text`` (a ``before_request`` hook) refuses a NUL byte or
  a lone surrogate anywhere in the path, the query string, the form or a JSON
  body: 400 for the address, 422 for a form, with the page or fragment saying
  which field. Lengths are per field: ``StorableText(max_length)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request
from werkzeug.routing import IntegerConverter, Map
from wtforms import Field, Form
from wtforms.validators import ValidationError

from dashboard.input_limits import (
    ID_PATTERN,
    MAX_ID,
    MIN_ID,
    has_unstorable_characters,
    is_database_id,
    parse_database_id,
    text_problem,
)


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` bounded to the ids PostgreSQL's ``integer`` holds; others do not match (404).

    The pattern itself holds the bound (``ID_PATTERN``): werkzeug then treats
    ``/sessions/0`` like any unknown path. ``min``/``max`` stay as a second check.
    """

    regex = ID_PATTERN

    def __init__(
        self,
        map: Map,  # werkzeug names the parameters (map, min, max)
        fixed_digits: int = 0,
        min: int | None = MIN_ID,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def coerce_database_id(value: object) -> int | None:
    """A ``SelectField`` coerce: blank → None, an id → int, anything else → 0.

    0 is never a row id; ``DatabaseId`` then answers it with the field's own
    message instead of WTForms' "could not coerce".
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if is_database_id(value) else 0
    parsed = parse_database_id(str(value).strip())
    return parsed if parsed is not None else 0


class DatabaseId:
    """WTForms validator: a given value must be an id PostgreSQL can hold (blank passes)."""

    def __init__(self, message: str = "That is not one of the choices.") -> None:
        self.message = message

    def __call__(self, _form: Form, field: Field) -> None:
        data = field.data
        if data is None:
            return  # blank (InputRequired decides) or not a number (already an error)
        if not isinstance(data, int) or isinstance(data, bool) or not is_database_id(data):
            raise ValidationError(self.message)


class StorableText:
    """WTForms validator: no NUL or lone surrogate, and at most ``max_length`` characters."""

    def __init__(self, max_length: int | None) -> None:
        self.max_length = max_length

    def __call__(self, _form: Form, field: Field) -> None:
        problem = text_problem(field.data or "", self.max_length)
        if problem:
            raise ValidationError(problem)


# --- The request guard -------------------------------------------------------


def init_input_guard(app: Flask) -> None:
    """Bound every ``<int:…>`` rule and refuse unstorable text; call before adding routes."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_unstorable_text)


def refuse_unstorable_text() -> Response | None:
    """400/422 naming the first path, query or form value PostgreSQL could not store."""
    from dashboard.errors import render_error

    refused = next(_unstorable_values(), None)
    return render_error(*refused) if refused else None


def _unstorable_values() -> Iterator[tuple[int, str]]:
    """(status, message) for each path, query-string, form or JSON value that cannot be stored."""
    address = "Check the link and try again: it contains a character that cannot be used (NUL)."
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and has_unstorable_characters(value):
            yield 400, address
    for name, value in request.args.items(multi=True):
        if has_unstorable_characters(name + value):
            yield 400, address
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    for name, value in request.form.items(multi=True):
        if has_unstorable_characters(name + value):
            label = name.replace("_", " ")
            yield (
                422,
                (
                    f"The field “{label}” contains an invisible control character (NUL) "
                    "that cannot be saved. Remove it and try again."
                ),
            )
    if request.is_json and _json_has_unstorable(request.get_json(silent=True)):
        yield 422, "The request contains a character that cannot be saved (NUL); remove it."


def _json_has_unstorable(data: Any) -> bool:
    """True when any key or string inside a decoded JSON document cannot be stored."""
    if isinstance(data, str):
        return has_unstorable_characters(data)
    if isinstance(data, dict):
        return any(_json_has_unstorable(k) or _json_has_unstorable(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_json_has_unstorable(item) for item in data)
    return False
