"""Each read page costs a fixed number of SQL queries, however many sessions it shows.

What is counted: every statement sent on the app's engine while the one page
request is handled (``before_cursor_execute``). Signing in happens before and
is not counted.

* The page's own statements, *including* Flask-Login's load of the signed-in
  user, must be at most 3 (the user, plus at most two for the page).
* Shared pieces other features put on the page are told apart by the module
  that sent them and budgeted by their owners; they are listed in ``PIECES``:
  the in-app reminders (none: they load by their own request), the whiteboard choices of
  the edit controls and the change history on the detail page (inline edits).
* All together, the count must not grow with the number of sessions.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from tests.builders import Recorded, record_queries

BUDGET = 3
#: Modules of shared pieces (not the page's own queries), with their own budgets.
PIECES = {
    # Reminders load with their own hx-get (GET /reminders), never with the page.
    "dashboard/services/reminders.py": 0,
    "dashboard/services/whiteboards.py": 1,  # boards offered by the edit controls
    "dashboard/services/session_edits.py": 2,  # change history (changes, board names)
    "dashboard/services/lesson_record.py": 1,  # detail: attendance taken, cancellation, notes
    "dashboard/services/reviews.py": 1,  # detail: the reviews the viewer may read
}
MANY = 200
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def busy(build):
    """A tutor with one session in March 2025, a family, a coordinator; ``grow()`` adds 200."""
    coordinator = build.user(ROLE_COORDINATOR, "boss@test.example")
    tutor = build.user(ROLE_TUTOR, "tutor@test.example")
    student = build.user(ROLE_STUDENT, "student@test.example")
    sibling = build.user(ROLE_STUDENT, "sibling@test.example")
    parent = build.user(ROLE_PARENT, "parent@test.example")
    build.link(parent, student)
    build.link(parent, sibling)
    enrolment = build.enrolment(tutor, student, "Maths")
    sibling_enrolment = build.enrolment(tutor, sibling, "Music")
    board = build.whiteboard("https://boards.example.com/x")
    first = build.session(enrolment, date(2025, 3, 3), time(9), whiteboard_id=board)
    today = datetime.now(LONDON).date()
    build.session(enrolment, today + timedelta(days=1), time(9), is_featured=True)
    build.session(enrolment, today - timedelta(days=1), time(9), status="completed")

    def grow() -> None:
        """200 sessions in March 2025 for the tutor, 200 upcoming and 200 past ones."""
        march = [
            (date(2025, 3, 1) + timedelta(days=n % 31), time(7 + n % 13, 15 * (n % 4)))
            for n in range(MANY)
        ]
        build.sessions(enrolment, march, 45, whiteboard_id=board, topics=["Algebra"])
        ahead = [(today + timedelta(days=2 + n // 2), time(10 + n % 2 * 5)) for n in range(MANY)]
        build.sessions(enrolment, ahead, is_featured=True)
        build.sessions(sibling_enrolment, ahead)
        behind = [(today - timedelta(days=2 + n // 2), time(10 + n % 2 * 5)) for n in range(MANY)]
        build.sessions(enrolment, behind, status="completed", topics_covered=["Sets"])

    return {
        "coordinator": coordinator,
        "tutor": tutor,
        "student": student,
        "parent": parent,
        "session": first,
        "grow": grow,
    }


def queries_of(app, client, url: str) -> list[Recorded]:
    with record_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def piece_of(statement: Recorded) -> str | None:
    """The shared piece that sent ``statement``, or None for the page's own."""
    return next((piece for piece in PIECES if piece in statement.origins), None)


PAGES = [
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=month&date=2025-03-15"),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=week&date=2025-03-05"),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=day&date=2025-03-03"),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=agenda&date=2025-03-01"),
    ("boss@test.example", "/tutors/{tutor}/calendar?view=agenda&date=2025-03-01"),
    ("boss@test.example", "/tutors/{tutor}/calendar?view=month&date=2025-03-15"),
    ("boss@test.example", "/calendar?view=week&date=2025-03-05"),
    ("boss@test.example", "/calendar?view=month&date=2025-03-15&tutor={tutor}"),
    ("boss@test.example", "/calendar?view=day&date=2025-03-03"),
    ("tutor@test.example", "/sessions/{session}/card?oob=blocks"),
    ("boss@test.example", "/coordinator/sessions"),
    ("boss@test.example", "/coordinator/sessions?q=maths&sort=priority&dir=desc&page=2"),
    ("boss@test.example", "/coordinator/overrides"),
    ("student@test.example", "/students/{student}/upcoming"),
    ("student@test.example", "/students/{student}/upcoming?tab=past"),
    ("parent@test.example", "/parents/{parent}/upcoming"),
    ("parent@test.example", "/parents/{parent}/upcoming?tab=past"),
    ("boss@test.example", "/parents/{parent}/upcoming"),
    ("tutor@test.example", "/sessions/{session}"),
    ("parent@test.example", "/sessions/{session}"),  # parents: one more to check the child
    ("boss@test.example", "/admin/people"),
    ("boss@test.example", "/admin/people?role=student&q=student"),
    ("boss@test.example", "/admin/courses"),
    ("boss@test.example", "/admin/enrolments"),
    ("boss@test.example", "/admin/enrolments/new"),
    ("tutor@test.example", "/account"),
    ("boss@test.example", "/reports?from=2025-03-01&to=2025-03-31"),
    ("boss@test.example", "/reports?from=2025-03-01&to=2025-03-31&stack=course"),
    ("tutor@test.example", "/reports?from=2025-03-01&to=2025-03-31"),
]


@pytest.mark.parametrize(("email", "url"), PAGES)
def test_query_count_is_fixed_and_small(app, client, auth, busy, email, url):
    url = url.format(**busy)
    auth.login(email)
    few = queries_of(app, client, url)
    busy["grow"]()
    many = queries_of(app, client, url)
    own = [s.sql for s in many if piece_of(s) is None]
    assert len(own) <= BUDGET, "\n\n".join(own)
    from_templates = [f"{sorted(s.templates)}: {s.sql}" for s in few + many if s.templates]
    assert not from_templates, "templates never query:\n" + "\n\n".join(from_templates)
    for piece, budget in PIECES.items():
        assert sum(piece_of(s) == piece for s in many) <= budget, piece
    assert len(many) == len(few), "the count grew with the number of sessions"


#: How many times each page loads whiteboard choices: only pages that draw cards whose
#: controls may link a board (the agenda views; a coordinator on a family's page).
BOARD_LOADS = [
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=month&date=2025-03-15", 0),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=week&date=2025-03-05", 0),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=day&date=2025-03-03", 0),
    ("tutor@test.example", "/tutors/{tutor}/calendar?view=agenda&date=2025-03-01", 1),
    ("boss@test.example", "/calendar?view=month&date=2025-03-15", 0),
    ("boss@test.example", "/calendar?view=day&date=2025-03-03", 0),
    ("boss@test.example", "/calendar?view=agenda&date=2025-03-01", 1),
    ("student@test.example", "/students/{student}/upcoming", 0),
    ("parent@test.example", "/parents/{parent}/upcoming?tab=past", 0),
    ("boss@test.example", "/parents/{parent}/upcoming", 1),
]


@pytest.mark.parametrize(("email", "url", "loads"), BOARD_LOADS)
def test_pages_load_board_choices_only_when_they_draw_cards(
    app, client, auth, busy, email, url, loads
):
    busy["grow"]()
    auth.login(email)
    statements = queries_of(app, client, url.format(**busy))
    boards = [s for s in statements if piece_of(s) == "dashboard/services/whiteboards.py"]
    assert len(boards) == loads, "\n\n".join(s.sql for s in boards)
    assert all(not s.templates for s in boards)


def test_the_month_really_shows_200_sessions(app, client, auth, busy):
    busy["grow"]()
    auth.login("tutor@test.example")
    page = client.get(f"/tutors/{busy['tutor']}/calendar?view=month&date=2025-03-15")
    text = page.get_data(as_text=True)
    more = sum(int(n) for n in re.findall(r">\+(\d+) more<", text))
    assert text.count('<li class="chip">') + more == MANY + 1  # chips, then "+N more"
