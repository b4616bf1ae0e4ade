"""CSV text that opens cleanly in a spreadsheet: the report's tables and the raw sessions.

Files are UTF-8 with a byte-order mark (so spreadsheet programs do not guess
another encoding for accented names), a header row and CRLF line ends
(RFC 4180). A cell a spreadsheet would read as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``
(OWASP's advice against CSV injection): a student named ``=HYPERLINK(…)``
stays a name.

``sessions.csv`` is streamed: rows come from a server-side cursor
``STREAM_BATCH`` at a time and leave as text straight away, so a year of a
large centre (a quarter of a million rows) needs the memory of one batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, User
from dashboard.services.reports.figures import in_range
from dashboard.services.reports.query import ReportQuery
from dashboard.services.reports.tables import Cell, Table

BOM = "\ufeff"
#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows fetched from the server-side cursor at a time (and written per chunk).
STREAM_BATCH = 2000
#: The seed's ``sessions`` columns, in the table's order, then the names.
SESSION_COLUMNS: tuple[str, ...] = tuple(column.name for column in Session.__table__.columns)
NAME_COLUMNS: tuple[str, ...] = ("course_title", "tutor_name", "student_name")


def neutralise(cell: Cell | None) -> Cell:
    """``cell`` as a spreadsheet shows it literally: formula-like text gets a leading ``'``."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class _Chunks:
    """A ``csv.writer`` over a buffer that hands out what was written since the last call."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self.writer = csv.writer(self._buffer)

    def take(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def table_csv(table: Table) -> str:
    """The whole table as CSV text: headings, every row, then the totals row if any."""
    out = _Chunks()
    out.writer.writerow([neutralise(header) for header in table.headers])
    for cells in table.body():
        out.writer.writerow([neutralise(cell) for cell in cells])
    total = table.total_cells()
    if total is not None:
        out.writer.writerow([neutralise(cell) for cell in total])
    return BOM + out.take()


def sessions_statement(query: ReportQuery) -> sa.Select:
    """The report's sessions, every column as PostgreSQL's text, with the three names.

    Text straight from the server (JSON as written, ``true``/``false``,
    ISO dates) costs no conversion in Python, which is what lets the file
    stream at tens of thousands of rows a second.
    """
    tutor, student = aliased(User, name="tutor"), aliased(User, name="student")
    columns = [sa.cast(Session.__table__.c[name], sa.Text).label(name) for name in SESSION_COLUMNS]
    return (
        sa.select(
            *columns,
            Course.title.label("course_title"),
            tutor.full_name.label("tutor_name"),
            student.full_name.label("student_name"),
        )
        .select_from(Session)
        .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .join(Course, Course.id == EnrolledCourse.course_id)
        .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        .join(student, student.id == EnrolledCourse.student_id)
        .where(*in_range(query))
        .order_by(Session.session_date, Session.start_time, Session.id)
    )


def stream_sessions_csv(query: ReportQuery) -> Iterator[str]:
    """``sessions.csv`` of ``query``, one chunk of text per batch of rows.

    The statement runs on a server-side cursor (``yield_per``): PostgreSQL
    keeps the result and hands over ``STREAM_BATCH`` rows per fetch. Closing
    the generator (a client that goes away) closes the cursor.
    """
    out = _Chunks()
    out.writer.writerow((*SESSION_COLUMNS, *NAME_COLUMNS))
    yield BOM + out.take()
    connection = db.session.connection().execution_options(yield_per=STREAM_BATCH)
    result = connection.execute(sessions_statement(query))
    try:
        for batch in result.partitions():
            _write_rows(out.writer, batch)
            yield out.take()
    finally:
        result.close()


def _write_rows(writer: csv.writer, rows: Iterable[sa.Row]) -> None:  # type: ignore[valid-type]
    starts = FORMULA_STARTS
    for row in rows:
        writer.writerow(
            [
                ("'" + cell if cell.startswith(starts) else cell) if cell is not None else ""
                for cell in row
            ]
        )
