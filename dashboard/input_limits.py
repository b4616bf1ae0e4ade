"""What PostgreSQL can hold: the range of a database id, and storable text.

A request carrying a value PostgreSQL refuses (an ``integer`` id past
2,147,483,647, a NUL byte in a text field) would otherwise reach the database
and end as a 500 (``NumericValueOutOfRange``, "cannot contain NUL"). Every
parser of user input asks these functions first, so such values are refused
up front with a clear 4xx message and nothing is written.

Plain functions without HTTP: services use them too. The web side (the URL
converter, the WTForms validator, the request guard) is ``dashboard.input_guard``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

#: Ids are PostgreSQL ``integer`` serials: 1 … 2³¹−1.
MIN_ID = 1
MAX_ID = 2_147_483_647


def _up_to(limit: int) -> str:
    """A regular expression matching exactly the decimal numbers 1 … ``limit`` (no leading 0).

    Used as the URL converter's pattern, so an id out of range does not match
    the rule at all (a converter that refused it only after matching would
    make werkzeug answer 405 where a rule for another method shares the path).
    """
    digits = str(limit)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else ""
    longest = []  # as long as limit: a smaller digit at position i, then any digits
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            longest.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{tail}")
    longest.append(digits)
    return "|".join(filter(None, [shorter, *longest]))


#: The text of an id in a URL or form: 1 … 2147483647 in ASCII digits, no leading 0.
ID_PATTERN = f"(?:{_up_to(MAX_ID)})"
_ID = re.compile(ID_PATTERN)
#: NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (not
#: encodable as UTF-8; they arrive only through JSON escapes such as "\ud800").
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_database_id(value: int) -> bool:
    """True when ``value`` fits an id column (1 … 2,147,483,647)."""
    return MIN_ID <= value <= MAX_ID


def parse_database_id(text: str | None) -> int | None:
    """The id written in ``text`` (ASCII digits only, within range), or None if it is not one."""
    if text is None or not _ID.fullmatch(text):
        return None
    return int(text)


def has_unstorable_characters(text: str) -> bool:
    """True when ``text`` holds a character no PostgreSQL text column can store."""
    return _UNSTORABLE.search(text) is not None


def column_length(column: sa.orm.InstrumentedAttribute | sa.Column) -> int | None:
    """The declared length of a ``String(n)`` column (None for unbounded text)."""
    expression = getattr(column, "expression", column)
    return getattr(expression.type, "length", None)


def text_problem(text: str, max_length: int | None = None) -> str | None:
    """Why ``text`` cannot be stored (a sentence for the user), or None when it can."""
    if has_unstorable_characters(text):
        return "Remove the invisible control character (NUL) from this text."
    if max_length is not None and len(text) > max_length:
        return f"Keep this to at most {max_length:,} characters."
    return None
