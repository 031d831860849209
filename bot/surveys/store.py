"""Storage side of surveys: the context loader, record handlers, scheduled jobs (reminder,
abandonment, post-support CSAT), /forget and /mydata, and starting a survey outside a turn."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Row, Select, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent import in_force
from bot.engine.registry import JobContext, Registry
from bot.engine.turns import with_context
from bot.engine.types import ContactInfo, Turn
from bot.messages import Inbound, Kind, Reply
from bot.scheduler import cancel, schedule
from bot.storage.base import utcnow
from bot.storage.bulk import savepoint
from bot.storage.contacts import info_of, save_state, state_of
from bot.storage.events import emit
from bot.storage.models import Contact, Conversation
from bot.storage.outbox import send_to_contact
from bot.support.tickets import CLOSED, Ticket
from bot.surveys.flow import FLOW, Surveys
from bot.surveys.invitations import in_window
from bot.surveys.model import PERSONAL_TYPES, SCALE_TYPES, Survey
from bot.surveys.records import (
    DONE,
    PROMOTER_ASKED,
    FinishResponse,
    PromoterAsked,
    SaveAnswer,
    StartResponse,
    UndoAnswer,
)
from bot.surveys.tables import (
    ABANDONED,
    FINISHED,
    RUNNING,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
)

log = logging.getLogger("sarafan.surveys")
GROUP_CHATS = frozenset({"group", "supergroup"})
REMIND, ABANDON, AFTER_TICKET = "survey.remind", "survey.abandon", "survey.after_ticket"
MAX_DEFERRALS = 20
"""A reminder or abandonment waits again while the respondent is still answering."""
_installed: dict[int, tuple[Registry, Surveys]] = {}
"""The registry and feature of each registry built (by ``id``), for work outside a turn."""


def register_storage(registry: Registry, feature: Surveys) -> None:
    """Add the survey loader, record handlers, jobs, hooks, eraser and exporter."""
    _installed[id(registry)] = (registry, feature)
    registry.on_demand(DONE, finished_surveys)
    registry.on_demand(PROMOTER_ASKED, was_asked_promoter_question)
    registry.record(StartResponse, partial(start_response, feature=feature))
    registry.record(SaveAnswer, save_answer)
    registry.record(UndoAnswer, undo_answer)
    registry.record(FinishResponse, finish_response)
    registry.record(PromoterAsked, promoter_asked)
    registry.job(REMIND, remind)
    registry.job(ABANDON, abandon)
    registry.job(AFTER_TICKET, after_ticket)
    registry.hook("ticket.closed", partial(on_ticket_closed, feature=feature))
    registry.eraser("surveys", erase)
    registry.exporter("surveys", export)


def feature_of(registry: Registry) -> Surveys:
    """The surveys feature registered in ``registry``."""
    return _installed[id(registry)][1]


# Reads before a turn ---------------------------------------------------------------------

async def finished_surveys(session: AsyncSession, message: Inbound, contact: ContactInfo
                           ) -> frozenset[str]:
    """The surveys this contact finished: asked for only when a survey starts or an old
    survey's button is tapped, not read on every turn."""
    return frozenset(row.survey_id for row in await _responses(session, message, contact)
                     if row.status in FINISHED)


async def was_asked_promoter_question(session: AsyncSession, message: Inbound,
                                      contact: ContactInfo) -> bool:
    """Whether this contact was already asked the promoter question: asked for only when a
    survey ends with a promoter's score."""
    return any(row.promoter_asked for row in await _responses(session, message, contact))


async def _responses(session: AsyncSession, message: Inbound, contact: ContactInfo
                     ) -> Sequence[Row[int | None, str, str, bool]]:
    if message.chat_type in GROUP_CHATS:
        return ()
    return (await session.execute(_responses_statement(), {"contact": contact.id})).all()


@functools.cache
def _responses_statement() -> Select[int | None, str, str, bool]:
    """A contact's survey responses, built once."""
    return (select(SurveyResponse.contact_id, SurveyResponse.survey_id, SurveyResponse.status,
                   SurveyResponse.promoter_asked)
            .where(SurveyResponse.contact_id == bindparam("contact")))


# Record handlers -------------------------------------------------------------------------

async def start_response(session: AsyncSession, contact: ContactInfo, record: StartResponse,
                         feature: Surveys | None = None) -> None:
    """A new response, its survey version, and its reminder and abandonment jobs."""
    survey = feature.catalogue.get(record.survey_id) if feature else None
    if survey is not None:
        await ensure_version(session, survey)
    now = utcnow()
    session.add(SurveyResponse(
        key=record.key, survey_id=record.survey_id, version=record.version,
        contact_id=contact.id, channel=record.channel, language=record.language,
        source=(record.source or None) and record.source[:128],
        campaign=(record.campaign or None) and record.campaign[:128], hidden=record.hidden,
        status=RUNNING, current_question=record.first_question, started_at=now,
        last_activity_at=now))
    if survey is not None and survey.reminder_after_hours:
        await schedule(session, REMIND, {"key": record.key, "n": 0},
                       run_at=now + timedelta(hours=survey.reminder_after_hours),
                       key=f"survey-remind:{record.key}")
    abandon_hours = survey.abandon_after_hours if survey is not None else 72
    await schedule(session, ABANDON, {"key": record.key, "n": 0},
                   run_at=now + timedelta(hours=abandon_hours), key=f"survey-abandon:{record.key}")


async def ensure_version(session: AsyncSession, survey: Survey) -> None:
    """Store this version's definition once (two workers may race: the loser's insert rolls
    back only its savepoint)."""
    found = await session.scalar(select(SurveyVersion.id).where(
        SurveyVersion.survey_id == survey.id, SurveyVersion.version == survey.version))
    if found is not None:
        return
    title = survey.title.get(survey.default_language, survey.default_language)[0][:256]
    try:
        async with savepoint(session):
            session.add(SurveyVersion(survey_id=survey.id, version=survey.version, title=title,
                                      definition=survey.model_dump(mode="json", by_alias=True)))
    except IntegrityError:
        log.info("survey %s version %s stored by another worker", survey.id, survey.version)


async def _response(session: AsyncSession, key: str) -> SurveyResponse | None:
    return await session.scalar(select(SurveyResponse).where(SurveyResponse.key == key))


async def save_answer(session: AsyncSession, contact: ContactInfo, record: SaveAnswer) -> None:
    """Store one answer now (partial responses count); an earlier one to the same question
    stops counting, so nothing is counted twice."""
    response = await _response(session, record.key)
    if response is None:
        log.warning("answer for unknown survey response %s dropped", record.key)
        return
    await _supersede(session, response.id, record.question_id)
    value = record.value
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None
    text = value if isinstance(value, str) and not record.option_ids else None
    session.add(SurveyAnswer(
        response_id=response.id, survey_id=record.survey_id, version=record.version,
        question_id=record.question_id, question_type=record.question_type,
        question_text=record.question_text, option_ids=list(record.option_ids), number=number,
        text=text, skipped=record.skipped))
    response.current_question = record.next_question
    response.last_activity_at = utcnow()
    if response.status == ABANDONED:
        response.status = RUNNING


async def _supersede(session: AsyncSession, response_id: int, question_id: str) -> None:
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.response_id == response_id,
                                   SurveyAnswer.question_id == question_id,
                                   SurveyAnswer.superseded.is_(False))
        .values(superseded=True).execution_options(synchronize_session=False))


async def undo_answer(session: AsyncSession, contact: ContactInfo, record: UndoAnswer) -> None:
    """``/back``: the answer no longer counts; the respondent is at that question again."""
    response = await _response(session, record.key)
    if response is None:
        return
    await _supersede(session, response.id, record.question_id)
    response.current_question = record.question_id
    response.last_activity_at = utcnow()


async def finish_response(session: AsyncSession, contact: ContactInfo,
                          record: FinishResponse) -> None:
    """Completed, screened out or cancelled; pending reminders are cancelled; listeners told."""
    response = await _response(session, record.key)
    if response is None or response.status in FINISHED:
        return
    now = utcnow()
    response.status, response.ending = record.status, record.ending
    response.last_activity_at = now
    if record.status in FINISHED:
        response.completed_at, response.current_question = now, None
        await emit(session, "survey.completed", {
            "survey_id": response.survey_id, "version": response.version,
            "response_id": response.id, "status": response.status, "ending": response.ending,
            "channel": response.channel, "language": response.language,
            "source": response.source, "campaign": response.campaign, "nps": record.nps,
            "ticket_id": response.ticket_id,
        }, contact_id=contact.id)
    await cancel(session, f"survey-remind:{record.key}")
    await cancel(session, f"survey-abandon:{record.key}")


async def promoter_asked(session: AsyncSession, contact: ContactInfo,
                         record: PromoterAsked) -> None:
    """Remember the promoter question was asked (it never is again for this contact)."""
    response = await _response(session, record.key)
    if response is not None:
        response.promoter_asked = True


# Outside a turn --------------------------------------------------------------------------

async def _latest_conversation(session: AsyncSession, contact_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.contact_id == contact_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(1))


async def _turn_for(session: AsyncSession, registry: Registry, contact: Contact,
                    conversation: Conversation, payload: str) -> Turn:
    """A turn as if the contact had opened ``payload``: context loaded by every loader; run
    the flow on it with ``with_context``, which loads the on-demand keys it asks for."""
    settings = registry.settings.get("settings")
    language = contact.language or (settings.default_language if settings else "en")
    now = utcnow()
    message = Inbound(channel=conversation.channel, update_id=f"job:{now.isoformat()}",
                      user_id=contact.external_id, chat_id=conversation.chat_id,
                      kind=Kind.START, payload=payload, account=conversation.account)
    info = info_of(contact, language)
    context: dict[str, Any] = {}
    for loader in registry.loaders:
        await loader(session, message, info, context)
    return Turn(message, info, state_of(conversation), now, None, context)


async def start_survey_for_contact(
    session: AsyncSession, contact_id: int, survey_id: str, *, source: str,
    registry: Registry | None = None, ticket_id: int | None = None, bulk: bool = True,
) -> bool:
    """Start ``survey_id`` in the contact's latest chat and queue its first question.

    False (and nothing sent) when the contact has no chat, a ticket is open, another survey is
    running, or they already answered a survey that is not repeatable.
    """
    if registry is None:  # the most recently built bot (one per process in production)
        if not _installed:
            raise RuntimeError("bot.surveys is not registered")
        registry_, feature = next(reversed(_installed.values()))
    else:
        registry_, feature = registry, feature_of(registry)
    contact = await session.get(Contact, contact_id)
    conversation = await _latest_conversation(session, contact_id)
    if contact is None or conversation is None:
        return False
    turn = await _turn_for(session, registry_, contact, conversation,
                           f"survey-{survey_id}-{source}")
    outcome = await with_context(session, registry_, turn, lambda turn: feature.start(
        turn, survey_id, source=source, campaign=None))
    started = next((r for r in outcome.records if isinstance(r, StartResponse)), None)
    if started is None or outcome.state.flow != FLOW:
        return False
    for record in outcome.records:
        handler = registry_.records.get(type(record))
        if handler is not None:
            await handler(session, turn.contact, record)
    await session.flush()
    if ticket_id is not None:
        await session.execute(update(SurveyResponse).where(SurveyResponse.key == started.key)
                              .values(ticket_id=ticket_id)
                              .execution_options(synchronize_session=False))
    save_state(conversation, outcome.state)
    for reply in outcome.replies:
        await send_to_contact(session, contact_id, reply, bulk=bulk)
    return True


# Jobs ------------------------------------------------------------------------------------

async def _defer(session: AsyncSession, kind: str, payload: dict[str, Any],
                 run_at: datetime) -> None:
    n = int(payload.get("n", 0)) + 1
    if n <= MAX_DEFERRALS:
        prefix = "survey-remind" if kind == REMIND else "survey-abandon"
        await schedule(session, kind, {**payload, "n": n}, run_at=run_at,
                       key=f"{prefix}:{payload['key']}:{n}")


async def _open_ticket(session: AsyncSession, contact_id: int) -> bool:
    return bool(await session.scalar(select(exists().where(
        Ticket.contact_id == contact_id, Ticket.status != CLOSED))))


async def remind(session: AsyncSession, job: JobContext) -> None:
    """At most one reminder, only with ``reminders`` consent, only while still unfinished."""
    response = await _response(session, str(job.payload.get("key")))
    if response is None or response.status != RUNNING or response.reminded_at is not None \
            or response.contact_id is None:
        return
    feature = feature_of(job.registry)
    survey = feature.catalogue.get(response.survey_id)
    if survey is None or not survey.reminder_after_hours:
        return
    due = response.last_activity_at + timedelta(hours=survey.reminder_after_hours)
    if due > job.now:
        await _defer(session, REMIND, dict(job.payload), due)
        return
    if not await in_force(session, response.contact_id, "reminders") \
            or await _open_ticket(session, response.contact_id):
        return
    contact = await session.get(Contact, response.contact_id)
    conversation = await _latest_conversation(session, response.contact_id)
    if contact is None or conversation is None or conversation.flow != FLOW \
            or (conversation.data or {}).get("r") != response.key \
            or not in_window(contact, job.now):  # Messenger: only within 24 hours
        return
    turn = await _turn_for(session, job.registry, contact, conversation, "")
    title = survey.title.get(turn.language, survey.default_language)[0]
    from bot.engine.replies import text

    note = Reply(text(turn, "You have not finished the survey “{title}” yet. Your answers so "
                            "far are saved; shall we continue?", title=title),
                 language=turn.language)
    again = await with_context(session, job.registry, turn, lambda turn: feature.start(
        turn, survey.id, source="reminder", campaign=None))
    await send_to_contact(session, response.contact_id, note, bulk=True)
    for reply in again.replies[1:]:  # the current question; the "welcome back" line is skipped
        await send_to_contact(session, response.contact_id, reply, bulk=True)
    response.reminded_at = job.now


async def abandon(session: AsyncSession, job: JobContext) -> None:
    """A response idle past its survey's limit is abandoned; the chat leaves the survey."""
    response = await _response(session, str(job.payload.get("key")))
    if response is None or response.status != RUNNING:
        return
    feature = feature_of(job.registry)
    survey = feature.catalogue.get(response.survey_id)
    hours = survey.abandon_after_hours if survey is not None else 72
    due = response.last_activity_at + timedelta(hours=hours)
    if due > job.now:
        await _defer(session, ABANDON, dict(job.payload), due)
        return
    response.status = ABANDONED
    if response.contact_id is None:
        return
    conversations = (await session.scalars(select(Conversation).where(
        Conversation.contact_id == response.contact_id, Conversation.flow == FLOW))).all()
    for conversation in conversations:
        if (conversation.data or {}).get("r") == response.key:
            save_state(conversation, state_of(conversation).idle())


async def on_ticket_closed(session: AsyncSession, ticket: Ticket,
                           feature: Surveys | None = None) -> None:
    """The per-brand switch: a survey with ``after_ticket: true`` follows a closed ticket."""
    if feature is None:
        return
    survey = next((s for s in feature.catalogue.surveys.values()
                   if s.after_ticket and s.status == "open"), None)
    if survey is None:
        return
    await schedule(session, AFTER_TICKET,
                   {"contact_id": ticket.contact_id, "ticket_id": ticket.id,
                    "survey_id": survey.id},
                   run_at=utcnow() + timedelta(minutes=survey.after_ticket_delay_minutes),
                   key=f"survey-after-ticket:{ticket.id}")


async def after_ticket(session: AsyncSession, job: JobContext) -> None:
    """Start the post-support survey unless a ticket is open or another survey runs."""
    contact_id = int(job.payload["contact_id"])
    contact = await session.get(Contact, contact_id)
    if contact is None or not in_window(contact, job.now) \
            or await _open_ticket(session, contact_id):
        return
    await start_survey_for_contact(session, contact_id, str(job.payload["survey_id"]),
                                   source="support", registry=job.registry,
                                   ticket_id=int(job.payload["ticket_id"]), bulk=False)


# /forget and /mydata ---------------------------------------------------------------------

async def erase(session: AsyncSession, contact_id: int) -> None:
    """Free text, e-mail and phone answers are erased; choices and scores stay, unlinked."""
    ids = select(SurveyResponse.id).where(SurveyResponse.contact_id == contact_id)
    await session.execute(
        update(SurveyAnswer).where(SurveyAnswer.response_id.in_(ids),
                                   SurveyAnswer.question_type.in_(PERSONAL_TYPES))
        .values(text=None, erased=True).execution_options(synchronize_session=False))
    await session.execute(
        update(SurveyResponse).where(SurveyResponse.contact_id == contact_id)
        .values(contact_id=None, hidden={}).execution_options(synchronize_session=False))


async def export(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    """Every survey response of the contact with its answers."""
    responses = (await session.scalars(select(SurveyResponse).where(
        SurveyResponse.contact_id == contact_id).order_by(SurveyResponse.id))).all()
    result = []
    for response in responses:
        answers = (await session.scalars(select(SurveyAnswer).where(
            SurveyAnswer.response_id == response.id, SurveyAnswer.superseded.is_(False))
            .order_by(SurveyAnswer.id))).all()
        result.append({
            "survey": response.survey_id, "version": response.version,
            "status": response.status, "channel": response.channel,
            "language": response.language, "source": response.source,
            "started_at": response.started_at.isoformat(),
            "completed_at": response.completed_at.isoformat() if response.completed_at
            else None,
            "answers": [{"question": a.question_id, "text": a.question_text,
                         "answer": _answer_value(a)} for a in answers],
        })
    return result


def _answer_value(answer: SurveyAnswer) -> Any:
    if answer.skipped:
        return None
    if answer.option_ids:
        return answer.option_ids if answer.question_type == "multiple" \
            else answer.option_ids[0]
    if answer.question_type in SCALE_TYPES or answer.question_type == "number":
        number = answer.number
        return int(number) if number is not None and number.is_integer() else number
    return answer.text
