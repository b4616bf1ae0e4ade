"""Reading the coordinator list's query string, and the bits of SQL built from it."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.query_params import BadParameter, iso_date, positive_int
from dashboard.services.schedule_search import (
    ResultPage,
    ScheduleQuery,
    like_pattern,
    parse_schedule_query,
)

TODAY = date(2025, 3, 12)


def parse(args):
    return parse_schedule_query(args, TODAY)


def test_empty_query_string_is_the_default_view():
    query, errors = parse({})
    assert errors == []
    assert (query.date_from, query.date_to) == (date(2025, 3, 5), date(2025, 4, 9))
    assert query.in_window
    assert not query.is_filtered
    assert query.args() == {}


def test_empty_dates_mean_no_bounds():
    query, errors = parse({"from": "", "to": ""})
    assert errors == []
    assert (query.date_from, query.date_to) == (None, None)
    assert not query.in_window
    assert query.args() == {"from": "", "to": ""}
    only_from, _ = parse({"from": "2025-01-01"})
    assert (only_from.date_from, only_from.date_to) == (date(2025, 1, 1), None)
    assert only_from.args() == {"from": "2025-01-01", "to": ""}


def test_every_filter_round_trips_through_args():
    args = {
        "tutor": "3",
        "student": "7",
        "course": "2",
        "status": "scheduled",
        "priority": "urgent",
        "featured": "yes",
        "from": "2025-03-01",
        "to": "2025-03-31",
        "q": "Macbeth act",
        "sort": "priority",
        "dir": "desc",
        "page": "2",
    }
    query, errors = parse(args)
    assert errors == []
    assert query.date_from == date(2025, 3, 1)
    assert query.is_filtered
    assert query.args() == args


def test_empty_values_mean_no_filter_and_spaces_are_collapsed():
    query, errors = parse({"tutor": "", "status": "", "q": "  two   words "})
    assert errors == []
    assert (query.tutor, query.status, query.q) == (None, None, "two words")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"tutor": "abc"}, "tutor must be a whole number"),
        ({"student": "-1"}, "student must be a whole number"),
        ({"status": "done"}, "status must be one of scheduled"),
        ({"priority": "HIGH"}, "priority must be one of low"),
        ({"featured": "true"}, "featured must be one of yes, no"),
        ({"from": "2025-02-30"}, "from is not a real calendar date"),
        ({"to": "31/03/2025"}, "to must be a date written YYYY-MM-DD"),
        ({"sort": "password_hash"}, "sort must be one of date"),
        ({"dir": "up"}, "dir must be one of asc, desc"),
        ({"page": "0"}, "page must be a whole number of 1 or more"),
        ({"from": "2025-04-01", "to": "2025-03-01"}, "'from' date is after the 'to' date"),
        ({"q": "x" * 201}, "search text is too long"),
    ],
)
def test_invalid_values_are_reported(args, fragment):
    _query, errors = parse(args)
    assert len(errors) == 1
    assert fragment in errors[0]


def test_sort_links_flip_direction_and_reset_the_page():
    query = ScheduleQuery(tutor=3, sort="course", dir="asc", page=4)  # window == dates: None
    assert query.sort_args("course") == {"tutor": "3", "sort": "course", "dir": "desc"}
    assert query.sort_args("student") == {"tutor": "3", "sort": "student"}


def test_like_pattern_escapes_wildcards():
    assert like_pattern("100%") == "%100\\%%"
    assert like_pattern("a_b") == "%a\\_b%"
    assert like_pattern("back\\slash") == "%back\\\\slash%"


def test_page_links_have_gaps():
    page = ResultPage(rows=[], total=20 * 25, page=10)
    assert page.pages == 20
    assert page.page_links() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert ResultPage(rows=[], total=0, page=1).page_links() == [1]


def test_a_capped_total_says_so_and_offers_one_more_page():
    page = ResultPage(rows=[], total=1000, page=1, capped=True)
    assert page.total_label == "1,000+"
    assert page.pages == 41
    assert ResultPage(rows=[], total=56, page=1).total_label == "56"


def test_query_param_helpers():
    assert iso_date("date", "2024-02-29") == date(2024, 2, 29)
    assert positive_int("page", "12") == 12
    for bad in ("1899-12-31", "3000-01-01", "20240101", "2024-W01-1", "２０２４-01-01"):
        with pytest.raises(BadParameter):
            iso_date("date", bad)
    for bad in ("0", "01", "1.5", "1e3", "9999999999", " 1"):
        with pytest.raises(BadParameter):
            positive_int("page", bad)
