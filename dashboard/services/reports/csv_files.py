"""CSV text that opens cleanly in a spreadsheet: the report's tables and the raw sessions.

Files are UTF-8 with a byte-order mark (so spreadsheet programs do not guess
another encoding for accented names), a header row and LF line ends (what
PostgreSQL's CSV writes; spreadsheets read both). A cell a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading ``'`` (OWASP's advice against CSV injection):
a student named ``=HYPERLINK(…)`` stays a name.

``sessions.csv`` is streamed: PostgreSQL writes it (``COPY … TO STDOUT``)
and it leaves in chunks as it arrives, so a year of a large centre (a quarter
of a million rows) needs the memory of one chunk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from dashboard.extensions import db
from dashboard.models import Course, EnrolledCourse, Session, SessionCancellation, User
from dashboard.services.lesson_record import cancellation_label, current_cancellation_id
from dashboard.services.reports.figures import in_range
from dashboard.services.reports.query import ReportQuery
from dashboard.services.reports.tables import Cell, Table

BOM = "\ufeff"
#: First characters that make a spreadsheet evaluate a cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Bytes of CSV handed to the web server at a time.
CHUNK_BYTES = 1 << 16
#: The longest a ``sessions.csv`` download may take (PostgreSQL interval).
EXPORT_TIMEOUT = "15min"
#: The seed's ``sessions`` columns, in the table's order, then the names.
SESSION_COLUMNS: tuple[str, ...] = tuple(column.name for column in Session.__table__.columns)
NAME_COLUMNS: tuple[str, ...] = ("course_title", "tutor_name", "student_name")
#: After the names: what the lesson record adds (``lesson_record``), for cancelled sessions.
CANCELLATION_REASON_COLUMN = "cancellation_reason"
RECORD_COLUMNS: tuple[str, ...] = (CANCELLATION_REASON_COLUMN,)


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
        self.writer = csv.writer(self._buffer, lineterminator="\n")

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


def neutralised(text: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """SQL for ``neutralise``: a leading ``'`` on text a spreadsheet would evaluate."""
    return sa.case((sa.func.left(text, 1).in_(FORMULA_STARTS), sa.literal("'") + text), else_=text)


def cancellation_reason_cell() -> sa.ColumnElement[str | None]:
    """A session's ``cancellation_reason`` cell: its current cancellation's reason in words.

    Empty unless the session is cancelled; the ``CASE`` on the status keeps the
    lookup (one index probe) to cancelled rows, and the text is neutralised
    inside it, so the lookup runs once per row.
    """
    label = cancellation_label(SessionCancellation.reason, SessionCancellation.reason_text)
    current = (
        sa.select(neutralised(label))
        .where(SessionCancellation.id == current_cancellation_id(Session.id))
        .scalar_subquery()
    )
    return sa.case((Session.status == "cancelled", current))


def sessions_statement(query: ReportQuery) -> sa.Select:
    """The report's sessions as CSV-ready text: the seed's columns, the three names, the reason.

    Every value is PostgreSQL's text (JSON as written, ``true``/``false``, ISO
    dates), neutralised in SQL, so Python only joins cells: no conversions.
    ``cancellation_reason`` says why a cancelled session was cancelled, as the
    session page does ("Other: …" with the free text); it is empty for the rest.
    """
    tutor, student = aliased(User, name="tutor"), aliased(User, name="student")
    texts = [
        *(sa.cast(Session.__table__.c[name], sa.Text) for name in SESSION_COLUMNS),
        Course.title,
        tutor.full_name,
        student.full_name,
    ]
    names = (*SESSION_COLUMNS, *NAME_COLUMNS)
    cells = [neutralised(text).label(name) for text, name in zip(texts, names, strict=True)]
    return (
        sa.select(*cells, cancellation_reason_cell().label(CANCELLATION_REASON_COLUMN))
        .select_from(Session)
        .join(EnrolledCourse, EnrolledCourse.id == Session.enrolled_courses_id)
        .join(Course, Course.id == EnrolledCourse.course_id)
        .join(tutor, tutor.id == EnrolledCourse.tutor_id)
        .join(student, student.id == EnrolledCourse.student_id)
        .where(*in_range(query))
        .order_by(Session.session_date, Session.start_time, Session.id)
    )


def stream_sessions_csv(query: ReportQuery) -> Iterator[str | bytes]:
    """``sessions.csv`` of ``query``: PostgreSQL writes the CSV, we pass it on in chunks.

    ``COPY (SELECT …) TO STDOUT`` streams the rows as the server produces them;
    psycopg hands each over as it arrives and we forward ``CHUNK_BYTES`` at a
    time, so memory stays at one chunk whatever the range. (A server-side
    cursor with ``yield_per`` streams too, but builds a Python row per session
    and writes it again as CSV: measured here, about eight times the CPU.)
    Closing the generator early (a client that goes away) ends the COPY.
    """
    yield BOM
    # COPY takes no bound parameters; the values are dates and ids we parsed, and
    # SQLAlchemy renders them as quoted literals.
    statement = sessions_statement(query).compile(
        dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        # One statement for the whole download: give it its own bound, long enough
        # for a slow connection to take a year of a large centre.
        cursor.execute(f"SET LOCAL statement_timeout = '{EXPORT_TIMEOUT}'")
        with cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            buffer = bytearray()
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                yield bytes(buffer)
