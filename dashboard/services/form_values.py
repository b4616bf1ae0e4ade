"""Checking the text and ids people type into the admin and settings forms.

A stop-gap until the shared converter/validator lands: what PostgreSQL cannot
hold (NUL bytes, ids beyond ``integer``) is refused here, before any SQL.
Services collect every problem of a form in one ``FormError`` so the page can
show them all at once, next to their fields.
"""

from __future__ import annotations

#: The largest value of a PostgreSQL ``integer`` (every id column).
MAX_ID = 2_147_483_647


class FormError(ValueError):
    """A form we refuse; ``errors`` maps each field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def clean_text(
    value: str | None,
    field: str,
    errors: dict[str, str],
    *,
    label: str,
    max_length: int,
    required: bool = True,
) -> str | None:
    """``value`` trimmed (None when blank and optional); records a problem in ``errors``."""
    text = (value or "").strip()
    if "\x00" in text:
        errors[field] = f"{label} must not contain NUL characters."
    elif not text and required:
        errors[field] = f"Enter {label.lower()}."
    elif len(text) > max_length:
        errors[field] = f"{label} must be at most {max_length} characters."
    return text or None


def parse_id(value: object) -> int | None:
    """A row id from a form value, or None if it is not a positive ``integer``."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def fits_id(number: int) -> bool:
    """True if ``number`` (e.g. from a URL) can be a row id at all."""
    return 0 < number <= MAX_ID
