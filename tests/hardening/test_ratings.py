"""One rating per answer, changeable: 👍 👍 👎 on one answer counts as one 👎."""

from __future__ import annotations

import httpx
from sqlalchemy import select, text

from bot.messages import Inbound, Kind
from bot.storage import migrate
from bot.storage.base import utcnow
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, InboxItem
from bot.storage.session import create_engine, create_sessionmaker
from bot.support.tickets import AnswerRating, rating_summary
from tests.harness import BotHarness
from tests.web.chat_ids import chat_headers


async def ratings(harness: BotHarness) -> list[tuple[str, bool, str]]:
    async with harness.bot.sessionmaker() as session:
        rows = (await session.scalars(select(AnswerRating).order_by(AnswerRating.id))).all()
        summary = await rating_summary(session=session)
    assert sum(total for _, _, total in summary) == len(rows)
    return [(row.entry_id, row.helpful, row.answer_message) for row in rows]


async def tap(harness: BotHarness, payload: str, under: str | None) -> None:
    """A button tap under the answer with platform id ``under`` (as Telegram reports it)."""
    await harness.bot.ingest(Inbound(channel="test", update_id=f"tap-{payload}-{under}-"
                                     f"{len(harness.channel.sent)}", user_id="c1", chat_id="c1",
                                     kind=Kind.BUTTON, payload=payload, message_id=under))
    await harness.drain()


async def test_tapping_again_changes_the_one_rating(harness: BotHarness) -> None:
    for verdict in ("yes", "yes", "no"):
        await harness.say(payload=f"rate:returns:{verdict}")
    assert await ratings(harness) == [("returns", False, "")]


async def test_each_answer_message_keeps_its_own_rating(harness: BotHarness) -> None:
    await tap(harness, "rate:returns:yes", "m-1")
    await tap(harness, "rate:returns:yes", "m-1")
    await tap(harness, "rate:returns:no", "m-2")
    await tap(harness, "rate:returns:yes", "m-2")
    assert await ratings(harness) == [("returns", True, "m-1"), ("returns", True, "m-2")]


async def test_the_web_chat_says_which_answer_a_button_sat_under(harness: BotHarness) -> None:
    transport = httpx.ASGITransport(app=harness.bot.http)
    headers = await chat_headers(harness.bot.http, "chat-0123456789")
    async with httpx.AsyncClient(transport=transport, base_url="http://chat.test",
                                 headers=headers) as http:
        for message_id in ("17", "x17"):
            response = await http.post("/chat/api/messages", json={
                "payload": "rate:returns:yes", "text": "👍", "message_id": message_id})
            assert response.status_code == 202
    async with harness.bot.sessionmaker() as session:
        stored = (await session.scalars(select(InboxItem.message).order_by(InboxItem.id))).all()
    assert [Inbound.from_json(raw).message_id for raw in stored] == ["17", None]
    assert enqueue  # the same door the webhooks use


async def test_the_migration_keeps_each_contacts_latest_rating(database_url: str) -> None:
    await migrate.upgrade(database_url, "0008")
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            contact = Contact(channel="test", external_id="c1")
            session.add(contact)
            await session.flush()
            for helpful in (True, True, False):  # three taps on one answer, before the fix
                await session.execute(text(
                    "INSERT INTO answer_ratings (contact_id, entry_id, language, helpful, "
                    "created_at) VALUES (:c, 'returns', 'en', :h, :t)"),
                    {"c": contact.id, "h": helpful, "t": utcnow()})
        await migrate.upgrade(database_url)
        async with create_sessionmaker(engine)() as session:
            kept = (await session.scalars(select(AnswerRating))).all()
        assert [(r.entry_id, r.helpful, r.answer_message) for r in kept] == [
            ("returns", False, "")]
    finally:
        await engine.dispose()
