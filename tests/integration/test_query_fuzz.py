"""Whatever the query string, the read pages answer 200 or 400, never 500."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = ["tutor", "student", "course", "status", "priority", "featured", "from", "to", "q"]
KEYS += ["sort", "dir", "page", "view", "date", "tab"]
VALUES = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),  # URL-encodable
    st.sampled_from(["", "0", "-1", "1", "2025-02-29", "2024-02-29", "9999-12-31", "%", "_"]),
    st.sampled_from(["desc", "priority", "past", "week", "yes", "1e9", "99999999999"]),
)
QUERIES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def sign_in_once(client, auth) -> None:
    """Hypothesis reuses the client across examples; sign in on the first one only."""
    if client.get_cookie("session") is None:
        auth.login("coordinator@example.com")


def answer(client, path: str, query: dict[str, str]) -> int:
    """The status of ``path?query``, through at most one redirect, which must stay on ``path``.

    (Pages redirect a query with empty filters to their address without them.)
    """
    response = client.get(f"{path}?{urlencode(query)}")
    if response.status_code == 302:
        target = response.headers["Location"]
        assert target == path or target.startswith(path + "?"), (path, query, target)
        response = client.get(target)
    return response.status_code


@FUZZ
@given(query=QUERIES)
def test_coordinator_list_never_fails(client, auth, demo, query):
    sign_in_once(client, auth)
    assert answer(client, "/coordinator/sessions", query) in (200, 400), query


@FUZZ
@given(query=QUERIES)
def test_calendar_and_upcoming_never_fail(client, auth, demo, query):
    sign_in_once(client, auth)
    for path in (
        "/calendar",
        f"/tutors/{demo['tutor1@example.com']}/calendar",
        f"/students/{demo['student1@example.com']}/upcoming",
        f"/parents/{demo['parent1@example.com']}/upcoming",
    ):
        assert answer(client, path, query) in (200, 400), (path, query)
