"""Strict parsing of query-string values for the read-only pages.

Each parser either returns a clean value or raises ``BadParameter`` whose
message names the parameter and says what is accepted, so a route can turn it
into a 400 with a clear description (never a 500 from a stray ``ValueError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from dashboard.input_limits import MAX_ID

#: Dates outside this range are refused: far enough for any real schedule, and
#: it keeps "previous/next month" and the padded query range from overflowing.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_POSITIVE_INT = re.compile(r"[1-9][0-9]*")


class BadParameter(ValueError):
    """A query-string value we cannot accept; ``str(error)`` is for the user."""


def one_of(name: str, value: str | None, allowed: Iterable[str], default: str) -> str:
    """``value`` if it is one of ``allowed``; ``default`` when absent or empty."""
    if value is None or value == "":
        return default
    options = tuple(allowed)
    if value not in options:
        raise BadParameter(f"{name} must be one of {', '.join(options)} (got {value!r}).")
    return value


def optional_one_of(name: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """Like ``one_of`` but absent or empty means None (no filter)."""
    if value is None or value == "":
        return None
    return one_of(name, value, allowed, default="")


def iso_date(name: str, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date, or None when absent or empty."""
    if value is None or value == "":
        return None
    if not _ISO_DATE.fullmatch(value):
        raise BadParameter(f"{name} must be a date written YYYY-MM-DD (got {value!r}).")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name} is not a real calendar date (got {value!r}).") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadParameter(
            f"{name} must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}."
        )
    return day


def positive_int(name: str, value: str | None) -> int | None:
    """A whole number from 1 to 2,147,483,647, or None when absent or empty.

    The one parser of ids (``tutor``, ``student``, ``course``) and page numbers
    in query strings: the bound is PostgreSQL's ``integer``, so a filter value
    never reaches the database out of range.
    """
    if value is None or value == "":
        return None
    if not _POSITIVE_INT.fullmatch(value):
        raise BadParameter(f"{name} must be a whole number of 1 or more (got {_short(value)}).")
    if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
        raise BadParameter(f"{name} must be at most {MAX_ID:,} (got {_short(value)}).")
    return int(value)


def _short(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message, cut short if long (the page repeats the message)."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
