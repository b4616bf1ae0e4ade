"""Who is calling the API: a personal access token in ``Authorization: Bearer``.

Only tokens authorise API requests; a signed-in browser's session cookie is
ignored here, so a page on another site cannot make a visitor's browser
change anything through the API. That is why the API blueprint is exempt
from CSRF: with no cookie authority, there is nothing to forge.

The token's owner becomes ``current_user`` for the request, so the same
permission rules (``dashboard.permissions``) and loaders (``dashboard.access``)
decide what the token may see and change as they do for pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, request
from flask_limiter.util import get_remote_address

from dashboard.blueprints.api.problems import Problem
from dashboard.extensions import db, login_manager
from dashboard.permissions import scope_allows
from dashboard.services.api_tokens import Bearer, bearer_for

#: Endpoints anyone may read: the OpenAPI document and its docs page.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document", "api.docs"})

_NO_TOKEN = (
    "Send a personal access token: Authorization: Bearer <token> (make one at /account/tokens)."
)
_BAD_TOKEN = (
    "This token does not work: it may be mistyped, expired or revoked, "
    "or its owner's account is deactivated."
)
_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer realm="tutoring-dashboard"'}


def presented_bearer() -> Bearer | None:
    """The usable token of this request (looked up once per request), or None."""
    if "api_bearer" not in g:
        g.api_bearer = _look_up()
    return g.api_bearer


def _presented_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def _look_up() -> Bearer | None:
    secret = _presented_secret()
    if secret is None:
        return None
    bearer = bearer_for(secret, datetime.now(UTC))
    if bearer is not None and bearer.touched:
        db.session.commit()  # last use, kept even if the request itself then fails
    return bearer


def authenticate_request() -> None:
    """``before_request`` of the API: 401 without a usable token, 403 if its scope is too small."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    bearer = presented_bearer()
    # Never the cookie's user: the token's owner, or nobody.
    login_manager._update_request_context_with_user(bearer.user if bearer else None)
    if bearer is None:
        detail = _BAD_TOKEN if _presented_secret() else _NO_TOKEN
        raise Problem(401, detail, headers=_UNAUTHORIZED_HEADERS)
    if not scope_allows(bearer.token.scope, request.method):
        raise Problem(403, "This token is read-only; make a write token to change data.")


def rate_limit_key() -> str:
    """Rate limits count per token; requests without a usable token count per address."""
    bearer = presented_bearer()
    if bearer is not None:
        return f"api-token:{bearer.token.id}"
    return f"api-address:{get_remote_address()}"
