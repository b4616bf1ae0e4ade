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

#: Why a session was cancelled (``session_cancellations.reason``); "other" needs a text.
CANCELLATION_REASON_OTHER = "other"
CANCELLATION_REASONS: tuple[str, ...] = (
    "student-cancelled",
    "tutor-cancelled",
    "centre-closed",
    "no-show",
    CANCELLATION_REASON_OTHER,
)
#: How each reason is said on pages and in exports.
CANCELLATION_REASON_LABELS: dict[str, str] = {
    "student-cancelled": "Student cancelled",
    "tutor-cancelled": "Tutor cancelled",
    "centre-closed": "Centre closed",
    "no-show": "No-show",
    CANCELLATION_REASON_OTHER: "Other",
}
#: Longest free-text reason kept for a cancellation marked "other".
CANCELLATION_REASON_TEXT_MAX = 500
#: A cancellation less than this many hours before the start is "late".
LATE_CANCELLATION_HOURS = 24

#: Who wrote a review (``session_reviews.author_role``); each has its ``sessions`` column.
REVIEW_AUTHOR_ROLES: tuple[str, ...] = (ROLE_STUDENT, ROLE_TUTOR, ROLE_PARENT)
REVIEW_RATINGS: tuple[int, ...] = (1, 2, 3, 4, 5)
REVIEW_COMMENT_MAX = 2000
#: Authors may change their own review for this many days after writing it.
REVIEW_EDIT_DAYS = 14

#: The coordinators' triage list shows sessions whose attendance is still not
#: taken this many hours after their end.
ATTENDANCE_OVERDUE_HOURS = 24

#: What a one-time emailed link (``user_tokens.purpose``) is for.
TOKEN_INVITATION = "invitation"
TOKEN_PASSWORD_RESET = "password-reset"
TOKEN_PURPOSES: tuple[str, ...] = (TOKEN_INVITATION, TOKEN_PASSWORD_RESET)

#: The emails the worker sends (the ``kind`` of a ``send_email`` job).
EMAIL_INVITATION = "invitation"
EMAIL_PASSWORD_RESET = "password-reset"
EMAIL_REMINDER = "reminder"
NOTICE_CANCELLED = "cancelled"
NOTICE_MOVED = "moved"
SESSION_NOTICES: tuple[str, ...] = (NOTICE_CANCELLED, NOTICE_MOVED)
EMAIL_KINDS: tuple[str, ...] = (
    EMAIL_INVITATION,
    EMAIL_PASSWORD_RESET,
    EMAIL_REMINDER,
    *SESSION_NOTICES,
)

#: Personal access tokens of the JSON API: ``read`` may only GET; ``write`` may also
#: change whatever the token's owner may change.
API_TOKEN_SCOPE_READ = "read"
API_TOKEN_SCOPE_WRITE = "write"
API_TOKEN_SCOPES: tuple[str, ...] = (API_TOKEN_SCOPE_READ, API_TOKEN_SCOPE_WRITE)
#: Lifetimes offered when making a token, in days (every token expires).
API_TOKEN_LIFETIME_DAYS: tuple[int, ...] = (7, 30, 90, 365)

#: ``enrolled_courses.status``: an active enrolment takes new sessions, an ended one does not.
ENROLMENT_ACTIVE = "active"
ENROLMENT_ENDED = "ended"
ENROLMENT_STATUSES: tuple[str, ...] = (ENROLMENT_ACTIVE, ENROLMENT_ENDED)

#: ``users.week_starts_on`` values (0 = Monday … 6 = Sunday) and their names.
WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
