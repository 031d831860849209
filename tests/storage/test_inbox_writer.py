"""Group commit of inbound updates: one transaction for many webhooks, each acked after it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import event, func, select

from bot.messages import Attachment, AttachmentKind, Inbound, Kind
from bot.storage import migrate
from bot.storage.inbox import InboxWriter, storable
from bot.storage.models import InboxItem
from bot.storage.outage import Unavailable
from bot.storage.session import create_engine, create_sessionmaker


def update(number: int, chat: int = 1) -> Inbound:
    return Inbound(channel="telegram", update_id=str(number), user_id=str(chat),
                   chat_id=str(chat), text=f"message {number}")


async def test_updates_arriving_together_share_commits_and_redeliveries_are_reported(
    database_url: str,
) -> None:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    store = InboxWriter(create_sessionmaker(engine))
    results = await asyncio.gather(*(store(update(n % 150, n % 7)) for n in range(300)))
    assert sum(results) == 150  # each update stored once, its redeliveries answered False
    assert len(commits) < 10  # not one per webhook
    assert await store(update(3)) is False
    assert await store(update(1000)) is True
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 151
    await engine.dispose()


async def test_an_unreachable_database_refuses_every_waiting_update(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/../nowhere/x.sqlite3")
    store = InboxWriter(create_sessionmaker(engine))  # never migrated: no inbox table
    outcomes = await asyncio.gather(*(store(update(n)) for n in range(5)),
                                    return_exceptions=True)
    assert all(isinstance(o, Unavailable) for o in outcomes)
    with pytest.raises(Unavailable):
        await store(update(9))
    await engine.dispose()


def test_clean_messages_are_not_copied() -> None:
    photo = Attachment(kind=AttachmentKind.PHOTO, file_id="F1", mime_type="image/jpeg", size=10)
    message = Inbound(channel="telegram", update_id="7", user_id="1", chat_id="1",
                      kind=Kind.TEXT, text="Привет", user_name="Ann", attachments=(photo,))
    assert storable(message) is message  # nothing to clean: no copy per webhook
    dirty = Inbound(channel="telegram", update_id="8", user_id="1", chat_id="1", text="a\x00b",
                    user_name="x" * 300)
    cleaned = storable(dirty)
    assert (cleaned.text, len(cleaned.user_name or "")) == ("ab", 256)


@pytest.mark.postgres
async def test_after_the_server_dropped_every_connection_one_store_fails_then_all_work(
    postgres_url: str,
) -> None:
    """No ping before each checkout: what a PostgreSQL restart costs instead. The first store
    on a dead pooled connection is refused as an outage (the webhook answers 503 and the
    platform delivers again); SQLAlchemy then drops every connection pooled before it, so the
    next store works, and nothing was stored twice or lost."""
    await migrate.upgrade(postgres_url)
    engine = create_engine(postgres_url)
    store = InboxWriter(create_sessionmaker(engine))
    assert await asyncio.gather(store(update(1)), store(update(2, chat=2))) == [True, True]
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    await admin.close()
    outcomes = []
    for _ in range(3):  # the platform's redelivery
        try:
            outcomes.append(await store(update(3)))
        except Unavailable:
            outcomes.append(None)
    assert outcomes[-1] is False and True in outcomes  # stored once, then seen as stored
    assert outcomes.count(None) <= 1
    assert await store(update(4)) is True
    async with create_sessionmaker(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 4
    await engine.dispose()
