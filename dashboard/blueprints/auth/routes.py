"""``GET/POST /login``, ``POST /logout``."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dashboard.blueprints.auth import bp
from dashboard.blueprints.auth.forms import LoginForm
from dashboard.services.accounts import authenticate, home_url_for
from dashboard.urls import safe_local_path


@bp.route("/login", methods=["GET", "POST"])
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
