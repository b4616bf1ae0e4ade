"""SQLAlchemy models. Import them from here: ``from dashboard.models import Session``."""

from dashboard.models.api_tokens import ApiToken
from dashboard.models.audit import SessionChange
from dashboard.models.bookkeeping import SessionLegacyEnrollment
from dashboard.models.courses import Course, EnrolledCourse, EnrolledStudent
from dashboard.models.email import EmailSendError, ReminderSent, UserToken
from dashboard.models.lifecycle import (
    SessionAttendance,
    SessionCancellation,
    SessionNote,
    SessionReview,
)
from dashboard.models.scheduling import (
    FeedToken,
    SessionConflictOverride,
    SessionFeedSequence,
    SessionSeries,
)
from dashboard.models.sessions import Session
from dashboard.models.users import ParentStudent, User
from dashboard.models.whiteboards import WhiteboardSession

__all__ = [
    "ApiToken",
    "Course",
    "EmailSendError",
    "EnrolledCourse",
    "EnrolledStudent",
    "FeedToken",
    "ParentStudent",
    "ReminderSent",
    "Session",
    "SessionAttendance",
    "SessionCancellation",
    "SessionChange",
    "SessionConflictOverride",
    "SessionFeedSequence",
    "SessionLegacyEnrollment",
    "SessionNote",
    "SessionReview",
    "SessionSeries",
    "User",
    "UserToken",
    "WhiteboardSession",
]
