"""The job queue: procrastinate on the app's own PostgreSQL database.

* ``queue`` is the procrastinate app; tasks are in ``dashboard.tasks``.
* ``defer(task, **arguments)`` queues a job **inside the caller's database
  transaction** (the request's SQLAlchemy session): the job exists only if the
  change that asked for it commits, so a rolled-back change sends no email.
* ``run_worker(app)`` runs a worker (``flask --app wsgi worker``): it fetches
  jobs, runs them inside a Flask app context, retries failures with backoff
  and runs the periodic tasks (the reminder sweep). Any number of workers on
  any hosts may share the database; PostgreSQL locks hand each job to one.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate
from flask import Flask
from procrastinate import manager, tasks

from dashboard.database import libpq_url
from dashboard.extensions import db

logger = logging.getLogger(__name__)

#: The queue every email job goes to.
EMAIL_QUEUE = "email"

#: The worker's connector is made by ``run_worker``; this placeholder is never opened.
queue = procrastinate.App(
    connector=procrastinate.PsycopgConnector(),
    import_paths=["dashboard.tasks"],
)

#: Defers on a connection handed in by the caller (``connection=``), never on a pool.
_in_transaction = manager.JobManager(connector=procrastinate.SyncPsycopgConnector())


def defer(task_name: str, *, queue_name: str = EMAIL_QUEUE, **arguments: Any) -> None:
    """Queue ``task_name`` with ``arguments`` in the current transaction (the caller commits).

    Runs procrastinate's own defer SQL on the SQLAlchemy session's connection,
    so the job row is written, and rolled back, together with the caller's changes.
    """
    connection = db.session.connection().connection.driver_connection
    tasks.configure_task(
        name=task_name,
        job_manager=_in_transaction,
        queue=queue_name,
        connection=connection,
    ).defer(**arguments)


def worker_connector(app: Flask) -> procrastinate.PsycopgConnector:
    """A connector to the app's database for a worker (a small pool of its own)."""
    url = libpq_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    return procrastinate.PsycopgConnector(
        conninfo=url,
        min_size=1,
        max_size=4,
        # Bounded waits (DESIGN.md → Errors): connecting, and any one statement.
        kwargs={"connect_timeout": 10, "options": "-c statement_timeout=60000"},
    )


def run_worker(app: Flask, *, wait: bool = True, **options: Any) -> None:
    """Run a worker for ``app``'s database until stopped (``wait=False``: until the queue is empty).

    Tasks receive ``app`` in their job context (``context.additional_context``)
    and run inside its app context. ``wait=False`` is what tests use: the
    worker processes every job that is due, then returns.
    """
    options.setdefault("listen_notify", wait)
    options.setdefault("install_signal_handlers", wait)

    async def main() -> None:
        async with queue.open_async():
            await queue.run_worker_async(
                wait=wait, additional_context={"flask_app": app}, **options
            )

    with queue.replace_connector(worker_connector(app)):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no event loop in this thread
            asyncio.run(main())
            return
        # Called from code that already runs an event loop in this thread (e.g. a
        # test that drives Playwright's sync API): the worker gets a thread of its own.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker") as pool:
            pool.submit(asyncio.run, main()).result()
