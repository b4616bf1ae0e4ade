"""``select_options``: the <option> tags of the edit controls."""

from __future__ import annotations

from markupsafe import Markup

from dashboard.choices import ATTENDANCE_STATUSES
from dashboard.select_options import select_options


def test_every_value_is_offered_and_the_current_one_selected():
    html = select_options(ATTENDANCE_STATUSES, "late")
    assert isinstance(html, Markup)
    assert html == (
        '<option value="present">Present</option>'
        '<option value="absent">Absent</option>'
        '<option value="late" selected>Late</option>'
        '<option value="excused">Excused</option>'
    )


def test_a_value_that_is_not_allowed_shows_a_disabled_placeholder():
    html = select_options(ATTENDANCE_STATUSES, None)
    assert html.startswith('<option value="" disabled selected>—</option>')
    assert " selected>" not in html.removeprefix('<option value="" disabled selected>—</option>')


def test_values_are_escaped():
    html = select_options(('"><script>x</script>',), "other")
    assert "<script>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html
