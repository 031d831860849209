"""Invitations: a survey sent to a segment of contacts who consented to research.

:func:`invite` counts (dry run) or schedules one durable job per contact, keyed
``survey-invite:<survey>:<contact>`` so no contact is ever invited twice, spaced to stay under
Telegram's 30 messages a second overall (the sender's bulk limit applies too). Each job
checks again when it runs: consent still in force, Messenger's 24-hour window still open, not
answered meanwhile, no ticket open and no other survey running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent import consented, in_force
from bot.engine.registry import JobContext, Registry
from bot.scheduler import schedule
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.storage.models import Contact
from bot.surveys.model import Survey
from bot.surveys.tables import SurveyAnswer, SurveyResponse

INVITE = "survey.invite"
PER_SECOND = 25
"""Invitations queued per second: under Telegram's 30/s broadcast limit."""
MESSENGER_WINDOW = timedelta(hours=24)
"""Messenger lets a page message a person only within 24 hours of their last message."""
WINDOWED_CHANNELS = frozenset({"messenger"})
KEYS = ("language", "channel", "source", "seen", "answer")


class SegmentError(ValueError):
    """A segment text that cannot be read."""


@dataclass(frozen=True, slots=True)
class Segment:
    """Who to invite. Every field left empty means "anyone"."""

    language: str | None = None
    channel: str | None = None
    source: str | None = None
    seen_within_days: float | None = None
    answers: tuple[tuple[str, str, str], ...] = ()
    """``(survey, question, option)``: contacts who chose that option (any status)."""

    @classmethod
    def parse(cls, text: str) -> Segment:
        """``language=ru,channel=telegram,source=ig,seen=30,answer=survey.question=option``."""
        values: dict[str, Any] = {}
        answers: list[tuple[str, str, str]] = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            key, sep, value = part.partition("=")
            if not sep or key not in KEYS or not value:
                raise SegmentError(f"cannot read {part!r}: use {'=…, '.join(KEYS)}=…")
            if key == "seen":
                try:
                    values["seen_within_days"] = float(value)
                except ValueError:
                    raise SegmentError(f"seen must be a number of days, got {value!r}") from None
            elif key == "answer":
                question, eq, option = value.partition("=")
                survey, dot, question = question.partition(".")
                if not (eq and dot and survey and question and option):
                    raise SegmentError(f"answer must be survey.question=option, got {value!r}")
                answers.append((survey, question, option))
            else:
                values[key] = value
        return cls(**values, answers=tuple(answers))


@dataclass
class InviteReport:
    """What an invitation run found and did."""

    survey_id: str
    dry_run: bool
    matched: int = 0
    """Consenting contacts in the segment."""
    already_invited: int = 0
    already_answered: int = 0
    outside_window: int = 0
    """Messenger contacts silent for over 24 hours (they cannot be messaged)."""
    scheduled: int = 0
    """Invitations queued (or that would be, in a dry run)."""
    contact_ids: list[int] = field(default_factory=list)


def invite_key(survey_id: str, contact_id: int) -> str:
    """The scheduler key that makes an invitation unique per survey and contact."""
    return f"survey-invite:{survey_id}:{contact_id}"


async def segment_contacts(session: AsyncSession, segment: Segment,
                           now: datetime) -> list[Contact]:
    """Contacts in the segment whose research consent is in force."""
    query = select(Contact).where(Contact.id.in_(consented("research"))).order_by(Contact.id)
    if segment.language:
        query = query.where(Contact.language == segment.language)
    if segment.channel:
        query = query.where(Contact.channel == segment.channel)
    if segment.source:
        query = query.where(Contact.source == segment.source)
    if segment.seen_within_days is not None:
        query = query.where(Contact.last_seen >= now - timedelta(days=segment.seen_within_days))
    contacts = list((await session.scalars(query)).all())
    for survey_id, question_id, option in segment.answers:
        chosen = (await session.execute(
            select(SurveyResponse.contact_id, SurveyAnswer.option_ids)
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.survey_id == survey_id, SurveyAnswer.question_id == question_id,
                   SurveyAnswer.superseded.is_(False)))).all()
        who = {contact for contact, options in chosen if option in (options or [])}
        contacts = [c for c in contacts if c.id in who]
    return contacts


def in_window(contact: Contact, now: datetime) -> bool:
    """Whether the platform lets us write to the contact now."""
    return contact.channel not in WINDOWED_CHANNELS or contact.last_seen >= now - MESSENGER_WINDOW


async def invite(session: AsyncSession, survey: Survey, segment: Segment, *, dry_run: bool,
                 now: datetime | None = None) -> InviteReport:
    """Count (``dry_run``) or schedule invitations; the caller commits."""
    now = now or utcnow()
    report = InviteReport(survey.id, dry_run)
    contacts = await segment_contacts(session, segment, now)
    report.matched = len(contacts)
    answered = set((await session.scalars(select(SurveyResponse.contact_id).where(
        SurveyResponse.survey_id == survey.id))).all())
    invited = set((await session.scalars(select(Job.key).where(
        Job.key.startswith(f"survey-invite:{survey.id}:")))).all())
    for contact in contacts:
        if invite_key(survey.id, contact.id) in invited:
            report.already_invited += 1
        elif contact.id in answered and not survey.repeatable:
            report.already_answered += 1
        elif not in_window(contact, now):
            report.outside_window += 1
        else:
            report.contact_ids.append(contact.id)
    for number, contact_id in enumerate(report.contact_ids):
        if not dry_run:
            await schedule(session, INVITE, {"survey_id": survey.id, "contact_id": contact_id},
                           run_at=now + timedelta(seconds=number / PER_SECOND),
                           key=invite_key(survey.id, contact_id))
        report.scheduled += 1
    return report


async def run_invitation(session: AsyncSession, job: JobContext) -> None:
    """One invitation, checked again as it goes out."""
    from bot.surveys.store import start_survey_for_contact

    contact = await session.get(Contact, int(job.payload["contact_id"]))
    if contact is None or not in_window(contact, job.now) \
            or not await in_force(session, contact.id, "research"):
        return
    await start_survey_for_contact(session, contact.id, str(job.payload["survey_id"]),
                                   source="invite", registry=job.registry, bulk=True)


def register_jobs(registry: Registry) -> None:
    """The invitation job handler."""
    registry.job(INVITE, run_invitation)
