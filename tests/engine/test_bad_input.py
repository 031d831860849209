"""Oversized, odd or unreadable input is answered or parked, never retried forever or lost."""

from __future__ import annotations

import asyncio

from bot.messages import Inbound, Kind
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, InboxItem, MessageLog, OutboxItem
from tests.engine.helpers import Counting, RecordingChannel, inbox, open_db, processor, rows
from tests.engine.test_sender import sender


def _huge(update_id: str, chat: str = "c1") -> Inbound:
    return Inbound(channel="webchat", update_id=update_id, user_id=chat, chat_id=chat,
                   text="ж" * 100_000, user_name="N" * 1000, language_hint="x" * 50,
                   message_id="m" * 300)


async def test_long_ids_names_and_texts_are_stored_and_answered(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    long_id = "a" * 64 + ":" + "b" * 64  # the web chat's chat_id:client_id can reach 129
    assert await enqueue(sessionmaker, _huge(long_id))
    assert not await enqueue(sessionmaker, _huge(long_id))  # still recognised as a redelivery
    assert await enqueue(sessionmaker, _huge("u" * 500))
    assert await processor(sessionmaker, Counting()).run_once() == 2
    assert {row.status for row in await inbox(sessionmaker)} == {"done"}
    [contact] = await rows(sessionmaker, Contact)
    assert contact.display_name == "N" * 256
    assert len(await rows(sessionmaker, OutboxItem)) == 2
    texts = [m.text for m in await rows(sessionmaker, MessageLog)]
    assert texts == ["ж" * 100_000] * 2  # the full text stays in the log
    await engine.dispose()


async def test_every_kind_and_binary_text_gets_at_most_one_polite_reply(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    odd = [Inbound(channel="test", update_id=f"k{n}", user_id="c1", chat_id="c1", kind=kind,
                   text=text) for n, (kind, text) in enumerate(
        [(k, None) for k in Kind] + [(Kind.TEXT, "\x00\x01\x02\ufffd"), (Kind.TEXT, "/\x00")])]
    for message in odd:
        await enqueue(sessionmaker, message)
    assert await processor(sessionmaker, Counting()).run_once() == len(odd)
    assert {row.status for row in await inbox(sessionmaker)} == {"done"}
    assert len(await rows(sessionmaker, OutboxItem)) == len(odd) - 1  # IGNORED says nothing
    await engine.dispose()


async def test_unreadable_inbox_row_ends_failed_without_blocking_the_queue(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        session.add(InboxItem(channel="test", update_id="broken", chat_key="test::c1",
                              message="{not json"))
    await enqueue(sessionmaker, Inbound(channel="test", update_id="ok", user_id="c1",
                                        chat_id="c1", text="after"))
    async with asyncio.timeout(10):
        assert await processor(sessionmaker, Counting()).run_once() == 1
    broken, fine = await inbox(sessionmaker)
    assert (broken.status, fine.status) == ("failed", "done")
    assert len(await rows(sessionmaker, OutboxItem)) == 1  # nobody to apologise to
    await engine.dispose()


async def test_unreadable_outbox_row_fails_and_the_chat_moves_on(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        session.add(OutboxItem(channel="test", chat_id="c1", chat_key="test::c1", reply="{bad"))
        session.add(OutboxItem(channel="test", chat_id="c1", chat_key="test::c1",
                               reply='{"text": "next"}'))
    channel = RecordingChannel()
    async with asyncio.timeout(10):
        assert await sender(sessionmaker, channel).run_once() == 1
    assert [row.status for row in await rows(sessionmaker, OutboxItem)] == ["failed", "sent"]
    assert channel.sent == [("c1", "next")]
    await engine.dispose()
