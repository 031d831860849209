"""Issue 15 item 1: without an operators' group, a ticket is a loop that closes.

The new ticket is logged loudly, the customer is told how to go back to the bot, ``/cancel``
offers to close the ticket, and after a quiet time with no operator the bot offers to answer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.api.tickets import get_ticket, reply_to_ticket
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.support.tickets import CLOSED, OPEN, Ticket
from tests.harness import BotHarness

SECRET = "my card number is 4111 and my address is Elm street"


async def ticket_status(harness: BotHarness) -> str:
    async with harness.bot.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
        assert ticket is not None
        return ticket.status


async def test_a_new_ticket_is_logged_loudly_without_the_customers_text(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.say(SECRET)
    with caplog.at_level(logging.WARNING, logger="bot.support.handoff_store"):
        opened = await harness.say("/human")
    assert "/close" in opened[0].text  # the way back is in the ticket-opened message
    warnings = [r for r in caplog.records if r.name == "bot.support.handoff_store"
                and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert "#" in line and "test" in line and "request" in line
    assert "no operators' group" in line
    assert "4111" not in line and "Elm" not in line


async def test_later_messages_are_acknowledged_with_the_way_back(harness: BotHarness) -> None:
    await harness.say("/human")
    added = await harness.say("where is my parcel?")
    assert added[0].text.startswith("Added to your request #")
    assert "/close" in added[0].text
    [russian] = await harness.say("где мой заказ?", chat="c2", language="ru")
    [russian] = await harness.say("/human", chat="c2", language="ru")
    assert "/close" in russian.text and "ботом" in russian.text


async def test_cancel_with_an_open_ticket_offers_to_close_it(harness: BotHarness) -> None:
    [nothing] = await harness.say("/cancel")
    assert nothing.text.startswith("There is nothing to cancel")
    await harness.say("/human")
    [offer] = await harness.say("/cancel")
    assert "still open" in offer.text
    assert [b.payload for b in offer.buttons] == ["handoff:close", "handoff:wait"]
    [kept] = await harness.say(payload="handoff:wait")
    assert "stays open" in kept.text
    assert await ticket_status(harness) == OPEN
    [closed, *_] = await harness.say(payload="handoff:close")
    assert "is closed" in closed.text
    assert await ticket_status(harness) == CLOSED
    # back with the bot: free text is answered, not filed into a ticket
    [answer, *_] = await harness.say("how long does delivery take?")
    assert not answer.text.startswith("Added to your request")
    # stale buttons pressed again are polite, not a crash
    [again] = await harness.say(payload="handoff:close")
    assert again.text.startswith("You have no open request")
    [again] = await harness.say(payload="handoff:wait")
    assert again.text.startswith("You have no open request")


async def test_quiet_operators_lead_to_an_offer_to_answer_again(harness: BotHarness) -> None:
    await harness.say("/human")
    assert await harness.drain(now=utcnow() + timedelta(minutes=5)) == []
    [offer] = await harness.drain(now=utcnow() + timedelta(minutes=16))
    assert "has not answered" in offer.text
    assert [b.payload for b in offer.buttons] == ["handoff:close", "handoff:wait"]
    assert await harness.drain(now=utcnow() + timedelta(hours=2)) == []  # offered once
    [closed, *_] = await harness.say(payload="handoff:close")
    assert "is closed" in closed.text
    assert await ticket_status(harness) == CLOSED


async def test_no_offer_once_an_operator_answered_or_the_ticket_closed(
    harness: BotHarness,
) -> None:
    await harness.say("/human", chat="answered")
    async with harness.bot.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).limit(1))
        assert ticket is not None
        found = await get_ticket(session, ticket.ref)
        assert found is not None
        await reply_to_ticket(session, found, "We are on it.", actor="test")
        await session.commit()
    await harness.drain()
    await harness.say("/human", chat="closed")
    await harness.say("/close", chat="closed")
    later = await harness.drain(now=utcnow() + timedelta(minutes=30))
    assert later == []
    async with harness.bot.sessionmaker() as session:
        statuses = sorted((await session.scalars(
            select(Job.status).where(Job.kind == "handoff.quiet"))).all())
    assert statuses == ["cancelled", "done"]


async def test_quiet_time_is_a_setting(sqlite_url: str) -> None:
    from bot.config import Settings
    from tests.harness import make_harness

    settings = Settings(database_url=sqlite_url, environment="test",  # type: ignore[call-arg]
                        _env_file=None, handoff_quiet_minutes=0)
    bot = await make_harness(settings)
    try:
        await bot.say("/human")
        assert await bot.drain(now=utcnow() + timedelta(days=1)) == []
        async with bot.bot.sessionmaker() as session:
            assert (await session.scalars(select(Job).where(Job.kind == "handoff.quiet"))
                    ).all() == []
    finally:
        await bot.close()
