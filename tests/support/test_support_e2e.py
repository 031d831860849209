"""Support end to end: a real bot, migrated database, workers, collecting channels."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from bot.config import Settings
from bot.messages import Inbound, Reply
from bot.support.tickets import CLOSED, WAITING, AnswerRating, Ticket
from tests.harness import BotHarness, CollectingChannel
from tests.support.conftest import OPERATORS, ScriptedNlu, parse, support_bot

_updates = itertools.count(1000)


def operators(bot: BotHarness) -> list[tuple[str, Reply]]:
    """What reached the operators' group, with the platform message ids."""
    channel = bot.bot.sender.channels["telegram"]
    assert isinstance(channel, CollectingChannel)
    return [(f"m{n}", reply) for n, (chat, reply) in enumerate(channel.sent, 1)
            if chat == str(OPERATORS)]


async def operator_says(bot: BotHarness, text: str, reply_to: str) -> list[Reply]:
    """An operator writes in the group replying to ``reply_to``; what the customer got."""
    update = str(next(_updates))
    await bot.bot.ingest(Inbound(channel="telegram", update_id=update, user_id="op1",
                                 chat_id=str(OPERATORS), text=text, chat_type="supergroup",
                                 message_id=update, reply_to_message_id=reply_to,
                                 user_name="Olga"))
    return await bot.drain()


async def tickets(bot: BotHarness) -> list[Ticket]:
    async with bot.bot.sessionmaker() as session:
        rows = await session.scalars(select(Ticket).order_by(Ticket.id))
        found = list(rows.all())
        for ticket in found:
            await session.refresh(ticket, ["transcript"])
        return found


async def test_question_answer_and_rating_stored(bot: BotHarness, scripted: ScriptedNlu) -> None:
    scripted.script["how do i send it back"] = parse("faq_returns", 0.9)
    [answer] = await bot.say("how do i send it back")
    assert "30 days" in answer.text
    [thanks] = await bot.say(payload=answer.buttons[0].payload)
    assert "Thank you" in thanks.text
    async with bot.bot.sessionmaker() as session:
        rating = await session.scalar(select(AnswerRating))
    assert rating is not None and (rating.entry_id, rating.helpful) == ("returns", True)


async def test_low_confidence_clarifies_then_the_tap_answers(
    bot: BotHarness, scripted: ScriptedNlu
) -> None:
    scripted.script["money teapot"] = parse(
        "faq_returns", 0.35, ranking=(("faq_returns", 0.35), ("faq_refund_time", 0.3)))
    [question] = await bot.say("money teapot")
    assert question.buttons[1].payload == "faq:refund_time"
    [answer] = await bot.say(payload=question.buttons[1].payload)
    assert "3 working days" in answer.text


async def test_two_misses_open_a_ticket(bot: BotHarness) -> None:
    # Shop words and no entry: misses ("fix my bike" has a word nobody knows: declined).
    replies = await bot.converse(["can you fix it for me", "please fix the thing"])
    assert "don't know" in replies[0][0].text
    assert "ticket #" in replies[1][0].text
    [ticket] = await tickets(bot)
    assert ticket.reason == "misses"
    assert [m.author for m in ticket.transcript][-2:] == ["bot", "customer"]
    assert ticket.transcript[-1].text == "please fix the thing"


async def test_human_operator_reply_and_close(bot: BotHarness) -> None:
    [told] = await bot.say("/human")
    assert "ticket #" in told.text
    [(forward_id, forward)] = operators(bot)
    assert "/human" in forward.text and forward.meta["ticket"]
    [relayed] = await operator_says(bot, "Hi! Looking into it.", forward_id)
    assert relayed.text == "Our team: Hi! Looking into it."
    assert await bot.say("thanks, my order is 42") == []  # goes to people, not the bot
    assert "my order is 42" in operators(bot)[-1][1].text
    # The post-support CSAT (bot/surveys, demo content) follows the closing notice.
    notice, *csat = await operator_says(bot, "/close", forward_id)
    assert "closed your request" in notice.text
    assert any(b.payload.startswith("sv:support_csat:") for r in csat for b in r.buttons)
    assert "closed" in operators(bot)[-1][1].text
    [ticket] = await tickets(bot)
    assert ticket.status == CLOSED and ticket.closed_by == "operator"
    assert ticket.time_to_first_response is not None
    authors = [m.author for m in ticket.transcript]
    assert authors == ["customer", "operator", "customer", "system"]


async def test_customer_closes_and_late_operator_reply_is_kept(bot: BotHarness) -> None:
    await bot.say("/human")
    [(forward_id, _)] = operators(bot)
    closed, *_csat = await bot.say("/close")
    assert "is closed" in closed.text
    assert "closed by the customer" in operators(bot)[-1][1].text
    assert await operator_says(bot, "sorry for the wait!", forward_id) == []
    assert "did not get" in operators(bot)[-1][1].text
    [ticket] = await tickets(bot)
    assert ticket.transcript[-1].text == "sorry for the wait!"
    assert not ticket.transcript[-1].delivered
    [nothing] = await bot.say("/close")
    assert "no open request" in nothing.text


async def test_huge_message_is_kept_whole_and_forwarded_cut(bot: BotHarness) -> None:
    await bot.say("/human")
    huge = "my kettle " * 1000
    assert await bot.say(huge) == []
    assert len(operators(bot)[-1][1].text) < 4096
    [ticket] = await tickets(bot)
    assert ticket.transcript[-1].text == huge.strip()
    assert ticket.status == "open"


async def test_operator_chatter_and_strangers_in_the_group_are_ignored(bot: BotHarness) -> None:
    assert await operator_says(bot, "coffee anyone?", "m999") == []
    assert operators(bot) == []
    await operator_says(bot, "/close", "m999")
    assert "reply /close" in operators(bot)[-1][1].text


async def test_tickets_on_both_databases(database_url: str, support_settings: Settings) -> None:
    settings = support_settings.model_copy(update={"database_url": database_url})
    harness = await support_bot(settings, ScriptedNlu(
        {"you are useless": parse("complaint", 0.9, sentiment=-0.8)}))
    try:
        await harness.say("you are useless")
        [(forward_id, forward)] = operators(harness)
        assert "HIGH PRIORITY" in forward.text
        await operator_says(harness, "So sorry, fixing it now", forward_id)
        [ticket] = await tickets(harness)
        assert (ticket.priority, ticket.status) == (1, WAITING)
        assert ticket.first_response_at is not None
    finally:
        await harness.close()


async def test_an_angry_follow_up_raises_the_ticket(bot: BotHarness, scripted: ScriptedNlu) -> None:
    scripted.script["still nothing?! disgraceful"] = parse("complaint", 0.8, sentiment=-0.9)
    await bot.say("/human")
    assert await bot.say("still nothing?! disgraceful") == []
    assert operators(bot)[-1][1].text.startswith("HIGH PRIORITY · #")
    [ticket] = await tickets(bot)
    assert ticket.priority == 1


async def test_the_trained_model_answers_end_to_end(support_settings: Settings) -> None:
    harness = await support_bot(support_settings, None)
    try:
        [answer] = await harness.say("where is my parcel? it has been a week")
        assert "tracking link" in answer.text
        [person] = await harness.say("I want to talk to a human please")
        assert "ticket #" in person.text
    finally:
        await harness.close()


async def test_off_topic_questions_are_declined_without_a_ticket(bot: BotHarness) -> None:
    replies = await bot.converse(["what's the weather in berlin", "who won the elections"])
    for [reply] in replies:
        assert "can only help with questions about our shop" in reply.text
        assert reply.buttons[-1].payload == "handoff:request"
    assert await tickets(bot) == []
