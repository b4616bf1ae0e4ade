"""The whiteboards a session's edit controls offer, loaded once per request.

A page of session cards shows one whiteboard ``<select>`` per card. The route
that renders the page knows which tutors' sessions it may show and announces
them with ``expect_board_choices``; the first card that needs boards then
loads exactly those tutors' boards in one query (not every board in the
centre, and nothing at all when no card is drawn, e.g. a month grid of chips).
A card rendered without an announcement (an edit response, the detail page)
loads its own tutor's boards on first use. Results are kept in ``g`` until
the request ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g
from flask_login import current_user

from dashboard.blueprints.sessions import bp
from dashboard.choices import ROLE_TUTOR
from dashboard.services.whiteboards import BoardChoice, boards_by_owner


def _loaded() -> dict[int, list[BoardChoice]]:
    return g.setdefault("_board_choices", {})


def _expected() -> set[int]:
    return g.setdefault("_board_choices_expected", set())


def expect_board_choices(tutor_ids: Iterable[int | None]) -> None:
    """Announce the tutors whose sessions this page may draw as cards (no query yet)."""
    _expected().update(tutor_id for tutor_id in tutor_ids if tutor_id is not None)


def _load(tutor_ids: set[int]) -> None:
    """Load the boards these tutors' sessions may link to, in one query.

    A session links only a board its own tutor owns (``permissions.board_fits_session``)
    and a tutor edits only their own sessions, so for a signed-in tutor other
    tutors' boards are never loaded.
    """
    loaded = _loaded()
    wanted = tutor_ids - loaded.keys()
    if getattr(current_user, "role", None) == ROLE_TUTOR:
        for other in wanted - {current_user.id}:
            loaded[other] = []
        wanted &= {current_user.id}
    if not wanted:
        return
    grouped = boards_by_owner(sorted(wanted))
    for tutor_id in wanted:
        loaded[tutor_id] = grouped.get(tutor_id, [])


def provide_board_choices(tutor_id: int | None, boards: list[BoardChoice]) -> None:
    """Keep ``boards`` (loaded with the session, ``session_view_and_boards``) as the
    choices of ``tutor_id``'s sessions for this request: no query of its own."""
    if tutor_id is None:
        return
    if getattr(current_user, "role", None) == ROLE_TUTOR and tutor_id != current_user.id:
        boards = []  # as in _load: a tutor is never offered another tutor's boards
    _loaded()[tutor_id] = boards


@bp.app_template_global("whiteboards_for")
def whiteboards_for(tutor_id: int | None) -> list[BoardChoice]:
    """The boards a session of ``tutor_id`` may link to (``[]`` for no tutor)."""
    if tutor_id is None:
        return []
    loaded = _loaded()
    if tutor_id not in loaded:
        expected = _expected()
        _load(expected | {tutor_id})
        expected.clear()
    return loaded[tutor_id]
