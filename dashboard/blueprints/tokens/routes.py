"""List, make and revoke one's personal access tokens.

A new token's secret is shown once: the POST keeps it in the session only
until the next page view of ``/account/tokens`` pops it (Post/Redirect/Get,
so reloading never makes a second token), and the table keeps only its digest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from dashboard.blueprints.tokens import bp
from dashboard.blueprints.tokens.forms import NewTokenForm
from dashboard.extensions import db
from dashboard.input_limits import is_database_id
from dashboard.models import ApiToken
from dashboard.permissions import may_manage_token
from dashboard.services import api_tokens

#: Session key holding a just-made secret until the list page shows it.
_NEW_SECRET_KEY = "new_api_token"


def _now() -> datetime:
    return datetime.now(UTC)


def _page(form: NewTokenForm, status: int = 200, secret: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "tokens/index.html",
            form=form,
            tokens=api_tokens.tokens_of(current_user.id),
            new_secret=secret,
            now=_now(),
        ),
        status,
    )


@bp.get("/account/tokens")
@login_required
def index() -> tuple[str, int]:
    """One's tokens (with last use), the form for a new one, and a just-made secret once."""
    return _page(NewTokenForm(), secret=session.pop(_NEW_SECRET_KEY, None))


@bp.post("/account/tokens")
@login_required
def create() -> Response | tuple[str, int]:
    """Make a token; 303 back to the list, which shows its secret this once."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        made = api_tokens.create_token(
            current_user.id, form.name.data, form.scope.data, form.lifetime_days.data, _now()
        )
    except api_tokens.TokenProblem as problem:
        getattr(form, problem.field).errors.append(problem.message)
        return _page(form, 422)
    db.session.commit()
    session[_NEW_SECRET_KEY] = made.secret
    return redirect(url_for("tokens.index"), 303)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    """Revoke one of one's tokens; it stops working at once."""
    token = _own_token(token_id)
    api_tokens.revoke_token(token, _now())
    db.session.commit()
    flash(f"Token “{token.name}” revoked; it no longer works.")
    return redirect(url_for("tokens.index"), 303)


def _own_token(token_id: int) -> ApiToken:
    """The signed-in person's token, else 404 (someone else's tokens are not even named)."""
    token = api_tokens.get_token(token_id) if is_database_id(token_id) else None
    if token is None or not may_manage_token(current_user, token):
        abort(404, description="There is no such token among yours.")
    return token
