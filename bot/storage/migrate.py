"""Alembic driven from code: `sarafan db upgrade|current` and start-up migration."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import migrations
from bot.storage.session import create_engine

# `migrations` ships as a package so `sarafan db upgrade` works from a plain `pip install`.
MIGRATIONS = Path(migrations.__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
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


async def upgrade(url: str, target: str = "head") -> None:
    """Bring the database to ``target`` (creating the SQLite file if needed)."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, alembic_config(url), target)
    await engine.dispose()


async def downgrade(url: str, target: str) -> None:
    """Step the schema back to ``target``."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, alembic_config(url), target)
    await engine.dispose()


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
