"""Every rule of the URL map fed what PostgreSQL cannot hold: never a 5xx, nothing written.

Ids beyond PostgreSQL's ``integer`` and NUL bytes in text used to reach the
database and end as 500s. Three sweeps, each as an anonymous visitor, a
coordinator and a tutor, over whatever ``app.url_map`` holds today (a route
added later is fuzzed without touching this file), and one of the JSON API:

1. **Ids in the path** — 0, -1, 2³¹, 2⁶³ and junk in every ``<int:…>`` (and
   2³¹−1, valid but unused): 404, for every method.
2. **The query string and text in the path** — every query parameter (the
   pages' own GET forms, plus the keys ``test_query_fuzz`` knows) given a NUL,
   an unpaired surrogate (percent-encoded UTF-8 of U+D800, which arrives as
   U+FFFD) and the ids above; a text path part (a feed token) too. A NUL is
   400; nothing else is a 5xx, and no GET writes.
3. **Every form the pages show** (read from their HTML, so new forms are
   included, and fields shown only sometimes, ``EXTRA_FIELDS``): each field in
   turn given a NUL (422), each id field the ids above (4xx), both changing no
   table; then each field given the unpaired surrogate and 3,000 more
   characters (never a 5xx; no table changed if refused).

4. **The JSON API** (with a coordinator's and a tutor's bearer token) — each
   query parameter its OpenAPI document lists, and each field of the matrix's
   API bodies, given a NUL, a lone surrogate (a JSON escape), the ids above
   and 3,000 characters, one at a time: never a 5xx, a NUL in the query is
   400, and a refused request changes no table.

Ids that fill URLs are the permission matrix's "mine" subjects; a parameter
it does not know yet gets 1 (or ``x`` for text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from tests.builders import Builder
from tests.helpers import database_fingerprint
from tests.integration.edits_support import HTMX, Poster, login
from tests.integration.test_permissions_matrix import GETS_THAT_WRITE, fields_of, subjects
from tests.integration.test_query_fuzz import KEYS

#: Ids no ``integer`` column holds (or that are not numbers at all).
BAD_IDS = ["0", "-1", str(2**31), str(2**63), "junk"]
#: A NUL inside text, percent-encoded.
NUL = "a%00b"
#: An unpaired UTF-16 surrogate (U+D800) as the percent-encoded UTF-8 a client could send.
SURROGATE = "%ED%A0%80"
#: Raw values of the query-string sweep: the NUL must be refused, the rest must not fail.
#: The largest id an ``integer`` holds: valid, but no row has it.
LARGEST_ID = str(2**31 - 1)
QUERY_VALUES = [NUL, SURROGATE, *BAD_IDS, LARGEST_ID]
#: Sent in each parameter of a page's own GET forms alone too, as the coordinator (who
#: sees every page): beyond ``integer`` and ``bigint`` (the rest go in all at once).
SINGLE_KEY_VALUES = [str(2**63)]

#: Fields a form shows only in some states (overlaps found, a series), fuzzed all the same.
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "scheduling.new": ("override_reason", "notification_enabled", "alarm_enabled"),
    "scheduling.edit": ("override_reason", "scope", "notification_enabled", "alarm_enabled"),
    "scheduling.reschedule": ("override_reason",),
    "sessions.bulk_attendance": ("action",),
}
#: Appended to each field after the strict sweep: longer than any column (never a 5xx).
OVERLONG = "x" * 3000

VISITORS = {
    "anonymous": None,
    "coordinator": "coordinator@example.com",
    "tutor": "tutor1@example.com",
}

#: Matches one ``<converter(args):name>`` placeholder of a rule.
_PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def methods_of(rule: Rule) -> list[str]:
    """The rule's methods a client would send (HEAD and OPTIONS aside)."""
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def fuzzed_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def placeholders(rule: Rule) -> list[tuple[str, str]]:
    """(converter, name) of each URL parameter; ``default`` for plain text."""
    return [
        (match["converter"] or "default", match["name"])
        for match in _PLACEHOLDER.finditer(rule.rule)
    ]


def fill(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with each parameter replaced by an (already URL-encoded) value."""
    return _PLACEHOLDER.sub(lambda match: values[match["name"]], rule.rule)


def valid_values(rule: Rule, known: dict[str, object]) -> dict[str, str]:
    """Real ids for the rule's parameters (1 or ``x`` for one the matrix does not know)."""
    return {
        name: str(known.get(name, 1 if converter == "int" else "x"))
        for converter, name in placeholders(rule)
    }


@dataclass
class Visitor:
    """One signed-in (or anonymous) client and its CSRF token."""

    name: str
    poster: Poster

    @property
    def client(self) -> FlaskClient:
        return self.poster.client

    def send(self, method: str, url: str, body: str = "", *, htmx: bool = False):
        """A GET, or a POST (PATCH, …) of a urlencoded ``body`` with the visitor's CSRF token."""
        headers = HTMX if htmx else {}
        token = urlencode({"csrf_token": self.poster.token})
        response = self.client.open(
            url,
            method=method,
            data=(f"{token}&{body}" if body else token) if method != "GET" else None,
            content_type="application/x-www-form-urlencoded" if method != "GET" else None,
            headers=headers,
        )
        response.get_data()  # read and close: a streamed download ends its request only then
        response.close()
        return response


@pytest.fixture
def world(app: Flask, demo: dict[str, int]) -> dict[str, object]:
    """The demo's ids that fill URL parameters, by parameter name (the matrix's "mine")."""
    return fields_of(subjects(app, demo, "mine"))


def visitors(app: Flask) -> Iterator[Visitor]:
    """Each visitor in turn, signed in on a fresh client."""
    for name, email in VISITORS.items():
        yield Visitor(name, login(app.test_client(), email))


def _status(response) -> int:
    assert response.status_code < 500, response.get_data(as_text=True)[:800]
    return response.status_code


# --- 1. Ids in the path ------------------------------------------------------


def test_ids_out_of_range_in_any_path_are_404(app, world):
    before = database_fingerprint(app)
    for visitor in visitors(app):
        for rule in fuzzed_rules(app):
            ints = [name for converter, name in placeholders(rule) if converter == "int"]
            for name in ints:
                for bad in [*BAD_IDS, LARGEST_ID]:
                    url = fill(rule, {**valid_values(rule, world), name: bad})
                    # The largest id matches the rule: sign-in and rights come first.
                    expected = {404} if bad != LARGEST_ID else {302, 401, 403, 404}
                    for method in methods_of(rule):
                        status = _status(visitor.send(method, url))
                        assert status in expected, (visitor.name, method, url, status)
    assert database_fingerprint(app) == before


# --- 2. The query string and text path parts ---------------------------------


def test_query_strings_and_text_paths_never_fail(app, world):
    for visitor in visitors(app):
        for rule in fuzzed_rules(app):
            path = fill(rule, valid_values(rule, world))
            page = visitor.send("GET", path) if "GET" in methods_of(rule) else None
            own_keys = query_keys(page) if page is not None else set()
            keys = sorted(set(KEYS) | own_keys)
            before = database_fingerprint(app)
            for method in methods_of(rule):
                # A NUL anywhere in the query string or the path: refused before any view.
                everything = "&".join(f"{key}={NUL}" for key in keys)
                status = _status(visitor.send(method, f"{path}?{everything}"))
                assert status == 400, (visitor.name, method, path, status)
                status = _status(visitor.send(method, f"{path}?{NUL}=1"))
                assert status == 400, (visitor.name, method, path, status)
                texts = [name for converter, name in placeholders(rule) if converter == "default"]
                for name in texts:
                    url = fill(rule, {**valid_values(rule, world), name: NUL})
                    assert _status(visitor.send(method, url)) == 400, (method, url)
            if "GET" in methods_of(rule):
                # POSTs are left out here: they would act (a surrogate is a valid U+FFFD).
                # Signed out, nearly every page is a redirect to /login: the NUL suffices.
                for value in QUERY_VALUES[1:] if visitor.name != "anonymous" else [SURROGATE]:
                    _status(
                        visitor.send("GET", f"{path}?" + "&".join(f"{k}={value}" for k in keys))
                    )
                    for name in [n for c, n in placeholders(rule) if c == "default"]:
                        _status(
                            visitor.send(
                                "GET", fill(rule, {**valid_values(rule, world), name: value})
                            )
                        )
                if visitor.name == "coordinator":  # one key at a time, so none hides another
                    for value in SINGLE_KEY_VALUES:
                        for key in sorted(own_keys):
                            _status(visitor.send("GET", f"{path}?{key}={value}"))
            if f"GET {rule.rule}" not in GETS_THAT_WRITE:
                assert database_fingerprint(app) == before, (visitor.name, rule.rule)


# --- 3. Every form on the pages ------------------------------------------------


@dataclass
class HarvestedForm:
    """A form as a browser would submit it: where, how, and its fields in order."""

    method: str
    action: str
    htmx: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    endpoint: str = ""

    def body(self, name: str, value: str) -> str:
        """The urlencoded fields with the first ``name`` set to ``value`` (already encoded)."""
        parts, replaced = [], False
        for key, current in self.fields:
            if key == "csrf_token":
                continue  # the visitor adds its own
            if key == name and not replaced:
                parts.append(f"{urlencode({key: ''})}{value}")
                replaced = True
            else:
                parts.append(urlencode({key: current}))
        if not replaced:  # a field the page did not show this time (EXTRA_FIELDS)
            parts.append(f"{urlencode({name: ''})}{value}")
        return "&".join(parts)

    def value_of(self, name: str) -> str:
        """The field's current value, URL-encoded ("" for a field not on the page)."""
        return urlencode({"": dict(self.fields).get(name, "")})[1:]

    def fuzzable(self) -> list[str]:
        shown = [key for key, _ in self.fields if key != "csrf_token"]
        return list(dict.fromkeys([*shown, *EXTRA_FIELDS.get(self.endpoint, ())]))


class FormReader(HTMLParser):
    """The forms of a page, with the values a browser would send unchanged."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[HarvestedForm] = []
        self._form: HarvestedForm | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            parts = urlsplit(action)
            self._form = HarvestedForm(
                method=(a.get("method") or "get").upper(),
                action=parts.path + (f"?{parts.query}" if parts.query else ""),
                htmx="hx-post" in a,
            )
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select[1].append((a.get("value", ""), "selected" in a))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = (name, [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [
                value for value, _ in options[:1]
            ]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1]).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(page_url: str, response) -> list[HarvestedForm]:
    if response.status_code != 200 or "html" not in (response.content_type or ""):
        return []
    reader = FormReader(page_url)
    reader.feed(response.get_data(as_text=True))
    return reader.forms


def query_keys(response) -> set[str]:
    """Names of the fields of the page's GET forms (its query parameters)."""
    return {
        name for form in forms_of("/", response) if form.method == "GET" for name, _ in form.fields
    }


def is_id_field(name: str) -> bool:
    return name.endswith("_id")


def pages_to_read(app: Flask, world: dict[str, object]) -> Iterator[str]:
    """Every GET rule with real ids, and the tutor's weeks around today (bulk attendance)."""
    for rule in fuzzed_rules(app):
        if "GET" in methods_of(rule):
            yield fill(rule, valid_values(rule, world))
    for weeks in (-1, 0, 1):
        day = date.today() + timedelta(weeks=weeks)
        yield f"/tutors/{world['tutor_id']}/calendar?view=week&date={day.isoformat()}"


def harvest(app: Flask, world: dict[str, object], visitor: Visitor) -> list[HarvestedForm]:
    """The distinct POST forms a visitor is shown (one per endpoint and set of field names)."""
    adapter = app.url_map.bind("localhost")
    seen: dict[tuple[str, tuple[str, ...]], HarvestedForm] = {}
    for url in pages_to_read(app, world):
        for form in forms_of(url, visitor.send("GET", url)):
            if form.method != "POST" or not form.fuzzable():
                continue  # a form of only a CSRF token (sign out, delete) has nothing to fuzz
            try:
                endpoint, _args = adapter.match(urlsplit(form.action).path, method="POST")
            except HTTPException:
                continue
            form.endpoint = endpoint
            names = tuple(sorted({re.sub(r"\d+", "N", name) for name, _ in form.fields}))
            seen.setdefault((endpoint, names), form)
    return list(seen.values())


def test_every_form_field_refuses_bad_ids_and_nul(app, world):
    forms_seen = 0
    for visitor in visitors(app):
        forms = harvest(app, world, visitor)
        forms_seen += len(forms)
        for form in forms:
            before = database_fingerprint(app)
            for name in form.fuzzable():
                nul = form.value_of(name) + "%00"
                response = visitor.send("POST", form.action, form.body(name, nul), htmx=form.htmx)
                assert _status(response) == 422, (visitor.name, form.action, name)
                if is_id_field(name):
                    for bad in BAD_IDS:
                        body = form.body(name, bad)
                        status = _status(visitor.send("POST", form.action, body, htmx=form.htmx))
                        # A plain (no-JS) form is answered 303 back to its page with the
                        # message flashed; the fingerprint below proves nothing was written.
                        refused = 400 <= status < 500 or (status == 303 and not form.htmx)
                        assert refused, (visitor.name, form.action, name, bad, status)
            assert database_fingerprint(app) == before, (visitor.name, form.action)
        # Values that may well be accepted (U+FFFD is a character like any other), so
        # last: a save here makes the versions read above stale.
        last = database_fingerprint(app)
        for form in forms:
            for name in form.fuzzable():
                for tail in (SURROGATE, OVERLONG):
                    body = form.body(name, form.value_of(name) + tail)
                    response = visitor.send("POST", form.action, body, htmx=form.htmx)
                    now = database_fingerprint(app)
                    if _status(response) >= 400:
                        assert now == last, (visitor.name, form.action, name, tail[:9])
                    last = now
    assert forms_seen >= 10  # the harvest found the app's forms (not an empty sweep)


# --- 4. The JSON API: its query parameters and bodies ---------------------------

#: Values for each API query parameter and each field of an API body, alone.
API_VALUES: list[object] = [
    "a\x00b",
    "\ud800",
    0,
    -1,
    2**31,
    2**63,
    "junk",
    int(LARGEST_ID),
    "x" * 3000,
]


def api_query_parameters(client: FlaskClient) -> dict[str, list[str]]:
    """Path template → its query parameters, from the API's own OpenAPI document."""
    document = client.get("/api/v1/openapi.json").get_json()
    return {
        path: [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method == "get"
    }


def test_api_query_parameters_and_bodies_never_fail(app, demo, world):
    from tests.integration.test_permissions_matrix import API_BODIES, API_IF_MATCH, api_body

    builder = Builder(app)
    known = {**world, "enrolled_courses_id": _enrolment_of(app, world)}
    client = app.test_client()
    parameters = api_query_parameters(client)
    assert parameters, "the OpenAPI document lists no GET operation"
    for email in ("coordinator@example.com", "tutor1@example.com"):
        headers = {"Authorization": f"Bearer {builder.api_token(demo[email])}"}
        before = api_fingerprint(app)
        for template, names in parameters.items():
            path = re.sub(r"\{(\w+)\}", lambda m: str(known.get(m[1], 1)), template)
            for name in names:
                for value in API_VALUES:
                    text = value if isinstance(value, str) else str(value)
                    url = f"{path}?{urlencode({name: text}, errors='surrogatepass')}"
                    status = _status(client.get(url, headers=headers))
                    if "\x00" in text:
                        assert status == 400, (email, url, status)
        assert api_fingerprint(app) == before, email
        for route in API_BODIES:
            method, rule = route.split(" ", 1)
            url = _PLACEHOLDER.sub(lambda m: str(known[m["name"]]), rule)
            for field_name in api_body(route, known):
                for value in API_VALUES:
                    sent = dict(headers)
                    if route in API_IF_MATCH:
                        sent["If-Match"] = f'"{_version(app, known["session_id"])}"'
                    body = {**api_body(route, known), field_name: value}
                    raw = json.dumps(body)  # "\ud800" as a JSON escape, as a client sends it
                    last = api_fingerprint(app)
                    response = client.open(
                        url, method=method, data=raw, content_type="application/json", headers=sent
                    )
                    if _status(response) >= 400:
                        assert api_fingerprint(app) == last, (route, field_name, value)


def api_fingerprint(app: Flask) -> dict[str, str]:
    """``database_fingerprint`` but the tokens' own bookkeeping (last use, per request)."""
    return {k: v for k, v in database_fingerprint(app).items() if k != "api_tokens"}


def _enrolment_of(app: Flask, world: dict[str, object]) -> int:
    import sqlalchemy as sa

    from dashboard.extensions import db
    from dashboard.models import Session

    with app.app_context():
        return db.session.scalar(
            sa.select(Session.enrolled_courses_id).where(Session.id == world["session_id"])
        )


def _version(app: Flask, session_id: object) -> str:
    from tests.scheduling_support import version_of

    return version_of(app, int(session_id))
