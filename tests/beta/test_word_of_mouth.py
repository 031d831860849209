"""The loop with the other features: an NPS promoter joins the beta; a tester's feedback
carries the campaign."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.beta.invites import queue_invites
from bot.beta.tables import BetaApplication
from bot.feedback.tables import FeedbackItem
from bot.storage.base import utcnow
from tests.beta.test_apply import rows, tap, walk
from tests.harness import BotHarness


async def test_a_promoter_is_offered_the_beta_and_a_referral_link(bot: BotHarness) -> None:
    replies = []
    for answer in ("/survey support_csat", "5", "10", "/skip"):
        replies = await bot.say(answer)
    offer = next(r for r in replies if any(b.payload == "beta:promoter" for b in r.buttons))
    assert "ref:link" in [b.payload for b in offer.buttons]
    [consent] = await bot.say(payload=tap(offer, "Join the beta"))
    assert "Do you agree to this?" in consent.text
    [link] = await bot.say(payload="ref:link")
    assert "/chat?start=r-" in link.text


async def test_a_testers_feedback_carries_the_campaign(bot: BotHarness) -> None:
    await walk(bot)
    async with bot.bot.sessionmaker.begin() as session:
        await queue_invites(session=session, campaign="tasting_box")
    [invitation] = await bot.drain(now=utcnow() + timedelta(seconds=1))
    await bot.say(payload=invitation.buttons[0].payload)
    await bot.say("/feedback the oolong in the first box was too bitter")
    [application] = await rows(bot, select(BetaApplication))
    assert application.status == "active"
    items = await rows(bot, select(FeedbackItem))
    assert items and {item.campaign for item in items} == {"tasting_box"}
