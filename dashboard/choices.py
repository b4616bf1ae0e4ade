"""The one source of truth for allowed values, roles and the schedule time zone.

Forms, validation, templates, the demo data and the tests all import these
tuples; nothing else in the code base spells the values out.
"""

from __future__ import annotations

ATTENDANCE_STATUSES: tuple[str, ...] = ("present", "absent", "late", "excused")
PRIORITY_LEVELS: tuple[str, ...] = ("low", "medium", "high", "urgent")
SESSION_STATUSES: tuple[str, ...] = ("scheduled", "completed", "cancelled", "rescheduled")
SESSION_MODES: tuple[str, ...] = ("online", "in-person", "hybrid")
SESSION_FREQUENCIES: tuple[str, ...] = ("one-time", "daily", "weekly", "biweekly", "monthly")

ROLE_COORDINATOR = "coordinator"
ROLE_TUTOR = "tutor"
ROLE_STUDENT = "student"
ROLE_PARENT = "parent"
ROLES: tuple[str, ...] = (ROLE_COORDINATOR, ROLE_TUTOR, ROLE_STUDENT, ROLE_PARENT)

#: Minimum length of a new password (ASVS 2.1.1).
MIN_PASSWORD_LENGTH = 12

#: ``sessions.session_date``/``start_time``/``end_time`` are wall-clock values in
#: this zone (the centre's), unless the app is configured otherwise.
DEFAULT_SCHEDULE_TIMEZONE = "Europe/London"
