"""Every database engine a test opens is disposed before the test ends.

An engine left open keeps pooled aiosqlite connections, each with its own thread. When the
garbage collector finally frees them, the test's event loop is long closed, the thread's
callback fails with "Event loop is closed", and pytest (``filterwarnings = error``) fails
whichever test happens to be running then: a flaky failure far from its cause. So the leak is
reported here, by the test that made it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@pytest.fixture(autouse=True)
def _engines_are_disposed() -> Iterator[None]:
    opened: list[Engine] = []

    def seen(connection: Connection) -> None:
        if connection.engine not in opened:
            opened.append(connection.engine)

    event.listen(Engine, "engine_connect", seen)
    try:
        yield
    finally:
        event.remove(Engine, "engine_connect", seen)
    left = [engine for engine in opened if engine.pool.checkedin() or engine.pool.checkedout()]
    assert not left, f"engines left with open connections (await engine.dispose()): {left}"
