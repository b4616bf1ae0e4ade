"""The upcoming / past tabs shared by the student and parent pages."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, request

from dashboard.blueprints.sessions.board_choices import load_board_choices
from dashboard.query_params import BadParameter, one_of, positive_int
from dashboard.services.upcoming import TABS, past_for, upcoming_for
from dashboard.timezones import schedule_zone, viewer_zone


def tab_context(student_ids: list[int]) -> dict[str, object]:
    """Parse ``?tab=``/``?page=`` (400 on bad values) and load that tab for these students."""
    try:
        tab = one_of("tab", request.args.get("tab"), TABS, TABS[0])
        page = positive_int("page", request.args.get("page")) or 1
    except BadParameter as error:
        abort(400, description=str(error))
    now = datetime.now(UTC)
    if tab == "past":
        past = past_for(student_ids, now, page, schedule_zone(), viewer_zone())
        load_board_choices(item.session.tutor_id for item in past.items)
        return {"tab": tab, "past": past}
    upcoming = upcoming_for(student_ids, now, schedule_zone(), viewer_zone())
    load_board_choices(item.session.tutor_id for item in upcoming.items + upcoming.featured)
    return {"tab": tab, "upcoming": upcoming}
