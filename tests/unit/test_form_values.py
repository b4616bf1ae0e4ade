"""What the admin and settings forms accept before anything reaches PostgreSQL."""

from __future__ import annotations

import pytest

from dashboard.services.form_values import MAX_ID, clean_text, fits_id, parse_id
from dashboard.timezones import iana_zone_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-3", None),
        ("1e3", None),
        ("١٢", None),  # Arabic-Indic digits are decimal to Python, not to us
        ("", None),
        (None, None),
        ("9" * 40, None),
    ],
)
def test_parse_id(text, expected):
    assert parse_id(text) == expected


def test_fits_id():
    assert fits_id(1) and fits_id(MAX_ID)
    assert not fits_id(0) and not fits_id(MAX_ID + 1)


def test_clean_text_records_each_problem():
    errors: dict[str, str] = {}
    assert clean_text("  Ada  ", "name", errors, label="The name", max_length=10) == "Ada"
    clean_text("", "blank", errors, label="The name", max_length=10)
    clean_text("x" * 11, "long", errors, label="The name", max_length=10)
    clean_text("a\x00b", "nul", errors, label="The name", max_length=10)
    assert clean_text(" ", "optional", errors, label="Notes", max_length=10, required=False) is None
    assert set(errors) == {"blank", "long", "nul"}


def test_zone_names_are_the_ones_people_look_for():
    zones = iana_zone_names()
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"} <= set(zones)
    assert not {"posixrules", "EST5EDT", "Etc/GMT+5", "Factory"} & set(zones)
    assert list(zones) == sorted(zones)
