"""Invitations: once each, as broadcasts, only while the beta consent is in force."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.beta.invites import queue_invites
from bot.beta.tables import BetaApplication
from bot.consent.tables import ConsentEvent
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.storage.models import OutboxItem
from tests.beta.test_apply import rows, walk
from tests.harness import BotHarness


async def invite(bot: BotHarness) -> int:
    async with bot.bot.sessionmaker.begin() as session:
        return await queue_invites(session=session, campaign="tasting_box")


async def test_accepted_tester_is_invited_once_joins_and_feedback_carries_the_campaign(
    bot: BotHarness,
) -> None:
    await walk(bot)
    assert await invite(bot) == 1
    [invitation] = await bot.drain(now=utcnow() + timedelta(seconds=1))
    assert "Welcome to the Samovar Tasting Box beta" in invitation.text
    assert invitation.links[0].url.startswith("https://")
    assert await invite(bot) == 0  # never twice
    assert await bot.drain(now=utcnow() + timedelta(seconds=5)) == []
    [outbox] = await rows(bot, select(OutboxItem).where(OutboxItem.bulk.is_(True)))
    assert outbox.status == "sent"
    [joined] = await bot.say(payload=invitation.buttons[0].payload)
    assert "welcome to Samovar Tasting Box beta" in joined.text
    [again] = await bot.say(payload=invitation.buttons[0].payload)
    assert "already testing" in again.text
    [application] = await rows(bot, select(BetaApplication))
    assert application.status == "active" and application.invited_at is not None
    [campaign_of] = bot.bot.registry.hooks_for("feedback.campaign")
    async with bot.bot.sessionmaker() as session:
        assert await campaign_of(session, application.contact_id) == "tasting_box"
        assert await campaign_of(session, 999) is None


async def test_withdrawing_consent_stops_invitations(bot: BotHarness) -> None:
    await walk(bot, chat="a1")
    await walk(bot, chat="b1", email="bob@example.org")
    assert await invite(bot) == 2  # queued for both, not yet sent
    async with bot.bot.sessionmaker.begin() as session:
        # a withdrawal recorded after the invitations were queued (e.g. another channel)
        first = (await session.scalars(select(BetaApplication).order_by(BetaApplication.id)))
        session.add(ConsentEvent(contact_id=first.first().contact_id, purpose="beta",
                                 action="withdraw", channel="test"))
    sent = await bot.drain(now=utcnow() + timedelta(seconds=1))
    assert len(sent) == 1
    statuses = [a.status for a in await rows(bot, select(BetaApplication)
                                             .order_by(BetaApplication.id))]
    assert statuses == ["accepted", "invited"]
    jobs = await rows(bot, select(Job).where(Job.kind == "beta.invite"))
    assert {job.status for job in jobs} == {"done"}


async def test_optout_beta_leaves_and_is_never_invited(bot: BotHarness) -> None:
    await walk(bot)
    [done] = await bot.say("/optout beta")
    assert "we stopped the beta programme" in done.text
    [application] = await rows(bot, select(BetaApplication))
    assert (application.status, application.email, application.phone) == ("left", None, None)
    assert await invite(bot) == 0
    [leave] = await bot.say("/leave_beta")
    assert "not taking part" in leave.text


async def test_leave_beta(bot: BotHarness) -> None:
    await walk(bot)
    [left] = await bot.say("/leave_beta")
    assert "You have left: Samovar Tasting Box beta" in left.text
    [application] = await rows(bot, select(BetaApplication))
    assert application.status == "left"
    [event] = await rows(bot, select(ConsentEvent).where(ConsentEvent.action == "withdraw"))
    assert event.purpose == "beta"
    [back] = await walk(bot)  # rejoining later is a new application on the same row
    assert "accepted" in back.text
