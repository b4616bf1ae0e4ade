"""``GET /sessions/<id>/card``: one session's card as the calendars' popover.

A calendar block is a link to ``/sessions/<id>`` (the page, for browsers without
JavaScript) with an ``hx-get`` to this route, whose fragment is the session's card
(``sessions/_card.html``: everything the card shows and the controls this user may
use) plus links to edit, reschedule, cancel, complete and the ``.ics``. Asked for
without htmx it is a page of its own, from the same template block.

``oob`` query arguments name the pieces of the calling page that the card's edits
should refresh out of band (``OOB_PARTS`` in ``edits.py``): the card writes them
into its forms' hidden ``oob`` fields, so a save never sends a part the page
lacks (no ``htmx:oobErrorNoTarget``).
"""

from __future__ import annotations

from flask import Response, request
from flask_login import login_required

from dashboard.access import load_session_and_boards_for
from dashboard.blueprints.sessions import bp
from dashboard.blueprints.sessions.board_choices import provide_board_choices
from dashboard.blueprints.sessions.edits import OOB_PARTS
from dashboard.blueprints.sessions.routes import facts_context
from dashboard.rendering import render_page
from dashboard.session_urls import session_url


@bp.get("/sessions/<int:session_id>/card")
@login_required
def card(session_id: int) -> Response:
    """The session's card, controls and action links (the calendars' popover)."""
    view, boards = load_session_and_boards_for(session_id)
    provide_board_choices(view.tutor_id, boards)
    oob = sorted(set(request.args.getlist("oob")) & OOB_PARTS)
    return render_page(
        "sessions/card.html",
        "popover",
        s=view,
        **facts_context(view),
        edit_oob=oob,
        edit_next=session_url("sessions.detail", view.id),
    )
