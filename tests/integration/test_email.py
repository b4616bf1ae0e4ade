"""Email through the job queue, end to end: a real worker, a real SMTP server (aiosmtpd).

Requests only queue jobs (in their own transaction); the worker, run here in
this process until the queue is empty, renders and sends them.
"""

from __future__ import annotations

import hashlib
import re
import time as clock
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dashboard.choices import ROLE_COORDINATOR, ROLE_PARENT, ROLE_STUDENT, ROLE_TUTOR
from dashboard.extensions import db
from dashboard.jobs import defer
from dashboard.models import User, UserToken
from dashboard.services.invitations import invitation_status, send_invitation
from dashboard.services.notifications import queue_session_notice
from tests.conftest import AuthActions
from tests.email_support import (
    backoff_has_passed,
    email_jobs,
    free_port,
    jobs,
    send_through_smtp,
    smtp_server,
    work,
)

LONDON = ZoneInfo("Europe/London")
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def inbox(app):
    """A running SMTP server the app sends through."""
    port = free_port()
    send_through_smtp(app, port)
    with smtp_server(port) as received:
        yield received


def invite(app, user_id: int) -> None:
    with app.app_context():
        send_invitation(db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()


def tokens(app, user_id: int) -> list[UserToken]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(UserToken).where(UserToken.user_id == user_id)))
        db.session.remove()
    return found


def csrf(client) -> str:
    return AuthActions(client).csrf_token()


def choose_password(client, path: str, password: str = NEW_PASSWORD):
    return client.post(
        path, data={"password": password, "confirm": password, "csrf_token": csrf(client)}
    )


# --- invitations -------------------------------------------------------------------------


def test_invitation_is_queued_sent_by_the_worker_and_sets_the_password(
    app, client, auth, build, inbox
):
    tutor = build.user(ROLE_TUTOR, "tia@test.example", "Tia Tutor")
    invite(app, tutor)
    assert inbox.received == [], "nothing is sent inside the request"
    assert email_jobs(app) == [("todo", 0)]
    with app.app_context():
        assert invitation_status(tutor).state == "queued"

    work(app)

    [email] = inbox.to("tia@test.example")
    assert email.message["To"] == "tia@test.example"
    assert email.message["From"] == "Centre <centre@test.example>"
    assert "Hello Tia Tutor" in email.text and "Hello Tia Tutor" in email.html
    secret = email.link("invitations")
    assert f"http://127.0.0.1:5000/invitations/{secret}" in email.text
    assert f'href="http://127.0.0.1:5000/invitations/{secret}"' in email.html
    [link] = tokens(app, tutor)
    assert link.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert email_jobs(app) == [("succeeded", 1)]
    with app.app_context():
        assert invitation_status(tutor).state == "sent"
        stored = db.session.execute(sa.text("SELECT args::text FROM procrastinate_jobs")).all()
        assert secret not in repr(stored), "the clear secret is in the email only"
        db.session.remove()

    page = client.get(f"/invitations/{secret}")
    assert page.status_code == 200
    assert "choose your password" in page.get_data(as_text=True)
    response = choose_password(client, f"/invitations/{secret}")
    assert response.status_code == 303
    assert response.location == "/login"

    assert auth.login("tia@test.example", NEW_PASSWORD).status_code == 302
    assert auth.login("tia@test.example", "tutoring-demo").status_code == 401
    with app.app_context():
        assert invitation_status(tutor).state == "used"

    # Single use: the link is refused from now on, and changes nothing.
    assert client.get(f"/invitations/{secret}").status_code == 404
    assert (
        choose_password(client, f"/invitations/{secret}", "yet-another-password").status_code == 404
    )
    assert auth.login("tia@test.example", NEW_PASSWORD).status_code == 302


def test_an_expired_invitation_is_refused(app, client, build, inbox):
    tutor = build.user(ROLE_TUTOR, "late@test.example")
    invite(app, tutor)
    work(app)
    secret = inbox.to("late@test.example")[0].link("invitations")
    with app.app_context():
        db.session.execute(
            sa.update(UserToken).values(expires_at=sa.func.now() - timedelta(seconds=1))
        )
        db.session.commit()
        db.session.remove()
    assert client.get(f"/invitations/{secret}").status_code == 404
    assert choose_password(client, f"/invitations/{secret}").status_code == 404
    assert tokens(app, tutor)[0].used_at is None
    with app.app_context():
        assert invitation_status(tutor).state == "expired"


def test_a_resend_replaces_the_link_and_only_the_newest_email_goes(app, client, build, inbox):
    tutor = build.user(ROLE_TUTOR, "again@test.example")
    invite(app, tutor)
    invite(app, tutor)  # before the worker ran: the first link is revoked
    work(app)
    [email] = inbox.to("again@test.example")
    assert len(tokens(app, tutor)) == 1
    assert client.get(f"/invitations/{email.link('invitations')}").status_code == 200


def test_an_invitation_link_does_not_work_for_a_password_reset(app, client, build, inbox):
    tutor = build.user(ROLE_TUTOR, "mixed@test.example")
    invite(app, tutor)
    work(app)
    secret = inbox.to("mixed@test.example")[0].link("invitations")
    assert client.get(f"/password-reset/{secret}").status_code == 404


def test_a_rolled_back_change_queues_no_email(app, build):
    tutor = build.user(ROLE_TUTOR)
    with app.app_context():
        send_invitation(db.session.get(User, tutor))
        db.session.rollback()
        db.session.remove()
    assert jobs(app) == []
    assert tokens(app, tutor) == []


def test_coordinator_resends_an_invitation(app, client, auth, build, inbox):
    build.user(ROLE_COORDINATOR, "boss@test.example")
    tutor = build.user(ROLE_TUTOR, "new@test.example")
    assert auth.login("boss@test.example").status_code == 302
    response = client.post(
        f"/admin/people/{tutor}/invitation",
        data={"csrf_token": csrf(client), "next": "/admin/outbox"},
    )
    assert response.status_code == 303
    assert response.location == "/admin/outbox"
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "new@test.example" in page and "Waiting" in page
    work(app)
    secret = inbox.to("new@test.example")[0].link("invitations")
    assert choose_password(app.test_client(), f"/invitations/{secret}").status_code == 303
    # Used: a further "resend" sends nothing.
    client.post(f"/admin/people/{tutor}/invitation", data={"csrf_token": csrf(client)})
    work(app)
    assert len(inbox.to("new@test.example")) == 1


def test_the_invitation_partial_shows_the_state_and_the_resend_button(app, build):
    tutor = build.user(ROLE_TUTOR)
    invite(app, tutor)
    with app.test_request_context("/admin/people/1"):
        from flask import render_template

        person = db.session.get(User, tutor)
        html = render_template(
            "admin/_invitation.html", person=person, invitation=invitation_status(tutor)
        )
    assert "Queued" in html
    assert f'action="/admin/people/{tutor}/invitation"' in html
    assert "Resend invitation" in html


# --- password reset ----------------------------------------------------------------------


def ask_reset(client, email: str):
    return client.post("/password-reset", data={"email": email, "csrf_token": csrf(client)})


def test_reset_answers_the_same_whether_or_not_the_email_exists(app, build, inbox):
    build.user(ROLE_STUDENT, "real@test.example")
    answers = []
    for address in ("real@test.example", "nobody@test.example"):
        client = app.test_client()
        response = ask_reset(client, address)
        page = client.get(response.location)
        answers.append((response.status_code, response.location, page.get_data(as_text=True)))
    (status, location, page), other = answers
    assert (status, location) == (303, "/password-reset")
    assert "If an account uses that address" in page
    assert answers[1] == (
        status,
        location,
        page.replace(csrf_token_of(page), csrf_token_of(other[2])),
    )
    work(app)
    assert [m.recipients for m in inbox.received] == [["real@test.example"]]


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_reset_link_sets_the_password_once_and_signs_out_everywhere(app, auth, build, inbox):
    build.user(ROLE_STUDENT, "forgot@test.example")
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login("forgot@test.example").status_code == 302
    assert elsewhere.get("/").status_code == 302  # signed in there

    ask_reset(app.test_client(), "FORGOT@test.example")  # any case
    work(app)
    [email] = inbox.to("forgot@test.example")
    secret = email.link("password-reset")
    assert "one hour" in email.text
    [link] = tokens(app, build_id(app, "forgot@test.example"))
    assert link.expires_at - link.created_at == timedelta(hours=1)

    browser = app.test_client()
    assert browser.get(f"/password-reset/{secret}").status_code == 200
    assert choose_password(browser, f"/password-reset/{secret}").status_code == 303
    # The other browser's session no longer matches the password: signed out.
    assert elsewhere.get("/students/1/upcoming").status_code == 302
    assert auth.login("forgot@test.example", NEW_PASSWORD).status_code == 302
    # Reuse refused.
    assert browser.get(f"/password-reset/{secret}").status_code == 404
    assert choose_password(browser, f"/password-reset/{secret}", "x" * 20).status_code == 404


def build_id(app, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(User.id).where(User.email == email))
        db.session.remove()
    return found


def test_an_expired_reset_link_is_refused(app, client, build, inbox):
    build.user(ROLE_PARENT, "slow@test.example")
    ask_reset(client, "slow@test.example")
    work(app)
    secret = inbox.to("slow@test.example")[0].link("password-reset")
    with app.app_context():
        db.session.execute(sa.update(UserToken).values(expires_at=sa.func.now()))
        db.session.commit()
        db.session.remove()
    assert client.get(f"/password-reset/{secret}").status_code == 404
    assert choose_password(client, f"/password-reset/{secret}").status_code == 404


def test_reset_of_a_deactivated_account_sends_nothing(app, client, build, inbox):
    user = build.user(ROLE_TUTOR, "gone@test.example")
    build.update_user(user, is_active=False)
    assert ask_reset(client, "gone@test.example").status_code == 303
    work(app)
    assert inbox.received == []


def test_a_short_password_is_refused_and_the_link_still_works(app, client, build, inbox):
    build.user(ROLE_TUTOR, "short@test.example")
    ask_reset(client, "short@test.example")
    work(app)
    secret = inbox.to("short@test.example")[0].link("password-reset")
    response = choose_password(client, f"/password-reset/{secret}", "short")
    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)
    mismatch = client.post(
        f"/password-reset/{secret}",
        data={"password": NEW_PASSWORD, "confirm": "different-words", "csrf_token": csrf(client)},
    )
    assert mismatch.status_code == 422
    assert client.get(f"/password-reset/{secret}").status_code == 200


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("x" * 5000, 404),
        ("abc\x00def" * 5, 400),  # the input guard: an address PostgreSQL cannot store
        ("%00" * 10, 400),
        ("a" * 43 + "!", 404),
    ],
)
def test_malformed_tokens_are_refused_not_500(client, token, status):
    assert client.get(f"/password-reset/{token}").status_code == status
    assert client.get(f"/invitations/{token}").status_code == status


def test_reset_requests_are_rate_limited_for_known_and_unknown_addresses(app, build):
    build.user(ROLE_TUTOR, "limited@test.example")
    for n, address in enumerate(("limited@test.example", "unknown@test.example")):
        # Each from its own client address, so only the per-address limit is hit.
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses = [ask_reset(client, address).status_code for _ in range(6)]
        assert statuses == [303] * 5 + [429], address


def test_reset_rate_limit_per_client_address(app):
    client = app.test_client()
    statuses = [ask_reset(client, f"someone{n}@test.example").status_code for n in range(6)]
    assert statuses == [303] * 5 + [429]


def test_login_page_links_to_the_reset_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password-reset"' in page and "Forgot your password?" in page


# --- session reminders and notices -------------------------------------------------------


@pytest.fixture
def family(build):
    """A tutor, a student with two parents (one wants no reminders), and their enrolment."""
    people = {
        "tutor": build.user(ROLE_TUTOR, "tutor@test.example", "Tom Tutor"),
        "student": build.user(ROLE_STUDENT, "student@test.example", "Sam Student"),
        "parent": build.user(ROLE_PARENT, "parent@test.example", "Pat Parent"),
        "quiet": build.user(ROLE_PARENT, "quiet@test.example", "Quinn Quiet"),
        "coordinator": build.user(ROLE_COORDINATOR, "boss@test.example"),
    }
    build.link(people["parent"], people["student"])
    build.link(people["quiet"], people["student"])
    build.update_user(people["quiet"], email_reminders=False)
    people["enrolment"] = build.enrolment(people["tutor"], people["student"], "Physics")
    return people


def session_starting_in(build, enrolment: int, minutes: int, **columns) -> int:
    starts = (datetime.now(LONDON) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return build.session(enrolment, starts.date(), starts.time(), **columns)


def sweep(app) -> None:
    """Queue the reminder sweep as the periodic task does, for the current minute."""
    with app.app_context():
        defer("queue_due_reminders", timestamp=int(clock.time()))
        db.session.commit()
        db.session.remove()


def test_a_reminder_is_sent_once_across_two_worker_runs(app, build, family, inbox):
    due = session_starting_in(
        build, family["enrolment"], 30, notification_enabled=True, alarm_before_minutes=60
    )
    session_starting_in(  # its reminder window opens in 4 hours
        build, family["enrolment"], 300, notification_enabled=True, alarm_before_minutes=60
    )
    session_starting_in(build, family["enrolment"], 20, notification_enabled=False)
    session_starting_in(
        build,
        family["enrolment"],
        25,
        notification_enabled=True,
        alarm_before_minutes=60,
        status="cancelled",
    )

    sweep(app)
    work(app)
    sweep(app)
    work(app)

    recipients = sorted(address for m in inbox.received for address in m.recipients)
    assert recipients == ["parent@test.example", "student@test.example", "tutor@test.example"]
    email = inbox.to("student@test.example")[0]
    assert email.message["Subject"].startswith("Reminder: Physics at ")
    assert "Sam Student with Tom Tutor" in email.text
    assert "Sam Student with Tom Tutor" in email.html
    assert f"/sessions/{due}" in email.text
    [(content_type, ics)] = email.attachments().values()
    assert content_type == "text/calendar"
    assert b"BEGIN:VEVENT" in ics and f"UID:session-{due}@".encode() in ics
    with app.app_context():
        sent = db.session.execute(
            sa.text("SELECT session_id, recipients FROM session_reminders_sent")
        ).all()
        db.session.remove()
    assert sent == [(due, 3)]


def test_reminders_show_times_in_the_recipients_zone(app, build, family, inbox):
    build.update_user(family["tutor"], timezone="Asia/Tokyo")
    session_starting_in(
        build, family["enrolment"], 30, notification_enabled=True, alarm_before_minutes=45
    )
    sweep(app)
    work(app)
    assert "(Asia/Tokyo)" in inbox.to("tutor@test.example")[0].text
    assert "(Europe/London)" in inbox.to("student@test.example")[0].text


def test_cancel_and_move_notices_go_to_everyone_with_the_ics(app, build, family, inbox):
    cancelled = session_starting_in(build, family["enrolment"], 2 * 24 * 60, status="cancelled")
    moved = session_starting_in(build, family["enrolment"], 3 * 24 * 60, status="rescheduled")
    with app.app_context():
        queue_session_notice(cancelled, "cancelled")
        queue_session_notice(moved, "moved")
        db.session.commit()
        db.session.remove()
    work(app)

    people = ["parent@test.example", "quiet@test.example", "student@test.example"]
    people.append("tutor@test.example")
    for address in people:
        subjects = sorted(m.message["Subject"].split(":")[0] for m in inbox.to(address))
        assert subjects == ["Cancelled", "Moved"], address
    notice = next(m for m in inbox.to("tutor@test.example") if "Cancelled" in m.message["Subject"])
    assert "has been cancelled" in notice.text and "<strong>cancelled</strong>" in notice.html
    [(content_type, ics)] = notice.attachments().values()
    assert content_type == "text/calendar" and b"STATUS:CANCELLED" in ics
    assert inbox.to("boss@test.example") == []


def test_no_notice_for_a_session_already_past(app, build, family):
    past = session_starting_in(build, family["enrolment"], -120, status="cancelled")
    with app.app_context():
        queue_session_notice(past, "cancelled")
        db.session.commit()
        db.session.remove()
    assert jobs(app) == []


def test_a_notice_of_an_unknown_kind_is_refused(app, build, family):
    session = session_starting_in(build, family["enrolment"], 60)
    with app.app_context(), pytest.raises(ValueError, match="unknown session notice"):
        queue_session_notice(session, "postponed")
    assert jobs(app) == []


# --- failures ----------------------------------------------------------------------------


def test_an_smtp_outage_is_retried_and_nothing_is_lost(app, client, auth, build, family):
    port = free_port()
    send_through_smtp(app, port)  # nothing listens there yet: the server is down
    invite(app, build.user(ROLE_TUTOR, "newbie@test.example"))
    session = session_starting_in(build, family["enrolment"], 24 * 60, status="cancelled")
    with app.app_context():
        queue_session_notice(session, "cancelled")
        db.session.commit()
        db.session.remove()

    work(app)
    assert email_jobs(app) == [("todo", 1)] * 5, "each failed once and waits to be retried"
    assert auth.login("boss@test.example").status_code == 302
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert page.count("Failed, will retry") == 5
    assert "newbie@test.example" in page

    with smtp_server(port) as inbox:  # the server is back
        work(app)  # the backoff has not passed yet: nothing is sent twice or early
        assert inbox.received == []
        backoff_has_passed(app)
        work(app)
        recipients = sorted(address for m in inbox.received for address in m.recipients)
    assert recipients == [
        "newbie@test.example",
        "parent@test.example",
        "quiet@test.example",
        "student@test.example",
        "tutor@test.example",
    ]
    assert email_jobs(app) == [("succeeded", 2)] * 5
    assert "Nothing waiting" in client.get("/admin/outbox").get_data(as_text=True)


def test_a_send_that_keeps_failing_ends_failed_and_is_listed(app, client, auth, build):
    send_through_smtp(app, free_port())
    build.user(ROLE_COORDINATOR, "boss@test.example")
    invite(app, build.user(ROLE_TUTOR, "never@test.example"))
    for _ in range(9):  # the first attempt and 8 retries
        work(app)
        backoff_has_passed(app)
    assert email_jobs(app) == [("failed", 9)]
    assert auth.login("boss@test.example").status_code == 302
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "never@test.example" in page and ">Failed<" in page
    job_id = int(re.search(r'action="/admin/outbox/(\d+)/retry"', page).group(1))

    # The mail server is fixed; the coordinator tries once more.
    port = free_port()
    send_through_smtp(app, port)
    with smtp_server(port) as inbox:
        response = client.post(f"/admin/outbox/{job_id}/retry", data={"csrf_token": csrf(client)})
        assert response.status_code == 303
        work(app)
    assert len(inbox.to("never@test.example")) == 1
    assert email_jobs(app) == [("succeeded", 11)]  # procrastinate counts the retry request too
    again = client.post(f"/admin/outbox/{job_id}/retry", data={"csrf_token": csrf(client)})
    assert again.status_code == 404, "only failed emails can be retried"
    huge = client.post(f"/admin/outbox/{2**70}/retry", data={"csrf_token": csrf(client)})
    assert huge.status_code == 404


# --- the file backend (the demo default) and the worker command --------------------------


def test_the_file_backend_writes_the_outbox_folder(app, build, tmp_path, runner):
    from dashboard.extensions import mail

    assert app.config["MAIL_BACKEND"] == "file"
    assert app.config["MAIL_FILE_PATH"].endswith("instance/outbox")
    app.config["MAIL_FILE_PATH"] = str(tmp_path)
    mail.init_app(app)
    invite(app, build.user(ROLE_TUTOR, "filed@test.example"))

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output

    [written] = list(tmp_path.iterdir())
    content = written.read_text()
    assert "To: filed@test.example" in content
    assert "http://127.0.0.1:5000/invitations/" in content


def test_outbox_page_costs_the_same_queries_with_many_jobs(app, client, auth, build):
    from tests.builders import record_queries

    build.user(ROLE_COORDINATOR, "boss@test.example")
    assert auth.login("boss@test.example").status_code == 302

    def count() -> int:
        with record_queries(app) as recorded:
            assert client.get("/admin/outbox").status_code == 200
        return len([q for q in recorded if "dashboard/services/reminders.py" not in q.origins])

    invite(app, build.user(ROLE_TUTOR))
    few = count()
    for _ in range(30):
        invite(app, build.user(ROLE_TUTOR))
    assert count() == few <= 3


def test_a_session_moved_to_a_new_start_is_reminded_again(app, build, family, inbox):
    session = session_starting_in(
        build, family["enrolment"], 10, notification_enabled=True, alarm_before_minutes=15
    )
    sweep(app)
    work(app)
    assert len(inbox.received) == 3
    later = (datetime.now(LONDON) + timedelta(minutes=12)).replace(second=0, microsecond=0)
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE sessions SET session_date = :d, start_time = :t WHERE id = :id"),
            {"d": later.date(), "t": later.time(), "id": session},
        )
        db.session.commit()
        db.session.remove()
    sweep(app)
    work(app)
    assert len(inbox.received) == 6
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM session_reminders_sent")) == 2
        db.session.remove()


def test_a_person_added_and_invited_in_one_transaction(app, client, auth, inbox):
    from dashboard.services.accounts import create_user

    with app.app_context():
        user = create_user("fresh@test.example", "Fresh Face", ROLE_TUTOR, "x" * 40)
        send_invitation(user)  # before any flush of its own: the id comes from a flush
        db.session.commit()
        db.session.remove()
    work(app)
    secret = inbox.to("fresh@test.example")[0].link("invitations")
    assert choose_password(client, f"/invitations/{secret}").status_code == 303
    assert auth.login("fresh@test.example", NEW_PASSWORD).status_code == 302


def test_jobs_finished_two_weeks_ago_are_removed_nightly(app, build):
    gone = build.user(ROLE_TUTOR)
    build.update_user(gone, is_active=False)
    invite(app, gone)  # nothing to send: succeeds at once
    invite(app, build.user(ROLE_TUTOR, "recent@test.example"))
    send_through_smtp(app, free_port())  # the second one fails and waits for a retry
    work(app)
    with app.app_context():
        db.session.execute(sa.text("UPDATE procrastinate_events SET at = at - interval '15 days'"))
        defer("remove_old_jobs", timestamp=int(clock.time()))
        db.session.commit()
        db.session.remove()
    work(app)
    assert email_jobs(app) == [("todo", 1)], "the succeeded email job is gone, the other stays"


def test_the_outbox_says_why_a_send_failed(app, client, auth, build):
    """The mail server's refusal, then a later outage, shown escaped for the email."""
    build.user(ROLE_COORDINATOR, "boss@test.example")
    port = free_port()
    send_through_smtp(app, port)
    invite(app, build.user(ROLE_TUTOR, "gone@test.example"))
    refusal = "550 5.1.1 <gone@test.example>: no such user <b>here</b>"
    with smtp_server(port, refuse_with=refusal) as inbox:
        work(app)
    assert inbox.received == [] and email_jobs(app) == [("todo", 1)]
    assert auth.login("boss@test.example").status_code == 302
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Failed, will retry" in page
    assert (
        "The mail server refused the recipient (gone@test.example: 550 5.1.1 "
        "&lt;gone@test.example&gt;: no such user &lt;b&gt;here&lt;/b&gt;)" in page
    )
    assert "<b>here</b>" not in page

    for _ in range(8):  # the server is gone for good: every retry fails, the last one counts
        backoff_has_passed(app)
        work(app)
    assert email_jobs(app) == [("failed", 9)]
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert ">Failed<" in page and "ConnectionRefusedError" in page and "no such user" not in page
    with app.app_context():
        kept = db.session.execute(sa.text("SELECT attempt, error FROM email_send_errors")).all()
        db.session.remove()
    assert [(attempt, error.split(":")[0]) for attempt, error in kept] == [
        (9, "ConnectionRefusedError")
    ]


def test_a_long_error_is_cut_at_a_word_on_the_page():
    from dashboard.services.outbox import ERROR_SHOWN, OutboxEmail

    def email(error: str | None) -> OutboxEmail:
        return OutboxEmail(1, "invitation", "failed", 9, None, "N", "n@test.example", error)

    long = "word " * 100
    assert email(long).error_is_long and email(long).error_start.endswith("word…")
    assert len(email(long).error_start) <= ERROR_SHOWN + 1
    assert not email("short").error_is_long and email("short").error_start == "short"
    assert email(None).error_start is None


def test_a_job_forgotten_takes_its_error_with_it(app, build):
    invite(app, build.user(ROLE_TUTOR, "x@test.example"))
    send_through_smtp(app, free_port())
    work(app)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM email_send_errors")) == 1
        db.session.execute(sa.text("DELETE FROM procrastinate_jobs"))
        assert db.session.scalar(sa.text("SELECT count(*) FROM email_send_errors")) == 0
        db.session.rollback()
