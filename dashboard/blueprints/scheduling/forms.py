"""Forms of the scheduling pages (Flask-WTF adds the CSRF token).

The forms check the shape of the input (a date is a date, numbers in range);
the rules that need the database (allowed course, whiteboard owner, past
dates, conflicts) live in ``dashboard.services.scheduling``.
"""

from __future__ import annotations

from dataclasses import replace

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from dashboard.choices import (
    CANCELLATION_REASON_LABELS,
    CANCELLATION_REASON_TEXT_MAX,
    CANCELLATION_REASONS,
    PRIORITY_LEVELS,
    SESSION_FREQUENCIES,
    SESSION_MODES,
)
from dashboard.input_guard import DatabaseId, StorableText, coerce_database_id
from dashboard.input_limits import column_length
from dashboard.models import Session
from dashboard.services.recurrence import MAX_OCCURRENCES
from dashboard.services.scheduling import (
    MAX_ALARM_MINUTES,
    MAX_NOTE_LENGTH,
    Option,
    Scope,
    SessionInput,
    parse_topics,
)

SCOPE_CHOICES = [
    SelectChoice(Scope.THIS.value, "Only this session"),
    SelectChoice(Scope.FOLLOWING.value, "This and following sessions"),
    SelectChoice(Scope.ALL.value, "All sessions of the series"),
]


class SessionForm(FlaskForm):
    """Fields shared by the new-session and edit-session forms.

    ``override_reason`` has no length check here: it is shown (with its
    errors) only next to overlaps, so the service checks its length then.
    """

    # Choices are checked by the service (it knows which courses the user may
    # schedule); the form only refuses what is not an id at all.
    enrolled_courses_id = SelectField(
        "Enrolled course",
        coerce=coerce_database_id,
        validate_choice=False,
        validators=[DatabaseId("Choose one of the enrolled courses you may schedule.")],
    )
    session_date = DateField("Date", validators=[InputRequired(message="Enter a date.")])
    start_time = TimeField("Start", validators=[InputRequired(message="Enter a start time.")])
    end_time = TimeField("End", validators=[InputRequired(message="Enter an end time.")])
    session_mode = SelectField("Mode", choices=list(SESSION_MODES), default="online")
    location = StringField("Location", validators=[StorableText(column_length(Session.location))])
    topics = TextAreaField("Topics (one per line)", validators=[StorableText(None)])
    whiteboard_id = SelectField(
        "Whiteboard",
        coerce=coerce_database_id,
        validate_choice=False,
        validators=[DatabaseId("Choose a whiteboard of the course's tutor.")],
    )
    priority_level = SelectField("Priority", choices=list(PRIORITY_LEVELS), default="medium")
    notification_enabled = BooleanField("Remind in the dashboard before it starts")
    alarm_enabled = BooleanField("Add an alarm in calendar feeds")
    alarm_before_minutes = IntegerField(
        "Minutes before the start",
        default=15,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_ALARM_MINUTES)],
    )
    override_reason = TextAreaField(
        "Reason to schedule despite overlaps", validators=[StorableText(None)]
    )

    def set_choices(self, courses: list[Option], boards: list[Option]) -> None:
        """Offer only the courses and boards the signed-in user may use."""
        self.enrolled_courses_id.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(o.id, o.label) for o in courses
        ]
        self.whiteboard_id.choices = [SelectChoice("", "No whiteboard")] + [
            SelectChoice(o.id, o.label) for o in boards
        ]

    def to_input(self, tzid: str) -> SessionInput:
        """The submitted values for the scheduling service."""
        return SessionInput(
            enrolled_courses_id=self.enrolled_courses_id.data,
            session_date=self.session_date.data,
            start_time=self.start_time.data,
            end_time=self.end_time.data,
            tzid=tzid,
            session_mode=self.session_mode.data,
            location=self.location.data,
            topics=parse_topics(self.topics.data),
            whiteboard_id=self.whiteboard_id.data,
            priority_level=self.priority_level.data,
            notification_enabled=bool(self.notification_enabled.data),
            alarm_enabled=bool(self.alarm_enabled.data),
            alarm_before_minutes=self.alarm_before_minutes.data,
            override_reason=self.override_reason.data,
        )


class NewSessionForm(SessionForm):
    """A new session, optionally repeating."""

    frequency = SelectField("Repeats", choices=list(SESSION_FREQUENCIES), default="one-time")
    repeat_until = DateField("Until (date)", validators=[Optional()])
    repeat_count = IntegerField(
        "Or number of sessions", validators=[Optional(), NumberRange(min=1, max=MAX_OCCURRENCES)]
    )

    def to_input(self, tzid: str) -> SessionInput:
        """The submitted values, with the repetition."""
        return replace(
            super().to_input(tzid),
            frequency=self.frequency.data or "one-time",
            repeat_until=self.repeat_until.data,
            repeat_count=self.repeat_count.data,
        )


class EditSessionForm(SessionForm):
    """Changes to a session; for a series, which occurrences they apply to."""

    scope = RadioField("Apply to", choices=SCOPE_CHOICES, default=Scope.THIS.value)


class RescheduleForm(FlaskForm):
    """Move a session to a new date and time (in the viewer's zone).

    It shares the edit page with ``EditSessionForm``, whose fields have the
    same names: the ``reschedule-`` ids keep each page id unique, so every
    label points at its own form's field.
    """

    session_date = DateField(
        "New date",
        id="reschedule-session_date",
        validators=[InputRequired(message="Enter a date.")],
    )
    start_time = TimeField(
        "Start",
        id="reschedule-start_time",
        validators=[InputRequired(message="Enter a start time.")],
    )
    end_time = TimeField(
        "End", id="reschedule-end_time", validators=[InputRequired(message="Enter an end time.")]
    )
    override_reason = TextAreaField(
        "Reason to schedule despite overlaps",
        id="reschedule-override_reason",
        validators=[StorableText(None)],
    )


class CancelForm(FlaskForm):
    """Cancel a session (or part of its series), saying why.

    The route relabels ``scope`` with the counts ("this and the 4 following").
    """

    # Its own ids: the edit form on the same page has a ``scope`` too.
    scope = RadioField("Cancel", id="cancel-scope", choices=SCOPE_CHOICES, default=Scope.THIS.value)
    reason = RadioField(
        "Reason",
        choices=[
            SelectChoice(value, CANCELLATION_REASON_LABELS[value]) for value in CANCELLATION_REASONS
        ],
        # checked by the service after the version (a stale form is 409 first)
        validate_choice=False,
    )
    reason_text = TextAreaField(
        "Details (required for “Other”)",
        validators=[StorableText(CANCELLATION_REASON_TEXT_MAX)],
    )

    def label_scopes(self, counts: dict[Scope, int]) -> None:
        """Name what each choice cancels: "this session", "this and the 4 following", "all 6"."""
        following = counts.get(Scope.FOLLOWING, 0)
        labels = {
            Scope.THIS: "This session",
            Scope.FOLLOWING: (
                f"This and the {following - 1} following"
                if following > 1
                else "This session only (none follow)"
            ),
            Scope.ALL: f"All {counts.get(Scope.ALL, 0)} of the series",
        }
        self.scope.choices = [SelectChoice(scope.value, labels[scope]) for scope in Scope]


class RepeatForm(FlaskForm):
    """How a series repeats from this occurrence on: how often, until when or how many times.

    It shares the edit page with ``EditSessionForm`` and ``RescheduleForm``: its
    ``repeat-`` ids keep every page id unique.
    """

    frequency = SelectField(
        "Repeats",
        id="repeat-frequency",
        choices=[value for value in SESSION_FREQUENCIES if value != "one-time"],
        # checked by the service after the version (a stale form is 409 first)
        validate_choice=False,
    )
    starting = DateField(
        "From (date; another weekday moves the lessons)",
        id="repeat-starting",
        validators=[Optional()],
    )
    repeat_until = DateField("Until (date)", id="repeat-repeat_until", validators=[Optional()])
    repeat_count = IntegerField(
        "Or number of sessions",
        id="repeat-repeat_count",
        validators=[Optional(), NumberRange(min=1, max=MAX_OCCURRENCES)],
    )
    override_reason = TextAreaField(
        "Reason to schedule despite overlaps",
        id="repeat-override_reason",
        validators=[StorableText(None)],
    )


class RestoreForm(FlaskForm):
    """Bring a cancelled session back; a coordinator may override a conflict with a reason."""

    override_reason = TextAreaField(
        "Reason to restore despite overlaps", validators=[StorableText(None)]
    )


class CompleteForm(FlaskForm):
    """Mark a session completed: what was covered, and the lesson notes."""

    topics_covered = TextAreaField("Topics covered (one per line)", validators=[StorableText(None)])
    public_note = TextAreaField(
        "Lesson note for the student and parents", validators=[StorableText(MAX_NOTE_LENGTH)]
    )
    private_note = TextAreaField(
        "Private note (tutor and coordinators only)", validators=[StorableText(MAX_NOTE_LENGTH)]
    )
