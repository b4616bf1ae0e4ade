"""Look up people by id and role."""

from __future__ import annotations

from dashboard.extensions import db
from dashboard.models import User


def get_person(user_id: int, role: str) -> User | None:
    """The user with this id if they have this role, else None."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.role == role else None
