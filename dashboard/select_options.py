"""The ``<option>`` tags of the edit controls' ``<select>``s, built once per value.

A page of cards has three selects per card over the same few allowed values
(``choices.ATTENDANCE_STATUSES``, ``choices.PRIORITY_LEVELS``), so the markup
for each (allowed values, current value) pair is made once per process and
reused; as a Jinja loop it was a macro call and a dozen escapes per select.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup, escape


@lru_cache(maxsize=512)
def select_options(values: tuple[str, ...], current: str | None) -> Markup:
    """``<option>`` per value (labels capitalised), ``current`` selected.

    A current value that is not allowed (old data) shows as a disabled "—"
    placeholder so the select does not silently claim another value.
    """
    tags = [] if current in values else ['<option value="" disabled selected>—</option>']
    for value in values:
        selected = " selected" if value == current else ""
        tags.append(
            f'<option value="{escape(value)}"{selected}>{escape(value.capitalize())}</option>'
        )
    return Markup("".join(tags))
