"""The job queue: procrastinate on the app's own PostgreSQL database.

* ``queue`` is the procrastinate app; tasks are in ``dashboard.tasks``.
* ``defer(task, **arguments)`` queues a job **inside the caller's database
  transaction** (the request's SQLAlchemy session): the job exists only if the
  change that asked for it commits, so a rolled-back change sends no email.
* ``run_worker(app)`` runs a worker (``flask --app wsgi worker``): it fetches
  jobs, runs them inside a Flask app context, retries failures with backoff
  and runs the periodic tasks (the reminder sweep). Any number of workers on
  any hosts may share the database; PostgreSQL locks hand each job to one.
* A worker outlives a database outage: procrastinate's worker stops when it
  loses its database, so ``run_worker`` logs the error, waits (1 s, 2 s, 4 s …
  at most 30 s, ``RECONNECT``), and starts it again once the database answers.
  SIGTERM or Ctrl+C stops it cleanly at any point, during an outage too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import procrastinate
import psycopg
from flask import Flask
from procrastinate import exceptions, manager, tasks

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


#: Seconds to wait for a connection: a new one (connect_timeout) or one from the pool.
CONNECT_TIMEOUT_S = 10
#: Seconds a stopping worker lets a running job finish before aborting it.
SHUTDOWN_GRACE_S = 30

#: What losing the database looks like: procrastinate wraps psycopg's errors in
#: ``ConnectorException``; opening a pool or a connection raises psycopg's own.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    exceptions.ConnectorException,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    OSError,
)


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts to reach a lost database: ``first``, doubled, at most ``maximum``."""

    first: float = 1.0
    maximum: float = 30.0

    def after(self, delay: float) -> float:
        """The wait after one of ``delay`` failed too."""
        return min(delay * 2, self.maximum)


RECONNECT = Backoff()


def worker_connector(app: Flask) -> procrastinate.PsycopgConnector:
    """A connector to the app's database for a worker (a small pool of its own)."""
    return procrastinate.PsycopgConnector(
        conninfo=_worker_url(app),
        min_size=1,
        max_size=4,
        # Bounded waits (DESIGN.md → Errors): for a pooled connection (so a lost
        # database is noticed within seconds), connecting, and any one statement.
        timeout=CONNECT_TIMEOUT_S,
        kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "options": "-c statement_timeout=60000"},
    )


def _worker_url(app: Flask) -> str:
    return libpq_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))


def run_worker(
    app: Flask, *, wait: bool = True, reconnect: Backoff = RECONNECT, **options: Any
) -> None:
    """Run a worker for ``app``'s database until stopped (``wait=False``: until the queue is empty).

    Tasks receive ``app`` in their job context (``context.additional_context``)
    and run inside its app context. ``wait=False`` is what tests use: the
    worker processes every job that is due, then returns (and a database error
    is raised, not waited out). With ``wait=True`` a lost database is waited
    out with the ``reconnect`` back-off, and SIGTERM/SIGINT stop the worker.
    """
    options.setdefault("listen_notify", wait)
    options.setdefault("shutdown_graceful_timeout", SHUTDOWN_GRACE_S)
    options["install_signal_handlers"] = False  # _supervise handles SIGTERM/SIGINT itself

    def main() -> Coroutine[Any, Any, None]:
        if not wait:
            return _run_once(app, wait=False, options=options)
        return _supervise(app, options, reconnect)

    with queue.replace_connector(worker_connector(app)):
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no event loop in this thread
            try:
                asyncio.run(main())
            except KeyboardInterrupt:  # Ctrl+C before the worker's own handler was set
                logger.info("Worker stopped (interrupted).")
            return
        # Called from code that already runs an event loop in this thread (e.g. a
        # test that drives Playwright's sync API): the worker gets a thread of its own.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker") as pool:
            pool.submit(asyncio.run, main()).result()


async def _run_once(app: Flask, *, wait: bool, options: dict[str, Any]) -> None:
    """Open the queue's pool, run procrastinate's worker until it returns, close the pool."""
    try:
        async with queue.open_async():
            await queue.run_worker_async(
                wait=wait, additional_context={"flask_app": app}, **options
            )
    finally:
        # A pool that failed to open is not closed by ``open_async``; the next attempt
        # must start from a fresh one.
        with contextlib.suppress(*DATABASE_ERRORS):
            await queue.connector.close_async()


async def _supervise(app: Flask, options: dict[str, Any], backoff: Backoff) -> None:
    """Run the worker until SIGTERM/SIGINT, starting it again whenever it loses the database."""
    stop = asyncio.Event()
    delay = backoff.first
    lost = False
    with _stop_on_signals(stop.set):
        while not stop.is_set():
            started = time.monotonic()
            try:
                await _check_database(_worker_url(app))
                if lost:
                    logger.warning("The database answers again: the worker starts again.")
                    lost = False
                running = asyncio.create_task(_run_once(app, wait=True, options=options))
                await _first_of(running, stop)
                if stop.is_set():
                    await _stop_worker(running)
                    break
                running.result()  # the worker's own error, if it failed
                problem = "the worker stopped by itself (it lost the database)"
            except DATABASE_ERRORS as error:
                problem = f"the database is unreachable ({_one_line(error)})"
            if time.monotonic() - started > backoff.maximum:
                delay = backoff.first  # it had been working: this is a new outage
            lost = True
            logger.error("Worker: %s; trying again in %g s.", problem, delay)
            with contextlib.suppress(TimeoutError):  # the wait is over, or stop was asked
                await asyncio.wait_for(stop.wait(), delay)
            delay = backoff.after(delay)
    logger.info("Worker stopped.")


async def _check_database(url: str) -> None:
    """Connect once and let go: raises at once (within the connect timeout) if the database is gone.

    Opening the worker's pool on a lost database would wait for its full timeout first.
    """
    connection = await psycopg.AsyncConnection.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    await connection.close()


async def _first_of(task: asyncio.Future[Any], stop: asyncio.Event) -> None:
    """Wait until ``task`` is done or ``stop`` is set (``task`` is left running in that case)."""
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()


async def _stop_worker(running: asyncio.Task[None]) -> None:
    """Stop procrastinate's worker gracefully: running jobs may finish (``SHUTDOWN_GRACE_S``)."""
    running.cancel()
    try:
        await running
    except asyncio.CancelledError:
        pass
    except DATABASE_ERRORS as error:  # it could not unregister itself: nothing to keep
        logger.warning("Worker stopped without the database (%s).", _one_line(error))


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call ``stop`` on SIGTERM or SIGINT while in the block (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    signums = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        loop.add_signal_handler(signum, stop)
    try:
        yield
    finally:
        for signum in signums:
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous[signum])


def _one_line(error: BaseException) -> str:
    """An error and its cause in one short line (procrastinate keeps psycopg's as the cause)."""
    cause = error.__cause__
    text = str(error) or type(error).__name__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return " ".join(text.split())[:300]
