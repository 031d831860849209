"""Alembic driven from code: `sarafan db upgrade|current` and start-up migration."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations
from bot.storage.session import create_engine

# `migrations` ships as a package so `sarafan db upgrade` works from a plain `pip install`.
MIGRATIONS = Path(migrations.__file__).resolve().parent
MIGRATION_BUSY_TIMEOUT_MS = 300_000
"""How long a starting worker waits on SQLite for another one's migration to finish."""
MIGRATION_LOCK = 0x5A_4A_F0_A1
"""PostgreSQL advisory lock key taken while migrating; any constant shared by all workers."""


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's options go through ConfigParser interpolation: a percent-encoded password or
    # Unix-socket host ("?host=%2Fvar%2Frun%2Fpostgresql") must have its "%" doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option(
        "file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s_%%(rev)s"
    )
    return config


def _upgrade(connection: Connection, config: Config, target: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, target)


def _downgrade(connection: Connection, config: Config, target: str) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, target)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def migration_engine(url: str) -> AsyncEngine:
    """An engine for schema changes: one migrator at a time, and SQLite's DDL made safe."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_for_ddl)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _sqlite_for_ddl(dbapi_connection: Any, _record: Any) -> None:
    # Batch migrations copy a table and drop the old one; with foreign keys on, that DROP would
    # run ON DELETE actions and empty or orphan the child tables. The driver would also leave
    # DDL outside the transaction, so we begin transactions ourselves (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    # Waiting for the write lock is the point here: another worker is migrating, which on a
    # busy machine can take longer than the serving busy timeout (10 s), and giving up would
    # fail start-up ("database is locked") instead of finding the schema at head.
    cursor.execute(f"PRAGMA busy_timeout={MIGRATION_BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: a second worker starting up waits, then finds
    # the schema already at head, instead of creating the same tables a second time.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


async def _migrate(url: str, step: Callable[[Connection, Config, str], None], target: str) -> None:
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Held until commit: workers starting together migrate one after another.
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                         {"key": MIGRATION_LOCK})
            await connection.run_sync(step, alembic_config(url), target)
    finally:
        await engine.dispose()


async def upgrade(url: str, target: str = "head") -> None:
    """Bring the database to ``target`` (creating the SQLite file if needed)."""
    await _migrate(url, _upgrade, target)


async def downgrade(url: str, target: str) -> None:
    """Step the schema back to ``target``."""
    await _migrate(url, _downgrade, target)


async def current(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine = create_engine(url)
    async with engine.connect() as connection:
        revision = await connection.run_sync(_current)
    await engine.dispose()
    return revision


def head() -> str | None:
    """The newest revision shipped with this version."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def run(coro_name: str, url: str, target: str = "head") -> None:
    """Sync entry for the CLI."""
    coro = {"upgrade": upgrade, "downgrade": downgrade}[coro_name]
    asyncio.run(coro(url, target))
