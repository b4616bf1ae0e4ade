"""What a report covers: a date range and the schedule list's tutor, student, course filters.

Dates are the centre's dates (``sessions.session_date``, the schedule time
zone), both ends included: a payroll period is a set of calendar days, whoever
reads it. Without dates a report covers the last full calendar month; with one end only,
the month of that end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dashboard.query_params import BadParameter, iso_date, one_of, positive_int

#: Longest range one report covers (a leap year, both ends included).
MAX_DAYS = 366
#: How the hours chart stacks its bars.
STACK_CHOICES: tuple[str, ...] = ("tutor", "course")
DEFAULT_STACK = "tutor"


def last_full_month(today: date) -> tuple[date, date]:
    """First and last day of the calendar month before ``today``'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def month_end(day: date) -> date:
    """Last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class ReportQuery:
    """The report asked for; ``args()`` writes it back as a query string."""

    date_from: date
    date_to: date
    tutor: int | None = None
    student: int | None = None
    course: int | None = None
    stack: str = DEFAULT_STACK

    @property
    def days(self) -> int:
        """How many days the range covers (both ends included)."""
        return (self.date_to - self.date_from).days + 1

    def args(self, **changes: object) -> dict[str, str]:
        """Query-string arguments of this report with ``changes`` (no empty filters)."""
        query = replace(self, **changes)
        out = {"from": query.date_from.isoformat(), "to": query.date_to.isoformat()}
        for name in ("tutor", "student", "course"):
            value = getattr(query, name)
            if value is not None:
                out[name] = str(value)
        if query.stack != DEFAULT_STACK:
            out["stack"] = query.stack
        return out

    def narrowed_to_tutor(self, tutor_id: int | None) -> ReportQuery:
        """The same report for one tutor (None leaves it as it is)."""
        return self if tutor_id is None else replace(self, tutor=tutor_id)


def parse_report_query(args: Mapping[str, str], today: date) -> tuple[ReportQuery, list[str]]:
    """Read the query string; returns the query and one message per invalid value.

    ``today`` (the centre's) places the default range. A bad value leaves its
    default in the returned query; the caller answers 400 with the messages.
    """
    errors: list[str] = []
    default_from, default_to = last_full_month(today)
    values: dict[str, object] = {}

    def take(name: str, parse: Callable[[], object]) -> None:
        try:
            value = parse()
        except BadParameter as error:
            errors.append(str(error))
            return
        if value is not None:
            values[name] = value

    take("date_from", lambda: iso_date("from", args.get("from")))
    take("date_to", lambda: iso_date("to", args.get("to")))
    take("tutor", lambda: positive_int("tutor", args.get("tutor")))
    take("student", lambda: positive_int("student", args.get("student")))
    take("course", lambda: positive_int("course", args.get("course")))
    take("stack", lambda: one_of("stack", args.get("stack"), STACK_CHOICES, DEFAULT_STACK))
    if "date_from" not in values and "date_to" not in values:
        values["date_from"], values["date_to"] = default_from, default_to
    elif "date_from" not in values:
        values["date_from"] = values["date_to"].replace(day=1)  # type: ignore[attr-defined]
    elif "date_to" not in values:
        values["date_to"] = month_end(values["date_from"])  # type: ignore[arg-type]
    query = ReportQuery(**values)  # type: ignore[arg-type]
    if query.date_from > query.date_to:
        errors.append("The 'from' date is after the 'to' date; swap them.")
        query = replace(query, date_from=default_from, date_to=default_to)
    elif query.days > MAX_DAYS:
        errors.append(f"A report covers at most {MAX_DAYS} days; choose a shorter range.")
        query = replace(query, date_from=default_from, date_to=default_to)
    return query, errors
