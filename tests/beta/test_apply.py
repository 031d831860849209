"""Applying to the demo beta end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.beta.tables import BetaApplication
from bot.consent.tables import ConsentEvent
from bot.messages import Kind, Reply
from bot.storage.events import Event
from tests.harness import BotHarness


async def rows(bot: BotHarness, query: Any) -> list[Any]:
    async with bot.bot.sessionmaker() as session:
        return list((await session.scalars(query)).all())


def payload(reply: Reply, starts: str) -> str:
    return next(b.payload for b in reply.buttons if b.payload.startswith(starts))


def tap(reply: Reply, title: str) -> str:
    """The payload of the button titled ``title``."""
    return next(b.payload for b in reply.buttons if b.title == title)


async def apply_via_link(bot: BotHarness, chat: str = "c1") -> Reply:
    [offer] = await bot.say("/start beta-tasting_box", chat=chat, kind=Kind.START,
                            payload="beta-tasting_box")
    return offer


async def walk(bot: BotHarness, *, chat: str = "c1", email: str = "ann@example.org",
               phone: str = "+44 20 7946 0958", often: str = "Every day",
               reviews: str = "Yes", favourite: str = "Darjeeling") -> list[Reply]:
    offer = await apply_via_link(bot, chat)
    [ask_email] = await bot.say(payload=payload(offer, "beta:consent:tasting_box:yes"), chat=chat)
    assert "e-mail" in ask_email.text
    await bot.say(email, chat=chat)
    [q1] = await bot.say(phone, chat=chat)
    assert q1.text.startswith("1/3 · How often")
    [q2] = await bot.say(payload=tap(q1, often), chat=chat)
    await bot.say(payload=tap(q2, reviews), chat=chat)
    return await bot.say(favourite, chat=chat)


async def test_apply_by_link_consent_details_screener_accepted(bot: BotHarness) -> None:
    offer = await apply_via_link(bot)
    assert "Tasting Box" in offer.text and "/leave_beta" in offer.text
    [decision] = await walk(bot)
    assert "accepted" in decision.text
    [application] = await rows(bot, select(BetaApplication))
    assert (application.status, application.email, application.phone) == (
        "accepted", "ann@example.org", "+442079460958")
    assert application.answers == {"how_often": "daily", "reviews": "yes",
                                   "favourite": "Darjeeling"}
    assert application.consent_version == "tasting_box:2026-11-01"
    assert application.source == "beta-tasting_box" and application.via == "link"
    [grant] = await rows(bot, select(ConsentEvent))
    assert (grant.purpose, grant.action, grant.text_version, grant.channel) == (
        "beta", "grant", "tasting_box:2026-11-01", "test")
    [event] = await rows(bot, select(Event).where(Event.name == "beta.applied"))
    assert event.payload["status"] == "accepted" and "email" not in event.payload


async def test_rules_reject_and_capacity_waitlists(bot: BotHarness) -> None:
    [rejected] = await walk(bot, chat="r1", often="Rarely")
    assert "cannot offer you a place" in rejected.text
    [application] = await rows(bot, select(BetaApplication))
    assert application.reason == "rule: question how_often in ['daily', 'weekly']"
    async with bot.bot.sessionmaker.begin() as session:
        for _ in range(50):
            session.add(BetaApplication(campaign="tasting_box", status="accepted",
                                        consent_version="x", channel="test", language="en",
                                        answers={}, contact_id=None))
    offer = await apply_via_link(bot, "w1")
    assert "waiting list" in offer.text
    [waitlisted] = await walk(bot, chat="w1")
    assert "waiting list" in waitlisted.text
    assert await rows(bot, select(func.count()).select_from(BetaApplication)
                      .where(BetaApplication.status == "waitlisted")) == [1]
