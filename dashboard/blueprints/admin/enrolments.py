"""``/admin/enrolments``: who takes which course with whom; enrol, change tutor, end, delete."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import login_required

from dashboard.blueprints.admin import bp
from dashboard.blueprints.admin.common import checked, load, page_number, require_coordinator
from dashboard.extensions import db
from dashboard.models import EnrolledCourse
from dashboard.rendering import render_page
from dashboard.services import enrolments
from dashboard.services.form_values import FormError, fits_id, parse_id


@bp.get("/admin/enrolments")
@login_required
def enrolment_list() -> Response:
    """Every enrolment: course, student, tutor, since when, how many sessions."""
    require_coordinator()
    found = enrolments.list_enrolments(page=page_number())
    return render_page("admin/enrolments.html", "enrolments", found=found)


@bp.route("/admin/enrolments/new", methods=["GET", "POST"])
@login_required
def enrolment_new() -> Response:
    """Enrol a student in an open course with a tutor (``?student_id=`` etc. preselect)."""
    require_coordinator()
    if request.method == "POST":
        form = request.form
        try:
            enrolment = enrolments.create_enrolment(
                form.get("course_id"), form.get("student_id"), form.get("tutor_id")
            )
        except FormError as error:
            db.session.rollback()
            return _new_page(form, error.errors, 422)
        db.session.commit()
        flash("Enrolled. Sessions can now be scheduled for it.")
        return redirect(url_for("admin.enrolment", enrolment_id=enrolment.id), 303)
    return _new_page(request.args, {})


def _new_page(values, errors: dict[str, str], status: int = 200) -> Response:
    """The enrolment form: open courses, active students and tutors (``values`` preselect)."""
    students, tutors = enrolments.student_and_tutor_choices()
    return render_page(
        "admin/enrolment_new.html",
        "main",
        status=status,
        values={
            name: parse_id(values.get(name)) for name in ("course_id", "student_id", "tutor_id")
        },
        errors=errors,
        courses=enrolments.course_choices(),
        students=students,
        tutors=tutors,
    )


@bp.get("/admin/enrolments/<int:enrolment_id>")
@login_required
def enrolment(enrolment_id: int) -> Response:
    """An enrolment: change its tutor, end or reopen it, or go to delete it."""
    require_coordinator()
    return _enrolment_page(enrolment_id, {})


def _enrolment_page(enrolment_id: int, errors: dict[str, str], status: int = 200) -> Response:
    row = enrolments.get_enrolment_row(enrolment_id) if fits_id(enrolment_id) else None
    if row is None:
        abort(404, description=f"There is no enrolment #{enrolment_id}.")
    return render_page(
        "admin/enrolment.html",
        "main",
        status=status,
        enrolment=row,
        errors=errors,
        tutors=enrolments.tutor_choices(),
    )


@bp.post("/admin/enrolments/<int:enrolment_id>/tutor")
@login_required
def enrolment_tutor(enrolment_id: int) -> Response:
    """Give the enrolment another tutor; its sessions stay with it."""
    require_coordinator()
    enrolment = load(EnrolledCourse, enrolment_id, "enrolment")
    try:
        changed = enrolments.change_tutor(enrolment, request.form.get("tutor_id"))
    except FormError as error:
        db.session.rollback()
        return _enrolment_page(enrolment_id, error.errors, 422)
    db.session.commit()
    flash("The tutor is changed." if changed else "That is already the tutor.")
    return redirect(url_for("admin.enrolment", enrolment_id=enrolment_id), 303)


@bp.post("/admin/enrolments/<int:enrolment_id>/end")
@login_required
def enrolment_end(enrolment_id: int) -> Response:
    """End (``ended=true``) or reopen (``false``) an enrolment; its sessions stay."""
    require_coordinator()
    enrolment = load(EnrolledCourse, enrolment_id, "enrolment")
    end = checked("ended")
    try:
        changed = enrolments.set_ended(enrolment, end)
    except enrolments.EnrolmentError as error:
        db.session.rollback()
        return _enrolment_page(enrolment_id, {"ended": str(error)}, 422)
    db.session.commit()
    if changed:
        flash("The enrolment is ended; it keeps its sessions." if end else "Reopened.")
    return redirect(url_for("admin.enrolment", enrolment_id=enrolment_id), 303)


@bp.route("/admin/enrolments/<int:enrolment_id>/delete", methods=["GET", "POST"])
@login_required
def enrolment_delete(enrolment_id: int) -> Response:
    """Say how many sessions go with the enrolment; delete it (and them) on confirmation."""
    require_coordinator()
    preview = enrolments.delete_preview(enrolment_id) if fits_id(enrolment_id) else None
    if preview is None:
        abort(404, description=f"There is no enrolment #{enrolment_id}.")
    if request.method == "GET":
        return render_page("admin/enrolment_delete.html", "main", preview=preview)
    confirmed = request.form.get("sessions", "")  # the count the person was shown
    expected = int(confirmed) if confirmed.isascii() and confirmed.isdecimal() else None
    try:
        deleted = enrolments.delete_enrolment(enrolment_id, expected)
    except enrolments.DeleteCountChanged as changed:
        db.session.rollback()
        return render_page(
            "admin/enrolment_delete.html",
            "main",
            status=409,
            preview=changed.preview,
            notice=str(changed),
        )
    if deleted is None:  # deleted by someone else since the preview above
        db.session.rollback()
        abort(404, description=f"There is no enrolment #{enrolment_id}.")
    db.session.commit()
    row = preview.enrolment
    flash(
        f"The enrolment of {row.student_name} in {row.course_title} is deleted, "
        f"with {deleted} session{'' if deleted == 1 else 's'}."
    )
    return redirect(url_for("admin.enrolment_list"), 303)
