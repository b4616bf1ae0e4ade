"""Scheduling sessions: the rules, conflicts, series and the lifecycle, no HTTP.

- ``rules``: the form's input, its checks, the choices offered (nothing writes);
- ``conflicts``: overlapping sessions and recorded coordinator overrides;
- ``series``: repeating series, protected occurrences, splitting a series;
- ``repeat``: a series' new rule from one occurrence on (kept, added, cancelled);
- ``lifecycle``: create, edit, reschedule, cancel, complete — each one
  transaction, every change of an existing row through
  ``dashboard.services.session_writes.write_session`` (the one write path).

The names below are the package's public interface.
"""

from dashboard.services.scheduling.conflicts import (
    OVERRIDES_PAGE_SIZE,
    Conflict,
    OverrideRow,
    find_conflicts,
    overrides_for,
    recent_overrides,
)
from dashboard.services.scheduling.lifecycle import (
    cancel_sessions,
    cancellation_targets,
    complete_session,
    create_sessions,
    lock_at_version,
    reschedule_session,
    restore_session,
    update_sessions,
)
from dashboard.services.scheduling.repeat import (
    RepeatChange,
    RepeatChanged,
    change_repeat,
    original_day,
)
from dashboard.services.scheduling.rules import (
    MAX_ALARM_MINUTES,
    MAX_NOTE_LENGTH,
    MAX_REASON_LENGTH,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    Option,
    SchedulingError,
    Scope,
    SessionInput,
    check_topics,
    form_values,
    parse_topics,
    schedulable_courses,
    starts_at,
    whiteboard_options,
)
from dashboard.services.scheduling.series import (
    is_protected,
    series_members,
    series_of,
    split_series,
)

__all__ = [
    "MAX_ALARM_MINUTES",
    "MAX_NOTE_LENGTH",
    "MAX_REASON_LENGTH",
    "MAX_TOPICS",
    "MAX_TOPIC_LENGTH",
    "OVERRIDES_PAGE_SIZE",
    "Conflict",
    "Option",
    "OverrideRow",
    "RepeatChange",
    "RepeatChanged",
    "SchedulingError",
    "Scope",
    "SessionInput",
    "cancel_sessions",
    "cancellation_targets",
    "change_repeat",
    "check_topics",
    "complete_session",
    "create_sessions",
    "find_conflicts",
    "form_values",
    "is_protected",
    "lock_at_version",
    "original_day",
    "overrides_for",
    "parse_topics",
    "recent_overrides",
    "reschedule_session",
    "restore_session",
    "schedulable_courses",
    "series_members",
    "series_of",
    "split_series",
    "starts_at",
    "update_sessions",
    "whiteboard_options",
]
