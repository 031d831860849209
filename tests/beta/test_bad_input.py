"""Every bad input of issue 10 for the beta: each gets a polite answer, nothing is lost."""

from __future__ import annotations

from sqlalchemy import select

from bot.beta.tables import BetaApplication
from bot.consent.tables import ConsentEvent
from bot.messages import Kind
from bot.storage.models import Conversation
from tests.beta.test_apply import apply_via_link, payload, rows, tap, walk
from tests.harness import BotHarness


async def test_invalid_email_and_phone_are_asked_again_once_then_left_out(
    bot: BotHarness,
) -> None:
    offer = await apply_via_link(bot)
    await bot.say(payload=payload(offer, "beta:consent:tasting_box:yes"))
    [again] = await bot.say("ann at example dot org")
    assert "name@example.com" in again.text and "e-mail address can we reach" in again.text
    assert [b.title for b in again.buttons] == ["Skip"]
    [phone] = await bot.say("still@not@valid")
    assert "leave it out" in phone.text and "phone number" in phone.text
    [again] = await bot.say("12345")
    assert "country code" in again.text
    [question] = await bot.say(payload=again.buttons[0].payload)  # Skip
    assert question.text.startswith("1/3")
    await bot.say(payload=tap(question, "Every day"))
    [q3] = await bot.say("yes")  # typed where buttons are offered
    [decision] = await bot.say(payload=tap(q3, "Skip"))
    assert "accepted" in decision.text
    [application] = await rows(bot, select(BetaApplication))
    assert (application.email, application.phone) == (None, None)
    assert application.answers == {"how_often": "daily", "reviews": "yes", "favourite": None}


async def test_declined_consent_keeps_only_the_decline(bot: BotHarness) -> None:
    offer = await apply_via_link(bot)
    [declined] = await bot.say(payload=payload(offer, "beta:consent:tasting_box:no"))
    assert "kept nothing" in declined.text
    assert await rows(bot, select(BetaApplication)) == []
    [event] = await rows(bot, select(ConsentEvent))
    assert (event.purpose, event.action, event.text_version) == (
        "beta", "decline", "tasting_box:2026-11-01")
    [conversation] = await rows(bot, select(Conversation))
    assert (conversation.flow, conversation.data) == (None, {})
    [stale] = await bot.say(payload=payload(offer, "beta:consent:tasting_box:yes"))
    assert "no longer active" in stale.text


async def test_applying_twice_and_pressing_twice(bot: BotHarness) -> None:
    await walk(bot)
    [twice] = await bot.say("/beta")
    assert "already applied" in twice.text and "accepted" in twice.text
    again = await apply_via_link(bot)
    assert "already applied" in again.text
    assert len(await rows(bot, select(BetaApplication))) == 1


async def test_consent_button_pressed_twice_and_text_instead_of_a_tap(bot: BotHarness) -> None:
    offer = await apply_via_link(bot)
    [please] = await bot.say("hmm, what?")
    assert "I agree" in please.text and len(please.buttons) == 2
    yes = payload(offer, "beta:consent:tasting_box:yes")
    await bot.say(payload=yes)
    [stale] = await bot.say(payload=yes)
    assert "no longer active" in stale.text
    assert len(await rows(bot, select(ConsentEvent))) == 1


async def test_unknown_campaign_and_stale_answer_buttons(bot: BotHarness) -> None:
    [unknown] = await bot.say("/beta nope")
    assert "don't know that beta" in unknown.text
    [link] = await bot.say("/start beta-nope", kind=Kind.START,
                           payload="beta-nope")
    assert "don't know that beta" in link.text
    [stale] = await bot.say(payload="beta:a:tasting_box:0:1")
    assert "no longer active" in stale.text
    [odd] = await bot.say(payload="beta:a:tasting_box:99:1")
    assert "no longer active" in odd.text


async def test_huge_and_emoji_answers(bot: BotHarness) -> None:
    offer = await apply_via_link(bot)
    await bot.say(payload=payload(offer, "beta:consent:tasting_box:yes"))
    await bot.say("/skip")
    [q1] = await bot.say(payload="beta:skip:tasting_box")
    [again] = await bot.say("🍵🍵🍵")
    assert "1 to 3" in again.text
    await bot.say("2")
    [q3] = await bot.say("yes")
    [long] = await bot.say("x" * 4000)
    assert "3/3" in long.text  # refused with the limit, asked again
    [emoji] = await bot.say("🍵 " * 10)
    assert "emoji alone" in emoji.text
    [decision] = await bot.say("/skip")
    assert "accepted" in decision.text
    assert q1.text.startswith("1/3") and q3.text.startswith("3/3")


async def test_no_application_while_a_ticket_is_open(bot: BotHarness) -> None:
    await bot.say("/human")
    [busy] = await bot.say("/beta")
    assert "talking with our team right now (request #1-1)" in busy.text
    await bot.say("/close")
    [offer] = await bot.say("/beta")
    assert "I agree" in [b.title for b in offer.buttons]
