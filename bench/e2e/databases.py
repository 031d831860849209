"""Scratch databases for the benches: a SQLite file, or a PostgreSQL database dropped after."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

PG_ADMIN = os.environ.get("SARAFAN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.asynccontextmanager
async def scratch_database(kind: str, workdir: Path) -> AsyncIterator[str]:
    """A fresh database URL of ``kind`` (``sqlite`` or ``postgres``), removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        return
    name = f"sarafan_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    # Through make_url, so a Unix-socket DSN ("postgresql://postgres@/postgres?host=/var/run/
    # postgresql") keeps its query when the database name changes.
    url = make_url(PG_ADMIN).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
