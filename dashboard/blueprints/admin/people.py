"""``/admin/people``: find, add and change the centre's accounts (coordinators only)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from dashboard.blueprints.admin import bp
from dashboard.blueprints.admin.common import checked, load, page_number, require_coordinator
from dashboard.choices import ROLES
from dashboard.extensions import db
from dashboard.models import User
from dashboard.query_params import BadParameter, optional_one_of
from dashboard.rendering import render_page
from dashboard.services import enrolments, invitations, people
from dashboard.services.form_values import FormError
from dashboard.timezones import iana_zone_names


@bp.get("/admin/people")
@login_required
def people_list() -> Response:
    """Everyone, searchable by name or email and filterable by role; 25 a page."""
    require_coordinator()
    search = request.args.get("q", "")
    try:
        role = optional_one_of("role", request.args.get("role"), ROLES)
    except BadParameter as error:
        abort(400, description=str(error))
    if "\x00" in search:
        abort(400, description="The search must not contain NUL characters.")
    found = people.list_people(role, search, page_number())
    return render_page(
        "admin/people.html", "results", found=found, role=role, search=search, roles=ROLES
    )


@bp.route("/admin/people/new", methods=["GET", "POST"])
@login_required
def person_new() -> Response:
    """Add a person; they get an invitation to choose their password."""
    require_coordinator()
    form = request.form if request.method == "POST" else {"role": request.args.get("role", "")}
    if request.method == "POST":
        data = people.PersonInput(
            role=form.get("role"),
            full_name=form.get("full_name"),
            email=form.get("email"),
            timezone=form.get("timezone"),
        )
        try:
            person = people.create_person(data)
        except FormError as error:
            db.session.rollback()
            return _form_page(None, form, error.errors, 422)
        db.session.commit()
        flash(f"{person.full_name} was added as a {person.role}; an invitation is on its way.")
        return redirect(url_for("admin.person", person_id=person.id), 303)
    return _form_page(None, form, {})


@bp.route("/admin/people/<int:person_id>", methods=["GET", "POST"])
@login_required
def person(person_id: int) -> Response:
    """A person's details (edit name, email, zone, active), family and enrolments."""
    require_coordinator()
    person = load(User, person_id, "person")
    if request.method == "POST":
        form = request.form
        data = people.PersonInput(
            full_name=form.get("full_name"),
            email=form.get("email"),
            timezone=form.get("timezone"),
            active=checked("active"),
        )
        was_active = person.is_active
        try:
            people.update_person(person, data, acting_user_id=current_user.id)
        except FormError as error:
            db.session.rollback()
            return _form_page(load(User, person_id, "person"), form, error.errors, 422)
        db.session.commit()
        if was_active and not person.is_active:
            flash(f"{person.full_name} is deactivated and signed out everywhere.")
        elif person.is_active and not was_active:
            flash(f"{person.full_name} is active again.")
        else:
            flash(f"{person.full_name} is saved.")
        return redirect(url_for("admin.person", person_id=person.id), 303)
    values = {
        "full_name": person.full_name,
        "email": person.email,
        "timezone": person.timezone or "",
        "active": person.is_active,
    }
    return _form_page(person, values, {})


def _form_page(person: User | None, values, errors: dict[str, str], status: int = 200) -> Response:
    """The new-person form, or a person's page (their form, family and enrolments)."""
    context = {"person": person, "values": values, "errors": errors}
    context["role_options"] = [(role, role.capitalize()) for role in ROLES]
    context["zones"] = iana_zone_names()
    if person is not None:
        context["invitation"] = invitations.invitation_status(person.id)
        context["family"] = people.family_of(person)
        context["enrolments"] = enrolments.list_enrolments(person_id=person.id)
    return render_page("admin/person.html", "main", status=status, **context)
