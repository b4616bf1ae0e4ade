"""The whiteboards a session's edit controls offer, loaded by the route before rendering.

A page of session cards shows one whiteboard ``<select>`` per card. Templates
never query, so the route that draws cards loads their boards first:

- a page of several cards calls ``load_board_choices(tutor_ids)`` with the tutors
  whose sessions it draws as cards (one query for all of them; none when the
  signed-in user may not link whiteboards, or when the page draws no cards,
  e.g. a month grid of chips);
- a single card (the popover, the detail page, an edit's answer) gets its boards
  in the same query as the session (``session_view_and_boards``) and hands them
  over with ``provide_board_choices``.

The template global ``whiteboards_for`` only looks up what was loaded. A card
whose tutor was not loaded is a bug in its route, and it raises
``BoardChoicesNotLoaded`` instead of quietly querying from the template.
Loaded choices live in ``g`` until the request ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g
from flask_login import current_user

from dashboard.blueprints.sessions import bp
from dashboard.choices import ROLE_TUTOR
from dashboard.permissions import may_link_whiteboards
from dashboard.services.whiteboards import BoardChoice, boards_by_owner


class BoardChoicesNotLoaded(RuntimeError):
    """A card asked for whiteboard choices its route did not load (a programming error)."""


def _loaded() -> dict[int, list[BoardChoice]]:
    return g.setdefault("_board_choices", {})


def load_board_choices(tutor_ids: Iterable[int | None]) -> None:
    """Load now, in one query, the boards the cards of these tutors' sessions may offer.

    A session links only a board its own tutor owns (``permissions.board_fits_session``)
    and a tutor edits only their own sessions, so for a signed-in tutor other tutors'
    boards are never loaded; a user who may link no whiteboard at all (students,
    parents) costs no query. Tutors already loaded in this request are skipped.
    """
    loaded = _loaded()
    wanted = {tutor_id for tutor_id in tutor_ids if tutor_id is not None} - loaded.keys()
    if not may_link_whiteboards(current_user):
        wanted_now: set[int] = set()
    elif current_user.role == ROLE_TUTOR:
        wanted_now = wanted & {current_user.id}
    else:
        wanted_now = wanted
    grouped = boards_by_owner(sorted(wanted_now)) if wanted_now else {}
    for tutor_id in wanted:
        loaded[tutor_id] = grouped.get(tutor_id, [])


def provide_board_choices(tutor_id: int | None, boards: list[BoardChoice]) -> None:
    """Keep ``boards`` (loaded with the session, ``session_view_and_boards``) as the
    choices of ``tutor_id``'s sessions for this request: no query of its own."""
    if tutor_id is None:
        return
    if getattr(current_user, "role", None) == ROLE_TUTOR and tutor_id != current_user.id:
        boards = []  # as in load_board_choices: a tutor is never offered another's boards
    _loaded()[tutor_id] = boards


@bp.app_template_global("whiteboards_for")
def whiteboards_for(tutor_id: int | None) -> list[BoardChoice]:
    """The boards a session of ``tutor_id`` may link to (``[]`` for no tutor); no query."""
    if tutor_id is None:
        return []
    try:
        return _loaded()[tutor_id]
    except KeyError:
        raise BoardChoicesNotLoaded(
            f"The whiteboard choices of tutor #{tutor_id} were not loaded before rendering: "
            "the route must call load_board_choices or provide_board_choices."
        ) from None
