"""``statementwise``: sessions without BEGIN/COMMIT round trips on PostgreSQL, only there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from bot.storage import migrate
from bot.storage.base import table_of
from bot.storage.models import InboxItem
from bot.storage.session import create_engine, create_sessionmaker, statementwise


async def test_each_statement_commits_on_its_own_on_postgresql_and_sqlite_keeps_transactions(
    database_url: str,
) -> None:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    sessions = statementwise(sessionmaker)
    assert statementwise(sessionmaker) is sessions  # one factory per session factory
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await session.execute(insert(table_of(InboxItem)), [
                {"channel": "telegram", "update_id": "1", "chat_key": "telegram::1",
                 "message": "{}"}])
            raise RuntimeError("after the statement")
    async with sessionmaker() as session:
        kept = await session.scalar(select(func.count()).select_from(InboxItem))
    # Callers use it only where that makes no difference: one statement (the webhook's
    # insert), or a compare-and-swap claim and reads.
    postgres = engine.dialect.name == "postgresql"
    assert kept == (1 if postgres else 0)
    assert (sessions is sessionmaker) is not postgres
    await engine.dispose()
