"""One helper decides page or fragment: htmx asks with ``HX-Request: true``.

The fragment is a ``{% block %}`` of the very template that renders the full
page (jinja2-fragments), so the two can never disagree.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """True for requests made by htmx that swap a fragment.

    Boosted navigations and history restores (htmx re-fetching a page it has
    no snapshot of, for the back button) want the whole page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and not headers.get("HX-Boosted")
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page(template: str, block: str, status: int = 200, **context: Any) -> Response:
    """Render ``template`` whole, or only ``block`` for htmx; always ``Vary: HX-Request``."""
    if is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
