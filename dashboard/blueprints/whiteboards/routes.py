"""``/whiteboards``: list, create, rename (name and URL) and delete boards."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dashboard.access import load_whiteboard_for, require
from dashboard.blueprints.whiteboards import bp
from dashboard.blueprints.whiteboards.forms import (
    DeleteWhiteboardForm,
    NewWhiteboardForm,
    WhiteboardForm,
)
from dashboard.extensions import db
from dashboard.permissions import (
    is_coordinator,
    may_create_whiteboard_for,
    may_list_whiteboards,
)
from dashboard.services.whiteboards import (
    create_board,
    delete_board,
    linked_session_views,
    list_boards,
    tutor_choices,
    update_board,
)


@bp.get("/whiteboards")
@login_required
def index() -> str:
    """A tutor's own boards, or every board for a coordinator, with their use."""
    require(may_list_whiteboards(current_user))
    owner = None if is_coordinator(current_user) else current_user.id
    return render_template("whiteboards/index.html", boards=list_boards(owner))


@bp.route("/whiteboards/new", methods=["GET", "POST"])
@login_required
def create() -> Response | tuple[str, int]:
    """Add a board (coordinators choose the owning tutor)."""
    require(may_list_whiteboards(current_user))
    if is_coordinator(current_user):
        form: WhiteboardForm = NewWhiteboardForm()
        form.owner_id.choices = tutor_choices()
    else:
        form = WhiteboardForm()
    if form.validate_on_submit():
        owner_id = form.owner_id.data if isinstance(form, NewWhiteboardForm) else current_user.id
        require(may_create_whiteboard_for(current_user, owner_id))
        board = create_board(form.session_name.data, form.board_url.data, owner_id)
        db.session.commit()
        flash(f"Whiteboard “{board.session_name}” created.")
        return redirect(url_for("whiteboards.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("whiteboards/form.html", form=form, board=None), status


@bp.route("/whiteboards/<int:board_id>/edit", methods=["GET", "POST"])
@login_required
def edit(board_id: int) -> Response | tuple[str, int]:
    """Rename a board or change its address."""
    board = load_whiteboard_for(board_id)
    form = WhiteboardForm(obj=board)
    if form.validate_on_submit():
        update_board(board, form.session_name.data, form.board_url.data)
        db.session.commit()
        flash(f"Whiteboard “{board.session_name}” saved.")
        return redirect(url_for("whiteboards.index"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("whiteboards/form.html", form=form, board=board), status


@bp.get("/whiteboards/<int:board_id>/delete")
@login_required
def confirm_delete(board_id: int) -> str:
    """Ask before deleting; show the sessions that will lose their whiteboard."""
    board = load_whiteboard_for(board_id)
    return render_template(
        "whiteboards/delete.html",
        board=board,
        linked=linked_session_views(board.id),
        form=DeleteWhiteboardForm(),
    )


@bp.post("/whiteboards/<int:board_id>/delete")
@login_required
def delete(board_id: int) -> Response:
    """Delete the board; its sessions stay, with no whiteboard (ON DELETE SET NULL)."""
    board = load_whiteboard_for(board_id)
    name = board.session_name
    unlinked = delete_board(board.id, current_user.id)
    db.session.commit()
    note = f" {len(unlinked)} session(s) now have no whiteboard." if unlinked else ""
    flash(f"Whiteboard “{name}” deleted.{note}")
    return redirect(url_for("whiteboards.index"), 303)
