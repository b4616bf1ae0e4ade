"""Checking the text and ids people type into the admin and settings forms.

What PostgreSQL cannot hold (NUL bytes, ids beyond ``integer``) is refused
here, before any SQL, by the shared rules of ``dashboard.input_limits``.
Services collect every problem of a form in one ``FormError`` so the page can
show them all at once, next to their fields.
"""

from __future__ import annotations

from dashboard.input_limits import MAX_ID, has_unstorable_characters, is_database_id

__all__ = ["MAX_ID", "FormError", "clean_text", "fits_id", "parse_id"]


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
    if has_unstorable_characters(text):
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
    return number if is_database_id(number) else None


def fits_id(number: int) -> bool:
    """True if ``number`` (e.g. from a URL) can be a row id at all."""
    return is_database_id(number)
