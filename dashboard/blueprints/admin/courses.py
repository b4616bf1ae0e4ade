"""``/admin/courses``: what the centre teaches; add, edit, archive (coordinators only)."""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_login import login_required

from dashboard.blueprints.admin import bp
from dashboard.blueprints.admin.common import checked, load, require_coordinator
from dashboard.extensions import db
from dashboard.models import Course
from dashboard.rendering import render_page
from dashboard.services import courses, enrolments
from dashboard.services.form_values import FormError


@bp.get("/admin/courses")
@login_required
def course_list() -> Response:
    """Every course with its enrolment counts; archived ones last."""
    require_coordinator()
    return render_page("admin/courses.html", "courses", courses=courses.list_courses())


@bp.route("/admin/courses/new", methods=["GET", "POST"])
@login_required
def course_new() -> Response:
    """Add a course (title and description)."""
    require_coordinator()
    if request.method == "POST":
        try:
            course = courses.create_course(
                request.form.get("title"), request.form.get("description")
            )
        except FormError as error:
            db.session.rollback()
            return _form_page(None, request.form, error.errors, 422)
        db.session.commit()
        flash(f"Course “{course.title}” added.")
        return redirect(url_for("admin.course_list"), 303)
    return _form_page(None, {}, {})


@bp.route("/admin/courses/<int:course_id>", methods=["GET", "POST"])
@login_required
def course(course_id: int) -> Response:
    """Edit a course; its enrolments are listed below."""
    require_coordinator()
    course = load(Course, course_id, "course")
    if request.method == "POST":
        try:
            courses.update_course(
                course, request.form.get("title"), request.form.get("description")
            )
        except FormError as error:
            db.session.rollback()
            return _form_page(load(Course, course_id, "course"), request.form, error.errors, 422)
        db.session.commit()
        flash(f"Course “{course.title}” saved.")
        return redirect(url_for("admin.course", course_id=course.id), 303)
    values = {"title": course.title, "description": course.description or ""}
    return _form_page(course, values, {})


@bp.post("/admin/courses/<int:course_id>/archive")
@login_required
def course_archive(course_id: int) -> Response:
    """Archive a course (``archived=true``, no new enrolments) or reopen it (``false``)."""
    require_coordinator()
    course = load(Course, course_id, "course")
    archive = checked("archived")
    changed = courses.set_archived(course, archive)
    db.session.commit()
    if changed:
        flash(f"“{course.title}” is {'archived' if archive else 'open for enrolments again'}.")
    return redirect(url_for("admin.course", course_id=course.id), 303)


def _form_page(
    course: Course | None, values, errors: dict[str, str], status: int = 200
) -> Response:
    context = {"course": course, "values": values, "errors": errors}
    if course is not None:
        context["enrolments"] = enrolments.list_enrolments(course_id=course.id)
    return render_page("admin/course.html", "main", status=status, **context)
