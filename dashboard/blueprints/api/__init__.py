"""``/api/v1``: the JSON API (issue 16), documented at ``/api/v1/docs``.

Built with apiflask: the request/response schemas (``schemas.py``) validate
input and generate the OpenAPI 3.1 document, so the docs cannot drift from
the code. Authentication is a personal access token only (``auth.py``); every
error is an RFC 9457 problem (``problems.py``). Routes stay thin: parse →
authorise (``dashboard.permissions``) → call a service → JSON.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from apiflask.exceptions import HTTPError
from flask import Response, current_app
from flask.blueprints import BlueprintSetupState

from dashboard.blueprints.api.auth import authenticate_request, rate_limit_key
from dashboard.blueprints.api.problems import Problem, problem_for_validation
from dashboard.extensions import csrf, limiter

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")

# Cookies never authorise the API (auth.py), so there is no cross-site request to forge.
csrf.exempt(bp)
bp.before_request(authenticate_request)
limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_limit_key
)(bp)


@bp.errorhandler(Problem)
def _problem(error: Problem) -> Response:
    return error.response()


@bp.errorhandler(HTTPError)
def _validation_problem(error: HTTPError) -> Response:
    """apiflask's input validation (and its own ``abort``) as problem details."""
    return problem_for_validation(error.status_code, error.detail)


@bp.record_once
def _configure_openapi(state: BlueprintSetupState) -> None:
    from dashboard.blueprints.api.docs import configure_openapi

    configure_openapi(state.app)


from dashboard.blueprints.api import docs, lifecycle, resources, sessions  # noqa: E402,F401
