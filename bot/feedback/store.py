"""Storage side of feedback: the context loader, record handlers, erasure and export."""

from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.registry import JobContext, Registry
from bot.engine.types import ContactInfo
from bot.feedback import themes
from bot.feedback.catalog import Catalog
from bot.feedback.classify import STRONG_NEGATIVE, analyse
from bot.feedback.records import (
    ALBUM,
    DUPLICATE,
    HINTED,
    THEME_HINT,
    AttachFeedback,
    CaptureFeedback,
    ClassifyFeedback,
    ThemeHint,
)
from bot.feedback.tables import ERASED, FeedbackItem
from bot.messages import Attachment, Inbound, Kind
from bot.storage.base import utcnow
from bot.storage.events import emit
from bot.support.tickets import CLOSED, Ticket
from nlu.sentiment import polarity
from nlu.text import normalize

REGROUP_JOB = "feedback.regroup"
REGROUP_EVERY = 6 * 3600
"""Live joining only compares concepts; the periodic pass also groups texts without any."""
DUPLICATE_WINDOW = timedelta(days=7)
DEDUPLICATED = frozenset({"command", "detected", "rating"})
"""The same text from the same person within this window is one item, not two."""
ALBUM_WINDOW = timedelta(hours=1)
"""An album's photos arrive as separate updates within seconds; an hour is generous."""
MAX_ATTACHMENTS = 100
"""Per item: a bound on what one person can pile onto one row."""


def register_storage(registry: Registry, catalog: Catalog) -> None:
    """Add the feedback loader, record handlers, hooks, eraser and exporter."""
    registry.on_demand(DUPLICATE, duplicate_of)
    registry.on_demand(THEME_HINT, partial(theme_hint, catalog=catalog))
    registry.loader(load_context)
    registry.record(CaptureFeedback, partial(capture, registry=registry, catalog=catalog))
    registry.record(ClassifyFeedback, classify)
    registry.record(AttachFeedback, attach)
    registry.hook("ticket.opened", partial(on_ticket_opened, registry=registry, catalog=catalog))
    registry.eraser("feedback", erase_contact)
    registry.exporter("feedback", export_contact)
    registry.job(REGROUP_JOB, partial(regroup_job, catalog=catalog),
                 every_seconds=REGROUP_EVERY)


def text_hash(text: str) -> str:
    """Identity of a text for duplicate detection: normalised, so case and spaces don't count."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def _filed_text(message: Inbound) -> str | None:
    """The text a private message would file as feedback (a command's argument), or None."""
    text = (message.text or "").strip()
    if message.kind is not Kind.TEXT or not text or message.chat_type != "private":
        return None
    if text.startswith("/"):
        text = text.partition(" ")[2].strip()
    return text or None


async def duplicate_of(session: AsyncSession, message: Inbound, contact: ContactInfo) -> bool:
    """Whether this text was already filed by the contact (within ``DUPLICATE_WINDOW``):
    asked for only when a turn files feedback (``Feedback.file``), not loaded for every turn."""
    if (text := _filed_text(message)) is None:
        return False
    found = await session.scalar(_duplicates_statement(), {
        "contact": contact.id, "digest": text_hash(text), "since": utcnow() - DUPLICATE_WINDOW})
    return found is not None


@functools.cache
def _duplicates_statement() -> Select[int]:
    """``duplicate_of``'s query, built once."""
    return (select(FeedbackItem.id)
            .where(FeedbackItem.contact_id == bindparam("contact"),
                   FeedbackItem.text_hash == bindparam("digest"),
                   FeedbackItem.created_at >= bindparam("since"))
            .limit(1))


async def load_context(session: AsyncSession, message: Inbound, contact: ContactInfo,
                       context: dict[str, Any]) -> None:
    """The album a photo joins (the theme hint is loaded on demand: ``theme_hint``)."""
    if message.kind is Kind.UNSUPPORTED \
            and (album := await _album(session, contact.id, message)) is not None:
        context[ALBUM] = album


async def theme_hint(session: AsyncSession, message: Inbound, contact: ContactInfo, *,
                     catalog: Catalog) -> ThemeHint | None:
    """The theme a wish or bug report joins and how many others asked for it: asked for only
    when a turn files one (``Feedback._next_steps``). Loaded for every private text before, it
    ran the feedback analysis on each and two queries on each wish."""
    if (text := _filed_text(message)) is None:
        return None
    found = analyse(text[:4096], contact.language, catalog, sentiment=0.0)
    if found.category not in HINTED or not found.concepts:
        return None  # the hint is only told for wishes and bugs
    theme_id = await themes.theme_for(session, found.concepts)
    if theme_id is None:
        return None
    others = await session.scalar(
        select(func.count(func.distinct(FeedbackItem.contact_id)))
        .where(FeedbackItem.theme_id == theme_id, FeedbackItem.contact_id != contact.id))
    return ThemeHint(theme_id, int(others or 0))


async def _album(session: AsyncSession, contact_id: int, message: Inbound) -> str | None:
    """The key of the contact's recent item holding another photo of this message's album."""
    groups = {a.group for a in message.attachments if a.group}
    if not groups:
        return None
    rows = await session.execute(
        select(FeedbackItem.key, FeedbackItem.attachments)
        .where(FeedbackItem.contact_id == contact_id,
               FeedbackItem.created_at >= utcnow() - ALBUM_WINDOW)
        .order_by(FeedbackItem.id.desc()).limit(5))
    for key, stored in rows.all():
        if groups & {a.get("group") for a in stored or () if isinstance(a, dict)}:
            return str(key)
    return None


def stored(attachments: tuple[Attachment, ...], existing: list[Any] | None = None
           ) -> list[dict[str, Any]]:
    """``existing`` plus the new attachments as the table keeps them, each file once."""
    kept = list(existing or [])
    seen = {(a.get("kind"), a.get("file_id")) for a in kept if isinstance(a, dict)}
    for attachment in attachments:
        row = attachment.to_dict()
        if (row["kind"], row["file_id"]) not in seen or not row["file_id"]:
            seen.add((row["kind"], row["file_id"]))
            kept.append(row)
    return kept[:MAX_ATTACHMENTS]


async def _duplicate(session: AsyncSession, contact_id: int, text: str) -> FeedbackItem | None:
    return await session.scalar(
        select(FeedbackItem).where(FeedbackItem.contact_id == contact_id,
                                   FeedbackItem.text_hash == text_hash(text),
                                   FeedbackItem.created_at >= utcnow() - DUPLICATE_WINDOW)
        .limit(1))


async def capture(session: AsyncSession, contact: ContactInfo, record: CaptureFeedback, *,
                  registry: Registry | None = None, catalog: Catalog | None = None) -> None:
    """Store one item in the turn's transaction, join it to a theme, emit feedback.created."""
    existing = await session.scalar(select(FeedbackItem).where(FeedbackItem.key == record.key))
    if existing is not None:  # a rating's comment arrives after the rating
        _update(existing, record)
        if existing.theme_id is None and existing.concepts:
            await themes.assign(session, existing, catalog or Catalog())
        return
    if (record.text and record.origin in DEDUPLICATED
            and await _duplicate(session, contact.id, record.text) is not None):
        return  # sent twice; a survey answer or a ticket keeps its own item and link
    item = FeedbackItem(
        key=record.key[:200], contact_id=contact.id, channel=record.channel,
        language=record.language[:8], source=contact.source, origin=record.origin,
        campaign=await _campaign(session, contact.id, registry), text=record.text,
        text_hash=text_hash(record.text), category=record.category, product=record.product,
        sentiment=polarity(record.sentiment), sentiment_score=record.sentiment,
        rating=record.rating, concepts=dict(record.concepts),
        attachments=stored(record.attachments),
        survey_id=record.survey_id, survey_question=record.survey_question,
        survey_response=record.survey_response,
        ticket_id=await _open_ticket(session, contact.id))
    session.add(item)
    await themes.assign(session, item, catalog or Catalog())
    await session.flush()
    await emit(session, "feedback.created", event(item), contact_id=contact.id)


def _update(item: FeedbackItem, record: CaptureFeedback) -> None:
    if record.text:
        item.text, item.text_hash = record.text, text_hash(record.text)
        item.concepts = dict(record.concepts) or item.concepts
        item.sentiment, item.sentiment_score = polarity(record.sentiment), record.sentiment
    item.category = record.category or item.category
    item.product = record.product or item.product
    item.rating = record.rating if record.rating is not None else item.rating
    if record.attachments:
        item.attachments = stored(record.attachments, item.attachments)


async def _campaign(session: AsyncSession, contact_id: int, registry: Registry | None
                    ) -> str | None:
    """The first campaign a ``feedback.campaign`` hook (the beta feature) names."""
    for hook in registry.hooks_for("feedback.campaign") if registry else ():
        campaign = await hook(session, contact_id)
        if campaign:
            return str(campaign)[:128]
    return None


async def _open_ticket(session: AsyncSession, contact_id: int) -> int | None:
    """The contact's newest unfinished ticket (incl. one opened in this very turn)."""
    await session.flush()
    return await session.scalar(
        select(Ticket.id).where(Ticket.contact_id == contact_id, Ticket.status != CLOSED)
        .order_by(Ticket.id.desc()).limit(1))


def event(item: FeedbackItem) -> dict[str, Any]:
    """The ``feedback.created`` payload: ids and fields a product team filters on."""
    return {"feedback_id": item.id, "category": item.category, "product": item.product,
            "sentiment": item.sentiment, "sentiment_score": item.sentiment_score,
            "language": item.language, "channel": item.channel, "source": item.source,
            "campaign": item.campaign, "origin": item.origin, "theme_id": item.theme_id,
            "ticket_id": item.ticket_id, "survey_id": item.survey_id,
            "survey_response": item.survey_response, "rating": item.rating}


async def classify(session: AsyncSession, contact: ContactInfo, record: ClassifyFeedback) -> None:
    """Apply the customer's follow-up answer to their item."""
    item = await session.scalar(select(FeedbackItem).where(FeedbackItem.key == record.key,
                                                           FeedbackItem.contact_id == contact.id))
    if item is None:
        return
    item.category = record.category or item.category
    item.product = record.product or item.product


async def attach(session: AsyncSession, contact: ContactInfo, record: AttachFeedback) -> None:
    """Add photos or files to the contact's item ``key`` (sent while giving feedback)."""
    item = await session.scalar(select(FeedbackItem).where(FeedbackItem.key == record.key,
                                                           FeedbackItem.contact_id == contact.id))
    if item is not None and not item.erased:
        item.attachments = stored(record.attachments, item.attachments)


async def on_ticket_opened(session: AsyncSession, ticket: Ticket, *,
                           registry: Registry | None = None, catalog: Catalog) -> None:
    """A complaint support handed over is also feedback: file the customer's words."""
    if ticket.reason != "complaint":
        return
    said = [line.text for line in ticket.transcript if line.author == "customer" and line.text]
    if not said:
        return
    text = said[-1]
    earlier = await _duplicate(session, ticket.contact_id, text)
    if earlier is not None:  # filed by /feedback in the same turn: link it to its ticket
        earlier.ticket_id = earlier.ticket_id or ticket.id
        return
    found = analyse(text[:4096], ticket.language, catalog)
    record = CaptureFeedback(
        key=f"ticket:{ticket.ref}", text=text, language=ticket.language, channel=ticket.channel,
        origin="ticket", category="complaint", product=found.product,
        sentiment=min(found.sentiment, STRONG_NEGATIVE), concepts=tuple(found.concepts.items()))
    contact = ContactInfo(ticket.contact_id, ticket.channel, "", ticket.language,
                          source=ticket.source)
    await capture(session, contact, record, registry=registry, catalog=catalog)


async def regroup_job(session: AsyncSession, job: JobContext, *, catalog: Catalog) -> None:
    """Regroup every item people did not place by hand (see ``themes.regroup``)."""
    await themes.regroup(session, catalog)


async def erase_contact(session: AsyncSession, contact_id: int) -> None:
    """/forget: texts and attachments go, the link to the person goes; the counts stay."""
    items = await session.scalars(select(FeedbackItem).where(FeedbackItem.contact_id == contact_id))
    for item in items.all():
        item.text, item.text_hash, item.attachments = ERASED, "", []
        # Source and campaign stay: they are entry links shared by many people, and the
        # counts per source must not change when someone leaves.
        item.erased, item.contact_id = True, None


async def export_contact(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    """/mydata: every feedback item of the contact."""
    items = await session.scalars(select(FeedbackItem).where(FeedbackItem.contact_id == contact_id)
                                  .order_by(FeedbackItem.id))
    return [{"id": i.id, "created_at": i.created_at.isoformat(), "text": i.text,
             "language": i.language, "channel": i.channel, "category": i.category,
             "product": i.product, "sentiment": i.sentiment, "rating": i.rating,
             "origin": i.origin, "source": i.source, "attachments": i.attachments}
            for i in items.all()]
