"""The models and the Alembic revisions describe the same schema, and every revision reverses."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, String, inspect, select
from sqlalchemy.engine import Connection

from bot.storage import migrate
from bot.storage.models import Contact, Conversation
from bot.storage.registry import all_metadata
from bot.storage.session import create_engine, create_sessionmaker

CORE_TABLES = {"contacts", "conversations", "messages", "inbox", "outbox"}


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, all_metadata()))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _run(url: str, step: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(step)
    finally:
        await engine.dispose()


async def test_autogenerate_finds_no_difference_after_upgrade(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert await _run(database_url, _diff) == []
    assert await migrate.current(database_url) == migrate.head()


async def test_upgrade_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert await _run(database_url, _tables) >= CORE_TABLES
    await migrate.downgrade(database_url, "base")
    assert await _run(database_url, _tables) == set()
    assert await migrate.current(database_url) is None
    await migrate.upgrade(database_url)
    assert await _run(database_url, _diff) == []


async def test_upgrade_twice_is_a_no_op(sqlite_url: str) -> None:
    await migrate.upgrade(sqlite_url)
    await migrate.upgrade(sqlite_url)
    assert await migrate.current(sqlite_url) == migrate.head()


@pytest.mark.parametrize("table", sorted(CORE_TABLES))
def test_core_tables_have_named_constraints(table: str) -> None:
    model = all_metadata().tables[table]
    names = [c.name for c in model.constraints] + [i.name for i in model.indexes]
    assert all(isinstance(name, str) and name for name in names)


MIGRATE = ("import asyncio, sys; from bot.storage import migrate; "
           "asyncio.run(migrate.upgrade(sys.argv[1]))")


async def test_workers_starting_together_migrate_one_after_another(database_url: str) -> None:
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", MIGRATE, database_url, stderr=asyncio.subprocess.PIPE)
        for _ in range(3)]
    results = [await worker.communicate() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0], results
    assert await migrate.current(database_url) == migrate.head()


def _rebuild_contacts(connection: Connection) -> None:
    """What a future revision altering `contacts` does on SQLite: copy, drop, rename."""
    operations = Operations(MigrationContext.configure(connection))
    with operations.batch_alter_table("contacts", recreate="always") as batch:
        batch.add_column(Column("note", String(32)))


async def test_sqlite_table_rebuild_keeps_the_rows_that_point_at_it(sqlite_url: str) -> None:
    await migrate.upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        contact = Contact(channel="test", external_id="c1")
        session.add(contact)
        await session.flush()
        session.add(Conversation(contact_id=contact.id, channel="test", chat_id="c1", data={}))
    migrator = migrate.migration_engine(sqlite_url)
    async with migrator.begin() as connection:
        await connection.run_sync(_rebuild_contacts)
    await migrator.dispose()
    async with sessionmaker() as session:
        assert len((await session.scalars(select(Conversation))).all()) == 1
    await engine.dispose()


@pytest.mark.postgres
async def test_a_database_url_with_a_percent_sign_migrates(postgres_url: str) -> None:
    # A percent-encoded password ("p@ss"; the test server trusts any) once stopped startup
    # with ConfigParser's "invalid interpolation syntax".
    url = postgres_url.replace("://postgres@", "://postgres:p%40ss@", 1)
    assert "%40" in url
    assert migrate.alembic_config(url).get_main_option("sqlalchemy.url") == url
    await migrate.upgrade(url)
    assert await migrate.current(url) == migrate.head()
