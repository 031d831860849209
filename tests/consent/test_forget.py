"""/forget end to end: nothing the person typed survives in any table; counts stay."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, Text, func, select
from sqlalchemy.sql.sqltypes import String

from bot.beta.tables import BetaApplication
from bot.consent.tables import ConsentEvent, Erasure
from bot.messages import Inbound, Kind, Reply
from bot.storage.base import utcnow
from bot.storage.events import Event
from bot.storage.models import Contact, Conversation, MessageLog
from bot.storage.registry import all_metadata
from bot.support.tickets import CLOSED, Ticket, TicketMessage
from tests.beta.test_apply import walk
from tests.harness import BotHarness

MARKER = "Zanzibar-4417"
"""Something only this person typed."""


async def traces(bot: BotHarness, marker: str) -> list[str]:
    """Every ``table.column`` of every table whose text or JSON still holds ``marker``."""
    found: list[str] = []
    async with bot.bot.sessionmaker() as session:
        for table in all_metadata().sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for column in columns:
                rows = await session.execute(select(column).select_from(table))
                for (value,) in rows.all():
                    shown = value if isinstance(value, str) else json.dumps(value,
                                                                          ensure_ascii=False)
                    if marker.lower() in (shown or "").lower():
                        found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


async def scalar(bot: BotHarness, query: Any) -> Any:
    async with bot.bot.sessionmaker() as session:
        return await session.scalar(query)


async def test_forget_erases_every_trace_within_a_minute_and_counts_stay(
    bot: BotHarness,
) -> None:
    await bot.bot.ingest(Inbound(channel="test", update_id="named-1", user_id="c1", chat_id="c1",
                                 text=f"hello, I am {MARKER}", user_name=f"Ann {MARKER}"))
    await bot.drain()
    await walk(bot, chat="c1", email=f"{MARKER}@example.org", favourite=f"{MARKER} oolong")
    await bot.say("/referral")
    await bot.say(f"/feedback the lid of my {MARKER} teapot rattles")
    await bot.say("/cancel")
    for answer in ("/survey support_csat", "5", "10", f"{MARKER} was very kind"):
        await bot.say(answer)
    await bot.say("/human")
    await bot.say(f"my order number is {MARKER}-77")  # into the open ticket and the operators
    await bot.say(f"/no_such_{MARKER}")  # echoed back by the unknown-command reply
    await bot.say("/privacy")
    await bot.say(payload="privacy:on:research")
    before = await traces(bot, MARKER)
    assert {"messages.text", "inbox.message", "outbox.reply", "ticket_messages.text",
            "contacts.display_name", "beta_applications.email",
            "survey_answers.text"} <= set(before), before

    [ask] = await bot.say("/forget")
    assert "#1-1 will be closed" in ask.text
    yes = next(b for b in ask.buttons if b.payload.startswith("privacy:forget:"))
    replies = await bot.say(payload=yes.payload)
    replies += await bot.drain(now=utcnow() + timedelta(seconds=60))
    erasing, done = replies
    assert "within a minute" in erasing.text
    assert "has been erased" in done.text

    assert await traces(bot, MARKER) == []
    assert await scalar(bot, select(func.count()).select_from(Ticket)) == 1
    assert await scalar(bot, select(Ticket.status)) == CLOSED
    assert await scalar(bot, select(func.count()).select_from(TicketMessage)) >= 2
    assert await scalar(bot, select(func.count()).select_from(MessageLog)
                        .where(MessageLog.direction == "in")) >= 6
    assert await scalar(bot, select(func.count()).select_from(ConsentEvent)) == 2
    assert await scalar(bot, select(func.count()).select_from(BetaApplication)) == 1
    erasure = await scalar(bot, select(Erasure))
    assert (erasure.status, erasure.contact_id, erasure.origin) == ("done", None, "chat")
    assert erasure.code in done.text
    assert await scalar(bot, select(Event.name).where(Event.name == "contact.erased"))
    contact = await scalar(bot, select(Contact).where(Contact.id == 1))
    assert contact.display_name is None and contact.external_id == "erased-1"

    [hello] = await bot.say("hello again")  # a clean slate: a new contact
    assert await scalar(bot, select(func.count()).select_from(Contact)
                        .where(Contact.external_id == "c1")) == 1
    assert isinstance(hello, Reply)


async def test_forget_cancelled_keeps_everything(bot: BotHarness) -> None:
    await bot.say(f"note {MARKER}")
    await bot.say("/forget")
    [kept] = await bot.say(payload="privacy:keep")
    assert "Nothing was erased" in kept.text
    await bot.drain(now=utcnow() + timedelta(minutes=5))
    assert "messages.text" in await traces(bot, MARKER)


async def test_forget_pressed_twice_and_a_stale_button(bot: BotHarness) -> None:
    [ask] = await bot.say("/forget")
    yes = ask.buttons[0].payload
    await bot.bot.ingest(Inbound(channel="test", update_id="p1", user_id="c1", chat_id="c1",
                                 kind=Kind.BUTTON,
                                 payload=yes))
    await bot.bot.ingest(Inbound(channel="test", update_id="p2", user_id="c1", chat_id="c1",
                                 kind=Kind.BUTTON,
                                 payload=yes))
    while await bot.bot.processor.run_once():
        pass
    replies = await bot.drain(now=utcnow())
    texts = [r.text for r in replies]
    assert any("already being erased" in t for t in texts)
    assert await scalar(bot, select(func.count()).select_from(Erasure)) == 1
    [stale] = await bot.say(payload=yes)  # from the old contact, after the erasure ran
    assert "no longer active" in stale.text


async def test_forget_in_the_middle_of_a_survey_stops_it(bot: BotHarness) -> None:
    for answer in ("/survey support_csat", "4"):
        await bot.say(answer)
    [ask] = await bot.say("/forget")
    assert "will stop" in ask.text
    [kept] = await bot.say(payload="privacy:keep")  # changing one's mind loses nothing
    assert "Nothing was erased" in kept.text
    [nps] = await bot.say("9")
    assert "reason" in nps.text.lower()
    await bot.say(f"because {MARKER}")
    [ask] = await bot.say("/forget")
    await bot.say(payload=ask.buttons[0].payload)
    await bot.drain(now=utcnow() + timedelta(seconds=60))
    assert await traces(bot, MARKER) == []
    async with bot.bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0
