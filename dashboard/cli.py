"""Flask CLI commands (``flask --app wsgi COMMAND``). Thin: they call services."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from dashboard.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo centre (25 sessions around today); safe to run again."""
    from dashboard.services.demo_data import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo

    created = seed_demo(db.session, timezone=current_app.config["SCHEDULE_TIMEZONE"])
    db.session.commit()
    if created:
        click.echo("Demo data created: 25 sessions, 12 accounts.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"Demo logins (password {DEMO_PASSWORD!r}):")
    for email, _name, role in DEMO_ACCOUNTS:
        click.echo(f"  {role:<12} {email}")


@click.command("verify-schema")
@with_appcontext
def verify_schema_command() -> None:
    """Run the spec's verification queries; exit 1 if any result differs."""
    from dashboard.services.schema_contract import format_rows, run_checks

    checks = run_checks(db.session)
    for check in checks:
        click.echo(f"== {check.title}: {'OK' if check.ok else 'DIFFERENT'}")
        click.echo("   expected:")
        for line in format_rows(check.expected):
            click.echo(f"     {line}")
        click.echo("   actual:")
        for line in format_rows(check.actual):
            click.echo(f"     {line}")
    failed = [check.title for check in checks if not check.ok]
    if failed:
        click.echo(
            f"Schema differs from the spec in: {', '.join(failed)}. "
            "Run `flask --app wsgi db upgrade` or inspect the migrations.",
            err=True,
        )
        raise SystemExit(1)
    click.echo("Schema matches the spec.")


@click.command("seed-bulk")
@click.option("--sessions", default=1_000_000, show_default=True, type=click.IntRange(0))
@click.option("--tutors", default=1_000, show_default=True, type=click.IntRange(1))
@click.option("--students", default=20_000, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
@click.option("--force", is_flag=True, help="Run even if the database holds other data.")
@with_appcontext
def seed_bulk_command(sessions: int, tutors: int, students: int, seed: int, force: bool) -> None:
    """Generate a large reproducible dataset with COPY (for benchmarks)."""
    from tqdm import tqdm

    from dashboard.database import libpq_url
    from dashboard.services.bulk_data import BulkDataRefused, seed_bulk

    conninfo = libpq_url(db.engine.url.render_as_string(hide_password=False))
    db.engine.dispose()
    with tqdm(total=sessions, unit="session", disable=None) as bar:
        try:
            summary = seed_bulk(
                conninfo,
                sessions=sessions,
                tutors=tutors,
                students=students,
                seed=seed,
                force=force,
                progress=bar.update,
            )
        except BulkDataRefused as refused:
            raise click.ClickException(str(refused)) from refused
    click.echo(
        f"Generated {summary.sessions:,} sessions ({summary.attendance:,} with attendance "
        f"taken), {summary.enrolments:,} enrolments, "
        f"{summary.tutors:,} tutors, {summary.students:,} students, {summary.parents:,} parents, "
        f"{summary.courses} courses, {summary.whiteboards:,} whiteboards "
        f"in {summary.seconds:.1f} s (seed {seed})."
    )


def _prompt_new_password() -> str:
    """Ask twice, without echoing; refuse a short one before anything is written."""
    from dashboard.services.accounts import AccountError, check_new_password

    password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        check_new_password(password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    return password


@click.command("create-user")
@click.option("--role", required=True, help="coordinator, tutor, student or parent")
@click.option("--email", required=True, help="Sign-in address (unique, any case)")
@click.option("--name", "full_name", required=True, help="Name shown in the dashboard")
@with_appcontext
def create_user_command(role: str, email: str, full_name: str) -> None:
    """Create an account; the password is asked for twice and never shown."""
    from dashboard.services.accounts import AccountError, check_new_account, create_user

    try:
        check_new_account(email, full_name, role)
        user = create_user(email, full_name, role, _prompt_new_password())
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("set-password")
@click.option("--email", required=True, help="Sign-in address of the account (any case)")
@with_appcontext
def set_password_command(email: str) -> None:
    """Give an account a new password; asked for twice and never shown."""
    from dashboard.services.accounts import AccountError, find_user_by_email, set_password

    if find_user_by_email(email) is None:
        raise click.ClickException(f"There is no account with the email {email.strip()}.")
    try:
        user = set_password(email, _prompt_new_password())
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")


@click.command("worker")
@click.option(
    "--once",
    is_flag=True,
    help="Process the jobs that are due, then exit (instead of running until stopped).",
)
@with_appcontext
def worker_command(once: bool) -> None:
    """Run the job queue's worker: emails, retries, the reminder sweep (Ctrl+C stops it).

    It waits out a database outage (logged, retried with a bounded back-off); ``--once``
    does not.
    """
    import logging

    from dashboard.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    click.echo("Worker started: sending queued email (Ctrl+C to stop).")
    run_worker(current_app._get_current_object(), wait=not once)


def register_commands(app: Flask) -> None:
    """Attach the CLI commands to ``app``."""
    app.cli.add_command(seed_bulk_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(verify_schema_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(worker_command)
