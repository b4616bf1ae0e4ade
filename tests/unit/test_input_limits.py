"""The id range and the storable-text check every parser uses (no database needed)."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField, SelectField, StringField

from dashboard.input_guard import DatabaseId, StorableText, coerce_database_id
from dashboard.input_limits import (
    ID_PATTERN,
    MAX_ID,
    column_length,
    parse_database_id,
    text_problem,
)
from dashboard.models import Session


def _edges() -> list[int]:
    """Numbers around every digit boundary of the pattern, and around the limit itself."""
    around = {MAX_ID + d for d in range(-12, 13)}
    for power in range(11):
        around |= {10**power - 1, 10**power, 10**power + 1}
    digits = str(MAX_ID)
    for i in range(len(digits)):  # e.g. 2147479999, 2147480000 (one digit changes)
        prefix = int(digits[: i + 1]) * 10 ** (len(digits) - i - 1)
        around |= {prefix - 1, prefix, prefix + 1}
    return sorted(n for n in around if n >= 0)


@pytest.mark.parametrize("number", _edges())
def test_the_id_pattern_matches_exactly_one_to_max(number):
    assert bool(re.fullmatch(ID_PATTERN, str(number))) == (1 <= number <= MAX_ID)
    assert parse_database_id(str(number)) == (number if 1 <= number <= MAX_ID else None)


@pytest.mark.parametrize("text", ["", "-1", "+1", "01", " 1", "1 ", "1.0", "1e3", "٣", "x", None])
def test_anything_but_plain_digits_is_not_an_id(text):
    assert parse_database_id(text) is None


def test_text_problem_names_nul_surrogates_and_length():
    assert text_problem("fine text é ✓") is None
    assert "NUL" in text_problem("a\x00b")
    assert text_problem("\ud800") is not None
    assert text_problem("x" * 255, 255) is None
    assert "255" in text_problem("x" * 256, 255)


def test_column_length_reads_the_model():
    assert column_length(Session.location) == 255
    assert column_length(Session.topics) is None


class _Choose(Form):
    board = SelectField(coerce=coerce_database_id, validate_choice=False, validators=[DatabaseId()])
    parent = IntegerField(validators=[DatabaseId("Choose a parent.")])
    note = StringField(validators=[StorableText(10)])


@pytest.mark.parametrize(
    ("sent", "valid"),
    [
        ("", True),
        ("7", True),
        (str(MAX_ID), True),
        ("0", False),
        (str(MAX_ID + 1), False),
        (str(2**63), False),
        ("junk", False),
        ("-3", False),
    ],
)
def test_select_ids_are_checked_by_the_one_validator(sent, valid):
    form = _Choose(MultiDict({"board": sent, "parent": "1"}))
    assert form.validate() is valid, form.errors


@pytest.mark.parametrize(("sent", "valid"), [("5", True), ("0", False), (str(2**31), False)])
def test_integer_ids_are_checked_by_the_one_validator(sent, valid):
    form = _Choose(MultiDict({"board": "", "parent": sent}))
    assert form.validate() is valid
    if not valid:
        assert form.errors["parent"] == ["Choose a parent."]


@pytest.mark.parametrize(("sent", "valid"), [("ten chars!", True), ("eleven char", False)])
def test_storable_text_holds_the_length(sent, valid):
    form = _Choose(MultiDict({"board": "", "parent": "1", "note": sent}))
    assert form.validate() is valid
