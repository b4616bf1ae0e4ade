"""``/invitations/<token>``, ``/password-reset[/<token>]``, and resending invitations.

The link pages need no sign-in (the secret in the URL is the key). Setting a
password through a link signs the account out everywhere and this browser
too; the person then signs in with the new password.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from dashboard.access import require
from dashboard.blueprints.onboarding import bp
from dashboard.blueprints.onboarding.forms import (
    NewPasswordForm,
    ResendInvitationForm,
    ResetRequestForm,
)
from dashboard.choices import TOKEN_INVITATION, TOKEN_PASSWORD_RESET
from dashboard.extensions import db, limiter
from dashboard.models import User
from dashboard.permissions import is_coordinator
from dashboard.rendering import render_page
from dashboard.services import invitations, one_time_links, password_resets
from dashboard.services.accounts import AccountError
from dashboard.urls import safe_local_path

RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "The link works for one hour."
)


def _reset_rate_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_RATE_LIMIT"])


def _submitted_address() -> str:
    return "reset:" + request.form.get("email", "").strip().lower()


@bp.route("/password-reset", methods=["GET", "POST"])
# Every request counts (found or not, so the limit itself reveals nothing), per
# client address and per address asked for (no mail-bombing one person).
@limiter.limit(_reset_rate_limit, key_func=get_remote_address, methods=["POST"], scope="reset-ip")
@limiter.limit(_reset_rate_limit, key_func=_submitted_address, methods=["POST"], scope="reset-to")
def reset_request() -> Response:
    """Ask for a reset link; the same answer whether or not the address has an account."""
    form = ResetRequestForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_page("onboarding/reset_request.html", "reset", status=422, form=form)
        password_resets.request_password_reset(form.email.data or "")
        db.session.commit()
        flash(RESET_SENT)
        return redirect(url_for("onboarding.reset_request"), code=303)
    return render_page("onboarding/reset_request.html", "reset", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response:
    """Choose a new password through a reset link (1 hour, once)."""
    return _set_password(token, TOKEN_PASSWORD_RESET)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Response:
    """Choose a first password through an invitation (7 days, once)."""
    return _set_password(token, TOKEN_INVITATION)


def _set_password(token: str, purpose: str) -> Response:
    """The shared body of both link pages: 404 for a dead link, 422 for a bad password."""
    if one_time_links.usable_link(token, purpose) is None:
        return _unusable(purpose)
    form = NewPasswordForm()
    if request.method == "GET":
        return _password_page(form, purpose)
    if not form.validate_on_submit():
        return _password_page(form, purpose, status=422)
    try:
        user = one_time_links.use_link(token, purpose, form.password.data or "")
    except one_time_links.LinkUnusable:
        db.session.rollback()
        return _unusable(purpose)
    except AccountError as error:
        db.session.rollback()
        form.password.errors = [str(error)]
        return _password_page(form, purpose, status=422)
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(f"Your password is set. Sign in as {user.email}.")
    return redirect(url_for("auth.login"), code=303)


def _password_page(form: NewPasswordForm, purpose: str, status: int = 200) -> Response:
    return render_page(
        "onboarding/set_password.html",
        "set_password",
        status=status,
        form=form,
        invitation=purpose == TOKEN_INVITATION,
    )


def _unusable(purpose: str) -> Response:
    return render_page(
        "onboarding/link_unusable.html",
        "unusable",
        status=404,
        invitation=purpose == TOKEN_INVITATION,
    )


@bp.post("/admin/people/<int:user_id>/invitation")
@login_required
def resend_invitation(user_id: int) -> Response:
    """Send a person a new invitation (the previous link stops working); 303 back."""
    require(is_coordinator(current_user), "Only coordinators can send invitations.")
    person = db.get_or_404(User, user_id)
    form = ResendInvitationForm()
    back = safe_local_path(form.next.data) or url_for("outbox.outbox")
    if not form.validate_on_submit():
        return redirect(back, code=303)
    status = invitations.invitation_status(person.id)
    if status is not None and status.state == invitations.STATE_USED:
        flash(f"{person.full_name} has already chosen a password.")
        return redirect(back, code=303)
    if not person.is_active:
        flash(f"{person.full_name} is deactivated; activate them before inviting.")
        return redirect(back, code=303)
    invitations.send_invitation(person)
    db.session.commit()
    flash(f"A new invitation is on its way to {person.email}.")
    return redirect(back, code=303)
