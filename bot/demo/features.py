"""Demo feedback, survey responses, beta applicants and webhook history, written through the
features' own record handlers (or their tables, where the feature decides inside a chat turn)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo.data import FEEDBACK, SURVEY_REASONS
from bot.engine.types import ContactInfo

if TYPE_CHECKING:
    from bot.demo.seed import Person, Seeded

NPS_SCORES = (10, 9, 8, 10, 6, 9, 7, 10, 3, 9, 10, 5)
CSAT_SCORES = (5, 4, 5, 3, 4, 5, 2, 5, 4, 5, 5, 3)
BETA_STATUSES = ("applied", "accepted", "waitlisted", "invited", "active", "rejected", "applied",
                 "accepted", "active", "applied")


def info(person: Person) -> ContactInfo:
    """The engine's view of a seeded contact, as record handlers expect it."""
    contact = person.contact
    return ContactInfo(contact.id, contact.channel, contact.external_id, person.language,
                       "chosen", contact.display_name, contact.source)


async def seed_feedback(session: AsyncSession, people: list[Person], now: datetime,
                        done: Seeded) -> None:
    """Two feedback items per person, classified and themed by the feedback feature."""
    from bot.feedback.catalog import load_catalog
    from bot.feedback.classify import analyse
    from bot.feedback.records import CaptureFeedback
    from bot.feedback.store import capture
    from bot.feedback.tables import FeedbackItem

    catalog = load_catalog(None)
    for person in people:
        for turn, index in enumerate((person.index, (person.index + 3) % 6)):
            text = FEEDBACK[person.language][index]
            found = analyse(text, person.language, catalog)
            key = f"demo-fb-{person.contact.id}-{turn}"
            await capture(session, info(person), CaptureFeedback(
                key=key, text=text, language=person.language, channel=person.contact.channel,
                origin=("detected", "command")[turn], category=found.category,
                product=found.product, sentiment=found.sentiment,
                concepts=tuple(found.concepts.items())), catalog=catalog)
            item = await session.scalar(select(FeedbackItem).where(FeedbackItem.key == key))
            if item is not None:
                item.created_at = min(now, person.contact.first_seen
                                      + timedelta(days=turn * 9, hours=index))
                await _date_event(session, "feedback.created", "feedback_id", item.id,
                                  item.created_at)
                done.add("feedback items")


async def seed_surveys(session: AsyncSession, people: list[Person], now: datetime,
                       done: Seeded) -> None:
    """Support CSAT/NPS responses (some left halfway) and first answers to the tea survey."""
    from bot.surveys.check import load_catalogue
    from bot.surveys.records import FinishResponse, SaveAnswer, StartResponse
    from bot.surveys.store import ensure_version, finish_response, save_answer, start_response
    from bot.surveys.tables import SurveyResponse

    survey = load_catalogue(None).get("support_csat")
    if survey is None:
        return
    await ensure_version(session, survey)
    questions = {q.id: q for q in survey.questions}
    for number, person in enumerate(people):
        key = f"demo-csat-{person.contact.id}"
        language = person.language
        await start_response(session, info(person), StartResponse(
            key, survey.id, survey.version, language, person.contact.channel,
            person.contact.source, None, first_question="csat"))
        nps = NPS_SCORES[number % len(NPS_SCORES)]
        given = [("csat", CSAT_SCORES[number % len(CSAT_SCORES)], "nps"), ("nps", nps, "reason"),
                 ("reason", SURVEY_REASONS[language][number % 3], None)]
        stop = len(given) - (number % 7 == 3) - (number % 11 == 5)  # a few leave early
        for question_id, value, after in given[:stop]:
            question = questions[question_id]
            await save_answer(session, info(person), SaveAnswer(
                key, survey.id, survey.version, question_id, question.type,
                question.text.get(language, survey.default_language)[0], value, (), False,
                after))
        if stop == len(given):
            await finish_response(session, info(person), FinishResponse(
                key, "completed", "thanks", nps))
        response = await session.scalar(select(SurveyResponse).where(SurveyResponse.key == key))
        if response is not None:
            started = min(now - timedelta(minutes=5), person.contact.first_seen
                          + timedelta(days=1 + number % 3))
            response.started_at = response.last_activity_at = started
            if response.completed_at is not None:
                response.completed_at = started + timedelta(seconds=40 + 7 * number)
                await _date_event(session, "survey.completed", "response_id", response.id,
                                  response.completed_at)
            else:
                response.status = "abandoned"
            done.add("survey responses")


async def _date_event(session: AsyncSession, name: str, key: str, value: int,
                      at: datetime) -> None:
    """Give the event a feature just emitted the demo row's date, so timelines read right."""
    from bot.storage.events import Event

    event = await session.scalar(select(Event).where(Event.name == name)
                                 .order_by(Event.id.desc()).limit(1))
    if event is not None and event.payload.get(key) == value:
        event.created_at = at


async def seed_beta(session: AsyncSession, people: list[Person], now: datetime,
                    done: Seeded) -> None:
    """Applicants to the tasting-box beta in every stage, with their consent."""
    from bot.beta.tables import BetaApplication
    from bot.consent.tables import ConsentEvent

    version = "2026-11-01"
    for number, person in enumerate(p for p in people if p.index % 2 == 0 or p.index == 5):
        status = BETA_STATUSES[number % len(BETA_STATUSES)]
        applied = min(now - timedelta(hours=2), person.contact.first_seen + timedelta(hours=20))
        session.add(ConsentEvent(contact_id=person.contact.id, purpose="beta", action="grant",
                                 text_version=version, channel=person.contact.channel,
                                 created_at=applied))
        session.add(BetaApplication(
            campaign="tasting_box", contact_id=person.contact.id, status=status,
            reason="rules" if status != "rejected" else "screener", consent_version=version,
            channel=person.contact.channel, language=person.language,
            source=person.contact.source, via=("link", "command", "promoter")[number % 3],
            answers={"cups_per_day": str(1 + number % 4)},
            email=f"tester{person.contact.id}@example.com", applied_at=applied,
            updated_at=applied,
            invited_at=applied + timedelta(days=1) if status in ("invited", "active") else None))
        done.add("beta applicants")


async def seed_webhooks(session: AsyncSession, now: datetime, done: Seeded) -> None:
    """A paused endpoint with a week of delivery history (it never calls out)."""
    from bot.storage.events import Event
    from bot.webhooks.endpoints import add_endpoint
    from bot.webhooks.tables import WebhookDelivery

    endpoint, _secret = await add_endpoint(
        session, "https://hooks.example.com/sarafan", events=[],
        description="demo CRM (paused: example.com never answers)", enabled=False)
    events = sorted([event for name in ("feedback.created", "survey.completed")
                     for event in (await session.scalars(
                         select(Event).where(Event.name == name).order_by(Event.id.desc())
                         .limit(6))).all()], key=lambda event: event.created_at)
    for number, event in enumerate(events):
        failed = number % 5 == 4
        at = event.created_at + timedelta(seconds=1)
        session.add(WebhookDelivery(
            endpoint_id=endpoint.id, event_id=event.id, event_name=event.name,
            message_id=f"msg_demo{event.id:06d}", status="failed" if failed else "delivered",
            attempts=8 if failed else 1, next_attempt_at=at, created_at=at,
            last_status_code=503 if failed else 200,
            last_error="Service Unavailable" if failed else None,
            finished_at=at + timedelta(seconds=2 if not failed else 36_000)))
        done.add("webhook deliveries")
