"""Which days each calendar view covers, and where sessions go on the time grid."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dashboard.services.calendar import (
    MAX_LANES,
    Entry,
    bucket_by_day,
    localise,
    period_for,
    period_heading,
    place_on_grid,
    week_start,
    weekday_names,
)
from dashboard.services.session_views import SessionView

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def view(id_: int, day: date, start: time, end: time) -> SessionView:
    values = dict.fromkeys(SessionView._fields)
    values.update(id=id_, session_date=day, start_time=start, end_time=end)
    return SessionView(**values)


@pytest.mark.parametrize(
    ("week_starts_on", "expected"),
    [(0, date(2025, 6, 9)), (6, date(2025, 6, 8)), (2, date(2025, 6, 11)), (4, date(2025, 6, 13))],
)
def test_week_start(week_starts_on, expected):
    # 2025-06-13 is a Friday.
    assert week_start(date(2025, 6, 13), week_starts_on) == expected


def test_weekday_names_rotate():
    assert weekday_names(0)[0] == "Monday"
    assert weekday_names(6)[:2] == ["Sunday", "Monday"]


def test_month_starting_on_sunday_with_monday_weeks():
    # June 2025 starts on a Sunday: the Monday-first grid begins in May.
    period = period_for("month", date(2025, 6, 15), 0)
    assert (period.first, period.last) == (date(2025, 5, 26), date(2025, 7, 6))
    assert len(period.days) == 42


def test_month_starting_on_sunday_with_sunday_weeks():
    period = period_for("month", date(2025, 6, 15), 6)
    assert (period.first, period.last) == (date(2025, 6, 1), date(2025, 7, 5))
    assert len(period.days) == 35


def test_february_of_a_leap_year():
    period = period_for("month", date(2024, 2, 10), 0)
    assert (period.first, period.last) == (date(2024, 1, 29), date(2024, 3, 3))
    assert date(2024, 2, 29) in period.days


def test_february_that_fills_exactly_four_weeks():
    period = period_for("month", date(2021, 2, 1), 0)
    assert (period.first, period.last) == (date(2021, 2, 1), date(2021, 2, 28))


def test_previous_and_next_month_clamp_the_day():
    period = period_for("month", date(2024, 3, 31), 0)
    assert period.previous == date(2024, 2, 29)
    assert period.next == date(2024, 4, 30)
    assert period_for("month", date(2024, 12, 15), 0).next == date(2025, 1, 15)


def test_week_day_and_agenda_periods():
    week = period_for("week", date(2025, 3, 27), 0)
    assert (week.first, week.last) == (date(2025, 3, 24), date(2025, 3, 30))
    assert (week.previous, week.next) == (date(2025, 3, 20), date(2025, 4, 3))
    day = period_for("day", date(2025, 3, 30), 0)
    assert (day.first, day.last, day.previous, day.next) == (
        date(2025, 3, 30),
        date(2025, 3, 30),
        date(2025, 3, 29),
        date(2025, 3, 31),
    )
    agenda = period_for("agenda", date(2025, 3, 1), 0)
    assert (agenda.first, agenda.last, agenda.next) == (
        date(2025, 3, 1),
        date(2025, 3, 28),
        date(2025, 3, 29),
    )


def test_unknown_view_is_refused():
    with pytest.raises(ValueError):
        period_for("year", date(2025, 1, 1))


def test_headings():
    assert period_heading(period_for("month", date(2025, 3, 5))) == "March 2025"
    assert period_heading(period_for("week", date(2025, 3, 27))) == "24–30 March 2025"
    assert period_heading(period_for("week", date(2025, 4, 1))) == "31 March – 6 April 2025"
    assert period_heading(period_for("week", date(2025, 12, 31))) == (
        "29 December 2025 – 4 January 2026"
    )
    assert period_heading(period_for("day", date(2025, 3, 30))) == "Sunday 30 March 2025"


def test_localise_across_the_spring_change():
    # London changes on 30 March 2025, New York on 9 March: the gap is 4 hours between.
    before = localise(view(1, date(2025, 3, 27), time(16), time(17)), LONDON, NEW_YORK)
    after = localise(view(2, date(2025, 3, 31), time(16), time(17)), LONDON, NEW_YORK)
    assert before.start.isoformat() == "2025-03-27T12:00:00-04:00"
    assert after.start.isoformat() == "2025-03-31T11:00:00-04:00"


def test_localise_across_the_autumn_change():
    # London returns to GMT on 26 October 2025, New York on 2 November.
    before = localise(view(1, date(2025, 10, 24), time(16), time(17)), LONDON, NEW_YORK)
    between = localise(view(2, date(2025, 10, 27), time(16), time(17)), LONDON, NEW_YORK)
    after = localise(view(3, date(2025, 11, 3), time(16), time(17)), LONDON, NEW_YORK)
    assert before.start.strftime("%H:%M") == "11:00"
    assert between.start.strftime("%H:%M") == "12:00"
    assert after.start.strftime("%H:%M") == "11:00"


def test_session_ending_after_midnight_ends_the_next_day():
    entry = localise(view(1, date(2025, 1, 10), time(23, 30), time(0, 30)), LONDON, LONDON)
    assert entry.end == datetime(2025, 1, 11, 0, 30, tzinfo=LONDON)


def test_bucketing_moves_sessions_to_the_viewers_date():
    sessions = [
        view(1, date(2025, 3, 10), time(0, 30), time(1, 30)),  # New York: 9 March 20:30
        view(2, date(2025, 3, 10), time(16), time(17)),
        view(3, date(2025, 3, 12), time(9), time(10)),  # outside the range asked for
    ]
    buckets = bucket_by_day(sessions, date(2025, 3, 9), date(2025, 3, 10), LONDON, NEW_YORK)
    assert [e.session.id for e in buckets[date(2025, 3, 9)]] == [1]
    assert [e.session.id for e in buckets[date(2025, 3, 10)]] == [2]
    assert date(2025, 3, 12) not in buckets


def entry(id_: int, start: str, end: str) -> Entry:
    day = date(2025, 5, 5)
    return localise(
        view(id_, day, time.fromisoformat(start), time.fromisoformat(end)), LONDON, LONDON
    )


def test_grid_slots_and_spans():
    (placed,) = place_on_grid([entry(1, "16:00", "17:00")])
    assert (placed.slot, placed.span, placed.lane, placed.lanes) == (192, 12, 1, 1)
    assert placed.grid_classes == "tg-start-192 tg-span-12"
    (odd,) = place_on_grid([entry(2, "09:10", "09:52")])
    assert (odd.slot, odd.span) == (110, 9)  # from the 09:10 slot to the end of the 09:50 one


def test_session_running_past_midnight_is_drawn_to_the_end_of_the_day():
    (placed,) = place_on_grid([entry(1, "23:00", "01:00")])
    assert (placed.slot, placed.span) == (276, 12)


def test_overlapping_sessions_get_lanes_and_others_do_not():
    placed = {
        e.session.id: e
        for e in place_on_grid(
            [
                entry(1, "16:00", "17:00"),
                entry(2, "16:30", "17:30"),
                entry(3, "17:00", "18:00"),  # reuses lane 1 of the same cluster
                entry(4, "19:00", "20:00"),  # a cluster of its own
            ]
        )
    }
    assert (placed[1].lane, placed[1].lanes) == (1, 2)
    assert (placed[2].lane, placed[2].lanes) == (2, 2)
    assert (placed[3].lane, placed[3].lanes) == (1, 2)
    assert (placed[4].lane, placed[4].lanes) == (1, 1)
    assert "tg-lane-2-of-2" in placed[2].grid_classes


def test_lanes_are_capped_and_the_rest_left_to_the_day_view():
    placed = place_on_grid([entry(n, "10:00", "11:00") for n in range(1, 7)])
    assert {e.lanes for e in placed} == {MAX_LANES}
    assert max(e.lane for e in placed) == MAX_LANES
    assert [e.crowded for e in placed] == [False] * MAX_LANES + [True] * (6 - MAX_LANES)
