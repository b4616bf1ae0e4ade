"""The tables of a report: one definition per table, drawn by the page and written as CSV.

A ``Table`` holds its columns and rows as the very text both show, so the
downloaded file and the page cannot disagree: the page puts the cells in
``<td>``s, ``csv_files`` writes the same cells (plus the rows the page leaves
out when a table is long).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.services.reports.figures import (
    ATTENDANCE_COLUMNS,
    Line,
    Report,
    Tally,
)

Cell = str | int
#: The tables a report has, by the name of their CSV file (``/reports/<name>.csv``).
TABLE_NAMES: tuple[str, ...] = ("tutors", "students", "courses", "timesheet")


def hours_text(hours: float) -> str:
    """Hours with two decimals (``7.50``): minutes are whole, so nothing is lost to 1/60."""
    return f"{hours:.2f}"


def rate_text(rate: float | None) -> str:
    """A rate as a percentage with one decimal (``87.5``); empty when there is none."""
    return "" if rate is None else f"{rate * 100:.1f}"


def rating_text(rating: float | None) -> str:
    """An average rating (1–5) with two decimals; empty without reviews."""
    return "" if rating is None else f"{rating:.2f}"


@dataclass(frozen=True)
class Column:
    """One column: its heading and how a row's cell is made."""

    header: str
    cell: Callable[[Any], Cell]


@dataclass(frozen=True)
class Table:
    """A table of a report: caption, columns, rows, and an optional totals row."""

    name: str
    caption: str
    columns: Sequence[Column]
    rows: Sequence[Any]
    total: Any | None = None
    total_label: str = "All"

    @property
    def headers(self) -> list[str]:
        """Column headings, in order."""
        return [column.header for column in self.columns]

    def cells(self, row: Any) -> list[Cell]:
        """The cells of one row."""
        return [column.cell(row) for column in self.columns]

    def body(self, limit: int | None = None) -> Iterator[list[Cell]]:
        """Every row's cells (the first ``limit`` rows when given)."""
        rows = self.rows if limit is None else self.rows[:limit]
        for row in rows:
            yield self.cells(row)

    def total_cells(self) -> list[Cell] | None:
        """The totals row (its first cell is ``total_label``), or None."""
        if self.total is None:
            return None
        return [self.total_label, *self.cells(self.total)[1:]]


def _tally_column(header: str, read: Callable[[Tally], Cell]) -> Column:
    return Column(header, lambda line: read(line.tally))


def _whole(tally: Tally) -> Line:
    return Line(0, "", tally)


def tutor_table(report: Report) -> Table:
    """Per tutor: sessions, completed, cancelled (late), hours, attendance, reviews."""
    columns = [
        Column("Tutor", lambda line: line.name),
        _tally_column("Sessions", lambda t: t.sessions),
        _tally_column("Completed", lambda t: t.completed),
        _tally_column("Cancelled", lambda t: t.cancelled),
        _tally_column("Of which late", lambda t: t.late_cancelled),
        _tally_column("Hours taught", lambda t: hours_text(t.taught_hours)),
        *(
            _tally_column(value.capitalize(), lambda t, value=value: t.attendance[value])
            for value in ATTENDANCE_COLUMNS
        ),
        _tally_column("Attendance rate (%)", lambda t: rate_text(t.attendance_rate)),
        _tally_column("Average rating", lambda t: rating_text(t.average_rating)),
        _tally_column("Reviews", lambda t: t.reviews),
    ]
    return Table("tutors", "Per tutor", columns, report.tutors, _whole(report.total), "All tutors")


def student_table(report: Report) -> Table:
    """Per student: hours attended, attendance rate, absences, late cancellations."""
    columns = [
        Column("Student", lambda line: line.name),
        _tally_column("Sessions", lambda t: t.sessions),
        _tally_column("Hours attended", lambda t: hours_text(t.attended_hours)),
        _tally_column("Attendance rate (%)", lambda t: rate_text(t.attendance_rate)),
        _tally_column("Absences", lambda t: t.attendance["absent"]),
        _tally_column("Late cancellations", lambda t: t.late_cancelled),
    ]
    return Table(
        "students", "Per student", columns, report.students, _whole(report.total), "All students"
    )


def course_table(report: Report) -> Table:
    """Per course: students, sessions, hours taught, attendance rate."""
    columns = [
        Column("Course", lambda line: line.name),
        _tally_column("Students", lambda t: t.students),
        _tally_column("Sessions", lambda t: t.sessions),
        _tally_column("Hours taught", lambda t: hours_text(t.taught_hours)),
        _tally_column("Attendance rate (%)", lambda t: rate_text(t.attendance_rate)),
    ]
    return Table(
        "courses", "Per course", columns, report.courses, _whole(report.total), "All courses"
    )


def timesheet_table(report: Report) -> Table:
    """Hours taught per tutor per ISO week of the range, and in all."""
    columns = [
        Column("Tutor", lambda line: line.name),
        *(
            Column(
                week.label,
                lambda line, week=week.label: hours_text(report.timesheet_hours(line.id, week)),
            )
            for week in report.weeks
        ),
        Column("Total hours", lambda line: hours_text(line.tally.taught_hours)),
    ]
    return Table("timesheet", "Timesheet: hours taught per ISO week", columns, report.tutors)


def week_table(report: Report) -> Table:
    """Per ISO week: sessions, hours taught, attendance rate (the charts' numbers)."""
    empty = Tally()
    columns = [
        Column("Week", lambda week: week.label),
        Column("Sessions", lambda week: report.per_week.get(week.label, empty).sessions),
        Column(
            "Hours taught",
            lambda week: hours_text(report.per_week.get(week.label, empty).taught_hours),
        ),
        Column(
            "Attendance rate (%)",
            lambda week: rate_text(report.per_week.get(week.label, empty).attendance_rate),
        ),
    ]
    return Table("weeks", "Per ISO week", columns, report.weeks)


def course_week_table(report: Report) -> Table:
    """Hours taught per course per ISO week (the numbers of the chart stacked by course)."""
    columns = [
        Column("Course", lambda line: line.name),
        *(
            Column(
                week.label,
                lambda line, week=week.label: hours_text(report.course_week_hours(line.id, week)),
            )
            for week in report.weeks
        ),
        Column("Total hours", lambda line: hours_text(line.tally.taught_hours)),
    ]
    return Table("course-weeks", "Hours taught per course per ISO week", columns, report.courses)


#: The downloadable tables, by CSV name.
TABLE_BUILDERS: dict[str, Callable[[Report], Table]] = {
    "tutors": tutor_table,
    "students": student_table,
    "courses": course_table,
    "timesheet": timesheet_table,
}
