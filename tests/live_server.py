"""The real app over real HTTP, for tests that need a browser or an outside tool.

The browser tests (``tests/e2e/conftest.py``'s ``live_app``/``live_server``),
the schemathesis contract test and the bounded-waits tests all serve the app
the same way: werkzeug, threaded, on a free localhost port, in a background
thread of the test process (so a test can still reach the app's database
directly). This module is the one copy of that machinery.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from dashboard import create_app
from dashboard.extensions import db
from tests.conftest import app_config


@contextmanager
def demo_centre_app(database_url: str, **config: object) -> Iterator[Flask]:
    """The app on ``database_url`` (an empty database), migrated and seeded with the demo centre.

    ``config`` overrides the test configuration (e.g. a higher rate limit for a
    client that signs in or calls the API many times in a few seconds). The
    engine is disposed of when the block ends.
    """
    from flask_migrate import upgrade

    from dashboard.services.demo_data import seed_demo

    app = create_app(app_config(database_url, **config))
    with app.app_context():
        upgrade()
        seed_demo(db.session, timezone=app.config["SCHEDULE_TIMEZONE"])
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def served(app: Flask, name: str = "live-server") -> Iterator[str]:
    """Serve ``app`` on a free localhost port in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
