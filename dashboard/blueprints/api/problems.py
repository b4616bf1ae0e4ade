"""Errors of the JSON API as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/`` answers with the same shape, whoever raised it:
a view (``raise Problem(…)``), Werkzeug (unknown URL, wrong method), the
rate limiter (429), apiflask's request validation, or an unexpected bug
(500). ``dashboard.errors.render_error`` answers ``/api/`` paths with
``problem_response`` instead of the HTML error page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_MIMETYPE = "application/problem+json"

#: What a person reads when a view gives no detail of its own.
DEFAULT_DETAILS: dict[int, str] = {
    400: "The request could not be understood; check the parameters and the JSON body.",
    401: "Send a personal access token: Authorization: Bearer <token> (make one at "
    "/account/tokens).",
    403: "Your account or this token may not do that.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    409: "The request conflicts with the current state (an overlap, or the row is busy).",
    412: "The resource has changed since you read it.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid.",
    428: "Send If-Match with the ETag of the version you read.",
    429: "Too many requests with this token; wait before trying again.",
    500: "Something went wrong on our side; the problem has been logged.",
    503: "The database is unavailable right now; try again in a minute.",
}


def is_api_request() -> bool:
    """True for requests to the JSON API (they get problem details, never HTML)."""
    return request.path == "/api" or request.path.startswith("/api/")


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem details response: ``type``, ``title``, ``status``, ``detail``, ``instance``.

    ``extra`` adds members (``errors`` for field messages, ``current`` for
    the current representation on a 412, ``conflicts`` on a 409).
    """
    body = {
        "type": "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or DEFAULT_DETAILS.get(status, ""),
        "instance": request.path,
        **extra,
    }
    response = Response(
        json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype=PROBLEM_MIMETYPE
    )
    response.headers.update(headers or {})
    return response


class Problem(Exception):
    """Raised by API code to answer with a problem; rendered by the blueprint's handler."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or DEFAULT_DETAILS.get(status, ""))
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        """The problem details response for this error."""
        return problem_response(self.status, self.detail, headers=self.headers, **self.extra)


def problem_for_validation(status: int, detail: Any) -> Response:
    """apiflask's request validation error: query problems are 400, body problems 422.

    ``detail`` is ``{location: {field: [messages]}}``; the messages go in ``errors``.
    """
    locations = detail if isinstance(detail, dict) else {}
    errors: dict[str, Any] = {}
    for fields in locations.values():
        if isinstance(fields, dict):
            errors.update(fields)
    if status != 422:  # e.g. 400 for a body that is not JSON at all
        if errors:
            return problem_response(status, errors=errors)
        return problem_response(status, "The request body is not valid JSON.")
    if "json" in locations:
        text = "Some fields of the JSON body are not valid; see errors."
        return problem_response(422, text, errors=errors)
    names = ", ".join(sorted(errors)) or "parameters"
    return problem_response(400, f"Some query parameters are not valid: {names}.", errors=errors)
