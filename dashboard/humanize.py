"""Session columns in words, for the pages (registered as template filters).

Pure functions of plain values: no database, no request.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

_FREQUENCY_WORDS = {
    "daily": "every day",
    "weekly": "every week",
    "biweekly": "every two weeks",
    "monthly": "every month",
}
_RRULE_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_RRULE_DAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


def is_http_url(value: object) -> bool:
    """True for an absolute ``http``/``https`` URL with a host and no spaces or control chars.

    Only such URLs become links; anything else (``javascript:``, ``data:``, …)
    is shown as text.
    """
    if not isinstance(value, str) or not value:
        return False
    if any(ord(ch) < 33 or ch == "\\" for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def topic_list(value: Any) -> list[str]:
    """The topics JSON as a list of strings (strings, or objects with a name/title)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [str(value)]
    topics = []
    for item in value:
        if isinstance(item, dict):
            label = item.get("name") or item.get("title") or item.get("topic")
            topics.append(str(label) if label else json.dumps(item, ensure_ascii=False))
        elif item is not None and str(item).strip():
            topics.append(str(item))
    return topics


def review_label(review_id: int | None) -> str:
    """``review #12``, or ``none yet``."""
    return f"review #{review_id}" if review_id is not None else "none yet"


def yes_no(value: bool | None) -> str:
    """``yes`` / ``no`` (an unset flag is ``no``)."""
    return "yes" if value else "no"


def minutes_label(minutes: int | None) -> str:
    """``45 minutes``, ``1 hour``, ``1 hour 30 minutes``; ``not recorded`` when unset."""
    if minutes is None:
        return "not recorded"
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def long_date(value: date | datetime) -> str:
    """``Monday 24 March 2025``."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def long_datetime(value: datetime | None) -> str:
    """``Monday 24 March 2025, 16:05``; ``unknown`` when unset."""
    if value is None:
        return "unknown"
    return f"{long_date(value)}, {value:%H:%M}"


def short_day(value: date | datetime) -> str:
    """``Mon 24 Mar``."""
    return f"{value:%a} {value.day} {value:%b}"


def recurrence_summary(is_recurring: bool | None, frequency: str | None, pattern: Any) -> str:
    """One sentence about how a session repeats, from the three recurrence columns."""
    if not is_recurring:
        return "Does not repeat (one-time session)."
    rule = _rrule_text(pattern)
    if rule:
        described = describe_rrule(rule)
        if described:
            zone = _pattern_zone(pattern)
            return f"Repeats {described}" + (f" ({zone} time)." if zone else ".")
    words = _FREQUENCY_WORDS.get(frequency or "")
    if words:
        return f"Repeats {words}."
    return "Repeats (no frequency recorded)."


def pattern_text(pattern: Any) -> str:
    """The stored ``recurring_pattern`` as compact text, for showing verbatim."""
    if pattern is None:
        return ""
    if isinstance(pattern, str):
        return pattern
    return json.dumps(pattern, ensure_ascii=False, sort_keys=True)


def _rrule_text(pattern: Any) -> str | None:
    if isinstance(pattern, str):
        text = pattern
    elif isinstance(pattern, dict):
        text = next((str(pattern[k]) for k in ("rrule", "RRULE", "rule") if pattern.get(k)), "")
    else:
        return None
    return text if "FREQ=" in text.upper() else None


def _pattern_zone(pattern: Any) -> str | None:
    if isinstance(pattern, dict):
        for key in ("tzid", "timezone", "time_zone", "TZID"):
            if isinstance(pattern.get(key), str):
                return pattern[key]
    return None


def describe_rrule(rule: str) -> str | None:
    """``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10`` → ``every 2 weeks on Tuesday and
    Thursday, 10 times``; None for rules it cannot read."""
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    try:
        parts = dict(
            (key.strip().upper(), value.strip())
            for key, value in (item.split("=", 1) for item in rule.split(";") if item.strip())
        )
    except ValueError:
        return None
    unit = _RRULE_UNITS.get(parts.get("FREQ", "").upper())
    if unit is None:
        return None
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return None
    text = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
    days = [_byday_word(day) for day in parts.get("BYDAY", "").split(",") if day]
    if any(day is None for day in days):
        return None
    if days:
        text += " on " + _join([d for d in days if d])
    if "COUNT" in parts and parts["COUNT"].isdigit():
        count = int(parts["COUNT"])
        text += f", {count} time{'s' if count != 1 else ''}"
    elif "UNTIL" in parts:
        until = _parse_until(parts["UNTIL"])
        if until is None:
            return None
        text += f", until {until.day} {until:%B %Y}"
    return text


def _byday_word(token: str) -> str | None:
    match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", token.strip().upper())
    if not match:
        return None
    day = _RRULE_DAYS[match.group(2)]
    if match.group(1):
        ordinal = _ORDINALS.get(int(match.group(1)))
        return f"the {ordinal} {day}" if ordinal else None
    return day


def _parse_until(value: str) -> date | None:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?", value.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


#: name → function, registered on the Jinja environment by the app factory.
FILTERS = {
    "topic_list": topic_list,
    "review_label": review_label,
    "yes_no": yes_no,
    "minutes_label": minutes_label,
    "long_date": long_date,
    "long_datetime": long_datetime,
    "short_day": short_day,
    "pattern_text": pattern_text,
}
TESTS = {"http_url": is_http_url}
GLOBALS = {"recurrence_summary": recurrence_summary}
