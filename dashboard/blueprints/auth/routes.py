"""``GET/POST /login``, ``POST /logout``."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from dashboard.blueprints.auth import bp
from dashboard.blueprints.auth.forms import LoginForm
from dashboard.extensions import limiter
from dashboard.services.accounts import authenticate, home_url_for
from dashboard.urls import safe_local_path


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _submitted_account() -> str:
    """The rate-limit key of the account being tried (the email as the lookup sees it)."""
    return "account:" + request.form.get("email", "").strip().lower()


def _failed(response: Response) -> bool:
    """Only failed attempts count, so a class signing in behind one address is not locked out."""
    return response.status_code >= 400


# Two limits, each LOGIN_RATE_LIMIT failed attempts: per client address (one
# machine guessing many accounts) and per account (many machines guessing one).
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_rate_limit,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
    scope="ip",
)
@limiter.limit(
    _login_rate_limit,
    key_func=_submitted_account,
    methods=["POST"],
    deduct_when=_failed,
    scope="account",
)
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; sign in and go to ``next`` or the role's home page."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_local_path(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_local_path(form.next.data) or home_url_for(user))
        form.password.errors.append("The email or password is wrong.")
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
