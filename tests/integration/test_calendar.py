"""``GET /tutors/<id>/calendar``: views, navigation, time zones, DST, permissions."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.choices import ROLE_STUDENT, ROLE_TUTOR

LONDON = ZoneInfo("Europe/London")


def calendar_url(tutor_id: int, **args: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/tutors/{tutor_id}/calendar" + (f"?{query}" if query else "")


@pytest.fixture
def tutor_world(build):
    """A tutor and a student with one enrolment; returns (tutor_id, student_id, enrolment_id)."""
    tutor = build.user(ROLE_TUTOR, "tutor@test.example", "Tina Tutor")
    student = build.user(ROLE_STUDENT, "student@test.example", "Stu Dent")
    return tutor, student, build.enrolment(tutor, student, "Chemistry")


@pytest.mark.parametrize("view", ["month", "week", "day", "agenda"])
def test_every_view_shows_todays_session(client, auth, demo, view):
    auth.login("tutor1@example.com")
    response = client.get(calendar_url(demo["tutor1@example.com"], view=view))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page
    assert 'id="calendar"' in page
    assert "GCSE Mathematics" in page  # today's 16:00 demo session
    assert 'aria-current="page">' + view.capitalize() in page


def test_default_is_the_month_of_today(client, auth, demo):
    auth.login("tutor1@example.com")
    page = client.get(calendar_url(demo["tutor1@example.com"])).get_data(as_text=True)
    today = datetime.now(LONDON).date()
    assert f"{today:%B %Y}</h2>" in page
    assert 'aria-current="date"' in page
    assert f"date={today.isoformat()}" in page  # the view links keep the anchor


def test_only_the_tutors_own_sessions_are_shown(client, auth, demo):
    auth.login("tutor2@example.com")
    page = client.get(
        calendar_url(demo["tutor2@example.com"], view="agenda", date=_today_minus(20))
    ).get_data(as_text=True)
    assert "English Literature" in page
    assert "GCSE Mathematics" not in page  # tutor 1's course
    assert "Tom Tutor" not in page


def grid_days(page: str) -> list[str]:
    """The dates of the month grid's cells, in order."""
    grid = page[page.index('<ol class="mg-days">') :]
    return re.findall(r'href="[^"]*view=day&amp;date=(\d{4}-\d{2}-\d{2})"', grid)


def grid_events(page: str) -> dict[int, str]:
    """Session id → its time-grid placement classes."""
    return {
        int(m.group(2)): m.group(1)
        for m in re.finditer(r'class="tg-event ([^"]+)">\s*<a [^>]*id="block-(\d+)"', page)
    }


def _today_minus(days: int) -> str:
    return (datetime.now(LONDON).date() - timedelta(days=days)).isoformat()


def test_navigation_links_carry_htmx_and_plain_hrefs(client, auth, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="week", date="2025-03-27")).get_data(as_text=True)
    prev = f"/tutors/{tutor}/calendar?view=week&amp;date=2025-03-20"
    nxt = f"/tutors/{tutor}/calendar?view=week&amp;date=2025-04-03"
    assert f'href="{prev}" hx-get="{prev}"' in page
    assert f'href="{nxt}" hx-get="{nxt}"' in page
    assert f'href="/tutors/{tutor}/calendar?view=week" hx-get=' in page  # Today
    assert 'hx-target="this" hx-swap="outerHTML" hx-push-url="true"' in page
    # Every link reachable from the page opens as a full page too.
    month_link = f"/tutors/{tutor}/calendar?view=month&date=2025-03-27"
    assert month_link.replace("&", "&amp;") in page
    full = client.get(month_link)
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)


def test_htmx_navigation_returns_only_the_calendar_block(client, auth, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    for view in ("month", "week", "day", "agenda"):
        response = client.get(
            calendar_url(tutor, view=view, date="2025-03-27"), headers={"HX-Request": "true"}
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<html" not in body
        assert body.lstrip().startswith('<section id="calendar"')
        assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_whole_page(client, auth, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    response = client.get(
        calendar_url(tutor, view="week", date="2025-03-27"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"view": "year"}, "view must be one of month, week, day, agenda"),
        ({"view": "<script>"}, "view must be one of"),
        ({"date": "2025-02-30"}, "date is not a real calendar date"),
        ({"date": "2025-2-3"}, "date must be a date written YYYY-MM-DD"),
        ({"date": "20250203"}, "date must be a date written YYYY-MM-DD"),
        ({"date": "tomorrow"}, "date must be a date written YYYY-MM-DD"),
        ({"date": "0001-01-01"}, "date must be between"),
        ({"date": "9999-12-31", "view": "month"}, "date must be between"),
    ],
)
def test_bad_view_or_date_is_a_400_with_a_message(client, auth, tutor_world, args, message):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    response = client.get(calendar_url(tutor, **args))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


def test_tutor_without_sessions_sees_an_empty_state(client, auth, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    for view, words in (("month", "No sessions this month"), ("day", "No sessions on this day")):
        page = client.get(calendar_url(tutor, view=view)).get_data(as_text=True)
        assert words in page
        assert "Previous" in page and "Next" in page


def test_month_grid_with_sunday_first_weeks(client, auth, build, tutor_world):
    tutor, _student, _enrolment = tutor_world
    build.update_user(tutor, week_starts_on=6)
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="month", date="2025-06-15")).get_data(as_text=True)
    days = grid_days(page)
    assert days[0] == "2025-06-01" and days[-1] == "2025-07-05"
    weekdays = re.search(r'<ol class="mg-weekdays"[^>]*>(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li>(\w+)</li>", weekdays)[:2] == ["Sun", "Mon"]


def test_month_grid_with_monday_first_weeks_starts_in_the_previous_month(client, auth, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="month", date="2025-06-15")).get_data(as_text=True)
    days = grid_days(page)
    assert (days[0], days[-1], len(days)) == ("2025-05-26", "2025-07-06", 42)
    assert page.count('class="mg-day outside') == 12  # 26–31 May and 1–6 July


def test_february_of_a_leap_year(client, auth, build, tutor_world):
    tutor, _student, enrolment = tutor_world
    build.session(enrolment, date(2024, 2, 29), time(16), topics=["Leap day"])
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="month", date="2024-02-01")).get_data(as_text=True)
    assert "February 2024</h2>" in page
    days = grid_days(page)
    assert (days[0], days[-1]) == ("2024-01-29", "2024-03-03")
    grid = page[page.index('<ol class="mg-days">') :]
    cell = grid[grid.index("date=2024-02-29") : grid.index("date=2024-03-01")]
    assert "Chemistry" in cell
    nav = client.get(calendar_url(tutor, view="month", date="2024-03-31")).get_data(as_text=True)
    assert "date=2024-02-29" in nav  # previous month keeps the day, clamped to the 29th


def test_week_view_places_sessions_on_the_time_grid(client, auth, build, tutor_world):
    tutor, _student, enrolment = tutor_world
    first = build.session(enrolment, date(2025, 5, 7), time(16), 60)
    second = build.session(enrolment, date(2025, 5, 7), time(16, 30), 90)
    early = build.session(enrolment, date(2025, 5, 9), time(6, 15), 45, status="cancelled")
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="week", date="2025-05-07")).get_data(as_text=True)
    assert "days-7 from-h6" in page  # widened to show the 06:15 session
    events = grid_events(page)
    # 5-minute rows: 16:00 is slot 192, an hour 12 slots.
    assert events[first] == "tg-day-3 tg-start-192 tg-span-12 tg-lane-1-of-2"
    assert events[second] == "tg-day-3 tg-start-198 tg-span-18 tg-lane-2-of-2"
    assert events[early] == "tg-day-5 tg-start-75 tg-span-9"
    assert re.search(rf'class="cal-block [^"]* cancelled"\s+id="block-{early}"', page)
    grid = page[page.index('class="time-grid') : page.index('<dialog id="session-popover"')]
    assert "<select" not in grid and "<button" not in grid  # no form controls in blocks


def test_today_is_highlighted(client, auth, build, tutor_world):
    tutor, _student, _enrolment = tutor_world
    auth.login("tutor@test.example")
    today = datetime.now(LONDON).date().isoformat()
    week = client.get(calendar_url(tutor, view="week")).get_data(as_text=True)
    assert f'date={today}" aria-current="date"' in week
    assert 'class="tg-col today' in week
    month = client.get(calendar_url(tutor)).get_data(as_text=True)
    assert f'date={today}" aria-current="date"' in month


def test_dst_spring_week_for_a_viewer_in_new_york(client, auth, build, tutor_world):
    # London moves to BST on Sunday 30 March 2025; New York moved on 9 March.
    tutor, _student, enrolment = tutor_world
    build.update_user(tutor, timezone="America/New_York")
    before = build.session(enrolment, date(2025, 3, 27), time(16))
    after = build.session(enrolment, date(2025, 3, 31), time(16))
    auth.login("tutor@test.example")
    week = client.get(calendar_url(tutor, view="week", date="2025-03-27")).get_data(as_text=True)
    assert 'datetime="2025-03-27T12:00:00-04:00">12:00' in week
    assert grid_events(week)[before] == "tg-day-4 tg-start-144 tg-span-12"
    nxt = client.get(calendar_url(tutor, view="week", date="2025-03-31")).get_data(as_text=True)
    assert 'datetime="2025-03-31T11:00:00-04:00">11:00' in nxt
    assert f'id="block-{after}"' in nxt


def test_dst_spring_day_in_london(client, auth, build, tutor_world):
    tutor, _student, enrolment = tutor_world
    build.session(enrolment, date(2025, 3, 30), time(0, 30), 30)
    build.session(enrolment, date(2025, 3, 30), time(3), 60)
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="day", date="2025-03-30")).get_data(as_text=True)
    assert 'datetime="2025-03-30T00:30:00+00:00">00:30' in page  # still GMT
    assert 'datetime="2025-03-30T03:00:00+01:00">03:00' in page  # already BST
    assert "from-h0" in page


def test_dst_autumn_weeks_for_a_viewer_in_new_york(client, auth, build, tutor_world):
    # London returns to GMT on 26 October 2025; New York on 2 November.
    tutor, _student, enrolment = tutor_world
    build.update_user(tutor, timezone="America/New_York")
    build.session(enrolment, date(2025, 10, 24), time(16))
    build.session(enrolment, date(2025, 10, 27), time(16))
    build.session(enrolment, date(2025, 11, 3), time(16))
    auth.login("tutor@test.example")
    october = client.get(calendar_url(tutor, view="agenda", date="2025-10-20")).get_data(
        as_text=True
    )
    assert 'datetime="2025-10-24T11:00:00-04:00"' in october
    assert 'datetime="2025-10-27T12:00:00-04:00"' in october
    assert 'datetime="2025-11-03T11:00:00-05:00"' in october


def test_sessions_near_midnight_move_to_the_viewers_date(client, auth, build, tutor_world):
    tutor, _student, enrolment = tutor_world
    build.update_user(tutor, timezone="America/New_York")
    # 00:30 London on 10 March is 20:30 on 9 March in New York.
    late = build.session(enrolment, date(2025, 3, 10), time(0, 30))
    # 00:30 London on 1 April (BST) is 19:30 on 31 March in New York: the March grid.
    edge = build.session(enrolment, date(2025, 4, 1), time(0, 30))
    auth.login("tutor@test.example")
    ninth = client.get(calendar_url(tutor, view="day", date="2025-03-09")).get_data(as_text=True)
    assert f'id="block-{late}"' in ninth
    assert 'datetime="2025-03-09T20:30:00-04:00"' in ninth
    tenth = client.get(calendar_url(tutor, view="day", date="2025-03-10")).get_data(as_text=True)
    assert f'id="block-{late}"' not in tenth
    march = client.get(calendar_url(tutor, view="month", date="2025-03-01")).get_data(as_text=True)
    cell = march[march.index("date=2025-03-31") :]
    assert 'datetime="2025-03-31T19:30:00-04:00"' in cell
    april_day = client.get(calendar_url(tutor, view="day", date="2025-04-01")).get_data(
        as_text=True
    )
    assert f'id="block-{edge}"' not in april_day


def test_coordinator_may_see_any_tutors_calendar(client, auth, demo):
    auth.login("coordinator@example.com")
    response = client.get(calendar_url(demo["tutor2@example.com"], view="agenda"))
    assert response.status_code == 200
    assert "Tara Tutor’s calendar" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "whose", "status"),
    [
        ("tutor1@example.com", "tutor2@example.com", 403),
        ("student1@example.com", "tutor1@example.com", 403),
        ("parent1@example.com", "tutor1@example.com", 403),
        ("tutor1@example.com", "student1@example.com", 404),  # not a tutor
        ("coordinator@example.com", "tutor3@example.com", 200),
    ],
)
def test_permissions(client, auth, demo, email, whose, status):
    auth.login(email)
    assert client.get(calendar_url(demo[whose])).status_code == status


def test_unknown_tutor_is_404(client, auth, demo):
    auth.login("coordinator@example.com")
    assert client.get(calendar_url(999_999)).status_code == 404


def test_permission_is_checked_before_the_parameters(client, auth, demo):
    auth.login("tutor1@example.com")
    assert client.get(calendar_url(demo["tutor2@example.com"], view="bogus")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    response = client.get(calendar_url(demo["tutor1@example.com"], view="week"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_session_past_midnight_ends_on_the_next_day(client, auth, build, tutor_world):
    tutor, _student, enrolment = tutor_world
    build.session(enrolment, date(2025, 3, 5), time(22, 30), minutes=120)
    auth.login("tutor@test.example")
    page = client.get(calendar_url(tutor, view="day", date="2025-03-05")).get_data(as_text=True)
    assert '<time datetime="2025-03-05T22:30:00+00:00">22:30</time>' in page
    assert '<time datetime="2025-03-06T00:30:00+00:00">00:30</time>' in page


def test_the_ics_of_a_session_past_midnight_ends_after_it_starts(client, auth, build, tutor_world):
    from icalendar import Calendar

    _tutor, _student, enrolment = tutor_world
    session_id = build.session(enrolment, date(2025, 3, 5), time(22, 30), minutes=120)
    auth.login("tutor@test.example")
    event = Calendar.from_ical(client.get(f"/sessions/{session_id}.ics").data).walk("VEVENT")[0]
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=120)
