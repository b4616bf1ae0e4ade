"""The OpenAPI document (``/api/v1/openapi.json``) and its docs page (``/api/v1/docs``).

apiflask generates the document from the routes and schemas; ``finish_document``
adds what it cannot know: the problem-details schema, the 401/429 every
protected operation may answer, and a quick start. The docs page is Swagger UI
from npm (``static/vendor/swagger-ui/``, copied by ``make setup``), started by
our own ``static/js/api-docs.js`` because the CSP allows no inline script.
"""

from __future__ import annotations

import warnings
from typing import Any

from flask import Flask, Response, current_app, render_template, url_for

from dashboard.blueprints.api import bp
from dashboard.blueprints.api.problems import DEFAULT_DETAILS, PROBLEM_MIMETYPE
from dashboard.blueprints.api.responses import json_response

SECURITY_SCHEME = "bearerToken"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

QUICK_START = """\
Sessions, enrolled courses, courses and whiteboards of the tutoring dashboard, as JSON.
Every session field is named exactly as the `sessions` table's column.

**Quick start**

1. Sign in to the dashboard and make a personal access token at
   [/account/tokens](/account/tokens) (scope *read*, or *write* to change data).
   Copy it: it is shown once.
2. Send it with every request: `Authorization: Bearer <token>` (here: the
   *Authorize* button). The token sees and changes exactly what you may.
3. A tutor's sessions of next week:
   `GET /api/v1/sessions?tutor_id=12&date_from=2026-12-07&date_to=2026-12-13`.
   Pages hold up to `limit` sessions (default 50); follow `next` for more.
4. Change a session: read it (`GET /api/v1/sessions/{id}`), keep its `ETag`
   header, then `PATCH /api/v1/sessions/{id}` with `If-Match: <that ETag>` and
   a JSON body such as `{"priority_level": "high"}`. The answer carries the new
   ETag. Sending an old ETag gives **412** with the current session in
   `current`; sending none gives **428**.

Dates and times of sessions are wall-clock values in the centre's time zone,
as stored. Errors are RFC 9457 problem details (`application/problem+json`)
with a `title`, a `detail` and, for invalid fields, `errors`.
Requests are rate limited per token (429 with `Retry-After`).
"""

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field name → messages (invalid input).",
        },
        "current": {
            "$ref": "#/components/schemas/SessionOut",
            "description": "412: the session as it is now.",
        },
        "conflicts": {
            "type": "array",
            "description": "409: the sessions the new times overlap.",
            "items": {"type": "object"},
        },
    },
    "required": ["type", "title", "status", "detail"],
}


#: Header parameters apiflask cannot declare for us: (path, method) → parameters.
HEADER_PARAMETERS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("/api/v1/sessions/{session_id}", "patch"): [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "description": "The ETag of the session as you read it (428 without, 412 if stale).",
            "schema": {"type": "string"},
        }
    ]
}


def problems(*codes: int) -> dict[int, dict[str, Any]]:
    """``@bp.doc(responses=…)`` entries: these statuses answer with problem details."""
    return {
        code: {
            "description": DEFAULT_DETAILS.get(code, ""),
            "content": {PROBLEM_MIMETYPE: {"schema": PROBLEM_REF}},
        }
        for code in codes
    }


def configure_openapi(app: Flask) -> None:
    """apiflask settings for our document (called once, when the blueprint is registered)."""
    app.config.update(
        DESCRIPTION=QUICK_START,
        SECURITY_SCHEMES={
            SECURITY_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal access token from /account/tokens.",
            }
        },
        TAGS=[
            {"name": "Sessions", "description": "Tutoring sessions (the seed's columns)."},
            {"name": "Whiteboards", "description": "Online boards sessions link to."},
            {"name": "Reference", "description": "Courses, enrolments, and who you are."},
        ],
        AUTO_SERVERS=False,
        # We declare every error response ourselves, as problem details.
        AUTO_404_RESPONSE=False,
        AUTO_VALIDATION_ERROR_RESPONSE=False,
        AUTO_AUTH_ERROR_RESPONSE=False,
    )
    app.spec_processor(finish_document)


def finish_document(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the problem schema and the 401/429 of every protected operation (400 with a body)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    _merge_duplicate_schemas(spec, schemas)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or not operation.get("security"):
                continue
            extra = HEADER_PARAMETERS.get((path, method), [])
            operation.setdefault("parameters", []).extend(extra)
            responses = operation.setdefault("responses", {})
            codes = (400, 401, 429) if "requestBody" in operation else (401, 429)
            for code, response in problems(*codes).items():
                responses.setdefault(str(code), response)
    return spec


def _merge_duplicate_schemas(spec: dict[str, Any], schemas: dict[str, Any]) -> None:
    """apiflask registers a schema used both nested and directly twice (``SessionOut1``).

    Point every reference at the first name and drop the copy, so clients see
    one ``SessionOut``.
    """
    renamed = {
        f"#/components/schemas/{name}": f"#/components/schemas/{name.rstrip('0123456789')}"
        for name, body in list(schemas.items())
        if name[-1:].isdigit() and schemas.get(name.rstrip("0123456789")) == body
    }
    for ref in renamed:
        del schemas[ref.rsplit("/", 1)[1]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in renamed:
                node["$ref"] = renamed[node["$ref"]]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


@bp.get("/openapi.json")
@bp.doc(hide=True)
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of this API (no token needed); keys in declaration order."""
    with warnings.catch_warnings():
        # apispec warns when a schema is used nested and directly; finish_document merges them.
        warnings.filterwarnings("ignore", "Multiple schemas resolved|.*already been added")
        spec = current_app._get_spec("json")  # type: ignore[attr-defined]  (apiflask's cache)
    return json_response(spec)


@bp.get("/docs")
@bp.doc(hide=True)
def docs() -> str:
    """Swagger UI over the OpenAPI document (no token needed to read it)."""
    return render_template("api/docs.html", spec_url=url_for("api.openapi_document"))
