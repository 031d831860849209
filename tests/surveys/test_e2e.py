"""Surveys end to end: a real bot on SQLite and PostgreSQL (migrated database, workers,
scheduler, outbox), answers stored as given, restart mid-survey, CSAT after a ticket,
reminders, abandonment, erasure and results read back through the query functions."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.consent.tables import ConsentEvent
from bot.messages import Kind, Reply
from bot.storage.base import utcnow
from bot.storage.events import Event
from bot.storage.models import Contact
from bot.support.kb.loader import BUNDLED
from bot.support.tickets import Ticket
from bot.surveys.results import Filters, list_responses, list_surveys, survey_results
from bot.surveys.tables import SurveyAnswer, SurveyResponse
from tests.harness import BotHarness, make_harness


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, environment="test", _env_file=None)  # type: ignore[call-arg]


async def start(url: str) -> BotHarness:
    harness = await make_harness(settings_for(url))
    harness.bot.processor.nlu = None  # surveys do not need the NLU; keeps the tests fast
    return harness


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotHarness]:
    harness = await start(database_url)
    yield harness
    await harness.close()


def button(reply: Reply, title: str) -> str:
    return next(b.payload for b in reply.buttons if b.title.endswith(title))


async def rows(bot: BotHarness, model: Any) -> list[Any]:
    async with bot.bot.sessionmaker() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def test_discovery_survey_end_to_end(bot: BotHarness) -> None:
    intro, first = await bot.say(payload="survey-tea_discovery-ig-spring", kind=Kind.START)
    assert "tea habits" in intro.text and first.text.startswith("1/10")
    [cups] = await bot.say(payload=button(first, "Green tea"))
    assert "How many cups of Green tea a day?" in cups.text
    [where] = await bot.say("3")
    await bot.say(payload=button(where, "Tea shop"))
    [ticked] = await bot.say(payload=button(where, "Online shop"))
    assert "Selected: Tea shop, Online shop" in ticked.text
    [fmt] = await bot.say(payload=button(ticked, "Done ✔"))
    [_price] = await bot.say(payload=button(fmt, "Loose leaf"))
    [again, _] = await bot.say("a lot")
    assert "Please type a number" in again.text
    [why] = await bot.say("25")
    assert "€25 per 100 g" in why.text
    [_rise] = await bot.say("Fresh harvest dates")
    await bot.say("4")
    [tasting] = await bot.say("Tasting notes in Russian")
    [_email] = await bot.say(payload=button(tasting, "Yes"))
    [thanks] = await bot.say("ann@example.org")
    assert "Thank you!" in thanks.text
    [response] = await rows(bot, SurveyResponse)
    assert (response.status, response.source, response.campaign, response.channel) == (
        "completed", "ig", "spring", "test")
    answers = [a for a in await rows(bot, SurveyAnswer) if not a.superseded]
    assert [a.question_id for a in answers] == ["drink", "cups", "where_buy", "format", "price",
                                                "premium_why", "price_rise", "miss", "tasting",
                                                "email"]
    assert answers[0].question_text == "What do you drink most often?"
    assert answers[2].option_ids == ["specialty", "online"]
    [event] = [e for e in await rows(bot, Event) if e.name == "survey.completed"]
    assert event.payload["survey_id"] == "tea_discovery" and event.payload["status"] == "completed"
    async with bot.bot.sessionmaker() as session:
        results = await survey_results(session, "tea_discovery")
        summaries = await list_surveys(session)
        page = await list_responses(session, "tea_discovery", Filters(channel="test"))
    assert results is not None and (results.responses, results.completed) == (1, 1)
    drink = next(q for q in results.questions if q.id == "drink")
    assert [(o.id, o.count, o.percent) for o in drink.options if o.count] == [("green", 1, 100.0)]
    assert next(q for q in results.questions if q.id == "miss").texts == [
        "Tasting notes in Russian"]
    assert next(s for s in summaries if s.id == "tea_discovery").completed == 1
    assert page.items[0].answers["where_buy"] == ["specialty", "online"]
    [pressed_again] = await bot.say(payload=button(tasting, "Yes"))
    assert "already answered" in pressed_again.text
    assert len(await rows(bot, SurveyAnswer)) == len(answers)


async def test_screen_out_and_second_attempt(bot: BotHarness) -> None:
    _, _first = await bot.say("/survey tea_discovery")
    [out] = await bot.say("6")
    assert "tea and coffee drinkers" in out.text
    [already] = await bot.say("/survey tea_discovery")
    assert "already answered" in already.text
    [response] = await rows(bot, SurveyResponse)
    assert response.status == "screened_out"


async def test_resume_after_a_restart_mid_survey(database_url: str) -> None:
    first = await start(database_url)
    try:
        _, question = await first.say(payload="survey-tea_discovery", kind=Kind.START)
        old_tap = button(question, "Black tea")
        await first.say(payload=old_tap)
        await first.say("2")
    finally:
        await first.close()
    second = await start(database_url)  # a new process on the same database
    try:
        [stale, current] = await second.say(payload=old_tap)
        assert "already answered" in stale.text and current.text.startswith("3/10")
        [welcome, same] = await second.say("/survey tea_discovery")
        assert "Welcome back" in welcome.text and same.text.startswith("3/10")
        [cancelled] = await second.say("/cancel")
        assert "stopped" in cancelled.text
        async with second.bot.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(SurveyAnswer))
            status = await session.scalar(select(SurveyResponse.status))
            results = await survey_results(session, "tea_discovery")
        assert (count, status) == (2, "cancelled")
        assert results is not None
        where = next(q for q in results.questions if q.id == "where_buy")
        assert (where.reached, where.dropped) == (1, 1)
    finally:
        await second.close()


async def test_commands_mid_survey_keep_the_answers(bot: BotHarness) -> None:
    _, _first = await bot.say(payload="survey-tea_discovery", kind=Kind.START)
    await bot.say("1")
    await bot.say("/help")
    [unknown] = await bot.say("/forgetme")
    assert "/forgetme" in unknown.text
    [where] = await bot.say("2")
    assert where.text.startswith("3/10")
    [back] = await bot.say("/back")
    assert back.text.startswith("2/10")
    await bot.say("1")
    answers = await rows(bot, SurveyAnswer)
    assert [(a.question_id, a.superseded) for a in answers] == [
        ("drink", False), ("cups", True), ("cups", False)]


async def test_csat_after_a_closed_ticket_and_detractor_ticket(bot: BotHarness) -> None:
    await bot.say("/human")
    [closed, intro, csat] = await bot.say("/close")
    assert "is closed" in closed.text and "How did we do?" in intro.text
    assert next(b.title for b in csat.buttons) == "😠 1"
    [nps] = await bot.say(payload=csat.buttons[1].payload)
    assert len(nps.buttons) == 11
    [reason] = await bot.say(payload=button(nps, "3"))
    assert "your score of 3" in reason.text
    replies = await bot.say("The parcel came late")
    assert "Thank you!" in replies[0].text and "ticket #" in replies[-1].text
    tickets = await rows(bot, Ticket)
    assert [(t.reason, t.priority) for t in tickets] == [("request", 0), ("survey_detractor", 1)]
    [response] = await rows(bot, SurveyResponse)
    assert response.ticket_id == tickets[0].id and response.source == "support"
    [busy] = await bot.say("/survey tea_discovery")
    assert "open conversation with our team" in busy.text


async def consent(bot: BotHarness, purpose: str, contact_id: int = 1) -> None:
    async with bot.bot.sessionmaker() as session:
        session.add(ConsentEvent(contact_id=contact_id, purpose=purpose, action="grant",
                                 channel="test"))
        await session.commit()


async def test_one_reminder_then_abandoned(bot: BotHarness) -> None:
    await bot.say(payload="survey-tea_discovery", kind=Kind.START)
    await bot.say("1")
    await consent(bot, "reminders")
    assert await bot.drain(now=utcnow() + timedelta(hours=1)) == []
    nudge = await bot.drain(now=utcnow() + timedelta(hours=25))
    assert "not finished" in nudge[0].text and nudge[1].text.startswith("2/10")
    assert await bot.drain(now=utcnow() + timedelta(hours=26)) == []
    assert await bot.drain(now=utcnow() + timedelta(hours=73)) == []
    [response] = await rows(bot, SurveyResponse)
    assert response.status == "abandoned" and response.reminded_at is not None
    [gone] = await bot.say("2")
    assert "2/10" not in gone.text  # the chat left the survey
    [again] = await bot.say(payload=button(nudge[1], "Two or three"))
    assert "not running any more" in again.text


async def test_no_reminder_without_consent(bot: BotHarness) -> None:
    await bot.say(payload="survey-tea_discovery", kind=Kind.START)
    assert await bot.drain(now=utcnow() + timedelta(hours=25)) == []
    [response] = await rows(bot, SurveyResponse)
    assert response.reminded_at is None


async def test_forget_erases_texts_and_unlinks_choices(bot: BotHarness) -> None:
    await bot.say("/survey support_csat")
    await bot.say("5")
    await bot.say("10")
    await bot.say("My phone is +44 20 7946 0958")
    registry = bot.bot.registry
    async with bot.bot.sessionmaker() as session:
        exported = await registry.exporters["surveys"](session, 1)
        assert exported[0]["answers"][2]["answer"] == "My phone is +44 20 7946 0958"
        await registry.erasers["surveys"](session, 1)
        await session.commit()
        assert await registry.exporters["surveys"](session, 1) == []
        answers = (await session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id))).all()
        assert [a.text for a in answers] == [None, None, None]
        assert [a.number for a in answers[:2]] == [5.0, 10.0] and answers[2].erased
        assert await session.scalar(select(SurveyResponse.contact_id)) is None
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1


async def test_forget_mid_survey_keeps_the_survey_until_confirmed(bot: BotHarness) -> None:
    await bot.say(payload="survey-tea_discovery", kind=Kind.START)
    await bot.say("1")
    [ask] = await bot.say("/forget")
    assert ask.buttons, ask.text
    [where] = await bot.say("2")  # not confirmed: the survey goes on
    assert where.text.startswith("3/10")
    [ask] = await bot.say("/forget")
    await bot.say(payload=ask.buttons[0].payload)
    await bot.drain()
    [response] = await rows(bot, SurveyResponse)
    assert response.contact_id is None
    assert [(a.question_id, a.option_ids) for a in await rows(bot, SurveyAnswer)] == [
        ("drink", ["black"]), ("cups", ["few"])]
    [after] = await bot.say("1, 2")
    assert "3/10" not in after.text  # the chat left the survey


CHANGED = """\
id: tea_discovery
title: {en: Tea v2}
questions:
  - id: drink
    type: single
    text: {en: "Which tea do you drink most?"}
    options:
      - {id: black, label: {en: Black}}
      - {id: green, label: {en: Green}}
      - {id: white, label: {en: White}}
  - id: cups
    type: number
    text: {en: "Cups a day?"}
"""


async def test_a_new_version_mid_response_and_results_merge_by_id(
    database_url: str, tmp_path: Path
) -> None:
    first = await start(database_url)
    try:
        _, question = await first.say(payload="survey-tea_discovery", kind=Kind.START)
        old_tap = button(question, "Black tea")
        await first.say("2")  # green, in version 1
    finally:
        await first.close()
    shutil.copytree(BUNDLED / "kb", tmp_path / "content" / "kb")  # the same FAQ, a new survey
    (tmp_path / "content" / "surveys").mkdir(parents=True)
    (tmp_path / "content" / "surveys" / "tea.yml").write_text(CHANGED, encoding="utf-8")
    settings = settings_for(database_url)
    settings.content_dir = tmp_path / "content"
    second = await make_harness(settings)
    second.bot.processor.nlu = None
    try:
        [note, current] = await second.say(payload=old_tap)
        assert "updated" in note.text and current.text.startswith("2/2 · Cups a day?")
        [done] = await second.say("3")
        assert "Thank you" in done.text
        await second.say("/survey tea_discovery", chat="c2")
        await second.say("Green", chat="c2")
        async with second.bot.sessionmaker() as session:
            results = await survey_results(session, "tea_discovery")
            summary = next(s for s in await list_surveys(session) if s.id == "tea_discovery")
        assert results is not None
        drink = next(q for q in results.questions if q.id == "drink")
        assert [(o.id, o.label, o.count) for o in drink.options] == [
            ("black", "Black", 0), ("green", "Green", 2), ("white", "White", 0),
            ("herbal", "Herbal infusions", 0), ("oolong", "Oolong or puerh", 0),
            ("coffee", "Mostly coffee", 0), ("none", "No hot drinks", 0)]
        cups = [q for q in results.questions if q.id.startswith("cups")]
        assert {q.id for q in cups} == {"cups", next(q.id for q in cups if "@" in q.id)}
        assert len(summary.versions) == 2
        answers = await rows(second, SurveyAnswer)
        assert [a.question_text for a in answers] == [
            "What do you drink most often?", "Cups a day?", "Which tea do you drink most?"]
    finally:
        await second.close()
