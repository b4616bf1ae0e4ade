"""``services.health.database_answers`` gives up at its deadline, whatever the other end does."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from dashboard.services.health import database_answers


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port whose connections the kernel accepts but nobody ever reads or answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_accepts_but_never_answers_is_unreachable_in_time(silent_port):
    started = time.monotonic()
    assert not database_answers(f"postgresql://nobody@127.0.0.1:{silent_port}/db", 0.5)
    assert time.monotonic() - started < 1


def test_a_refused_connection_is_unreachable_at_once():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert not database_answers(f"postgresql://nobody@127.0.0.1:{port}/db", 5)
    assert time.monotonic() - started < 1
