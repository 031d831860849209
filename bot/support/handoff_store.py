"""Storage side of support: context loaders (reads before a turn) and record handlers (writes)."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import CompoundSelect, Select, bindparam, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.registry import JobContext, Registry
from bot.engine.types import ContactInfo
from bot.messages import Inbound
from bot.scheduler import cancel, schedule
from bot.storage.base import padded, utcnow
from bot.storage.events import emit
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.outbox import send_to_contact
from bot.support.handoff import quiet_offer
from bot.support.handoff_records import (
    RECENT,
    REPLY_TICKET,
    TICKET,
    TICKET_COUNT,
    AddToTicket,
    CloseTicket,
    OpenTicket,
    RateAnswer,
    TicketView,
)
from bot.support.tickets import CLOSED, AnswerRating, Ticket, TicketMessage

log = logging.getLogger(__name__)
QUIET_JOB = "handoff.quiet"
"""The job offering the bot again when operators stay quiet; keyed ``handoff.quiet:<id>``."""
QUIET_MINUTES = 15
"""Without settings (pure tests): the ``handoff_quiet_minutes`` default."""

RECENT_MESSAGES = 8
"""How much of the conversation an operator sees when a ticket opens."""
GROUP_CHATS = frozenset({"group", "supergroup"})


def register_storage(registry: Registry) -> None:
    """Add the support loaders and record handlers to ``registry``."""
    registry.loader(load_customer_context, many=load_customer_contexts)
    registry.on_demand(RECENT, load_recent)
    registry.loader(load_reply_ticket)
    registry.record(OpenTicket, partial(open_ticket, registry=registry))
    registry.record(AddToTicket, add_to_ticket)
    registry.record(CloseTicket, partial(close_ticket, registry=registry))
    registry.record(RateAnswer, rate_answer)
    registry.hook("ticket.opened", partial(on_ticket_opened, registry=registry))
    registry.job(QUIET_JOB, quiet_job)


def _quiet_key(ticket_id: int) -> str:
    return f"{QUIET_JOB}:{ticket_id}"


async def on_ticket_opened(session: AsyncSession, ticket: Ticket, registry: Registry) -> None:
    """No operators' group: say so loudly. Either way, plan the offer to answer again."""
    settings = registry.settings.get("settings")
    if settings is None or settings.telegram.operators_chat_id is None:
        # No customer text here: the log is no place for personal data.
        log.warning("ticket #%s opened (channel %s, reason %s) and no operators' group is set: "
                    "answer with `sarafan tickets reply` or the dashboard inbox",
                    ticket.ref, ticket.channel, ticket.reason)
    minutes = settings.handoff_quiet_minutes if settings is not None else QUIET_MINUTES
    if minutes > 0:
        await schedule(session, QUIET_JOB, {"ticket_id": ticket.id},
                       run_at=utcnow() + timedelta(minutes=minutes), key=_quiet_key(ticket.id))


async def quiet_job(session: AsyncSession, job: JobContext) -> None:
    """Still open with no operator reply: offer the customer the bot again (or to keep waiting)."""
    ticket = await session.get(Ticket, int(job.payload.get("ticket_id", 0)))
    if ticket is None or ticket.status == CLOSED or ticket.first_response_at is not None:
        return
    answered = await session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.author == "operator"))
    if answered:
        return
    await send_to_contact(session, ticket.contact_id, quiet_offer(ticket.ref, ticket.language))


def view(ticket: Ticket) -> TicketView:
    """The pure flows' view of a ticket row."""
    return TicketView(ticket.id, ticket.ref, ticket.status, ticket.channel, ticket.chat_id,
                      ticket.account, ticket.language)


async def load_customer_context(
    session: AsyncSession, message: Inbound, contact: ContactInfo, context: dict[str, Any]
) -> None:
    """The contact's open ticket in this chat and its ticket count."""
    context.update((await load_customer_contexts(session, [(message, contact.id)]))[0])


async def load_customer_contexts(
    session: AsyncSession, turns: Sequence[tuple[Inbound, int]]
) -> list[dict[str, Any]]:
    """``load_customer_context`` for many turns: one query in all, not one each. The recent
    messages a new ticket forwards are loaded only when one opens (``load_recent``)."""
    found: list[dict[str, Any]] = [{} for _ in turns]
    private = [(i, message, contact_id) for i, (message, contact_id) in enumerate(turns)
               if message.chat_type not in GROUP_CHATS]
    if not private:
        return found
    contact_ids = {contact_id for _, _, contact_id in private}
    tickets = (await session.execute(_tickets_statement(),
                                     {"contacts": sorted(contact_ids)})).all()
    for i, message, contact_id in private:
        mine = [t for t in tickets if t.contact_id == contact_id]
        open_here = max((t for t in mine if t.chat_id == message.chat_id and t.status != CLOSED),
                        key=lambda t: t.id, default=None)
        found[i] = {
            TICKET: TicketView(open_here.id, open_here.ref, open_here.status, open_here.channel,
                               open_here.chat_id, open_here.account, open_here.language)
            if open_here is not None else None,
            TICKET_COUNT: len(mine),
        }
    return found


async def load_recent(session: AsyncSession, message: Inbound, _contact: ContactInfo
                      ) -> tuple[tuple[str, str], ...]:
    """The chat's last ``RECENT_MESSAGES`` texts, oldest first, as ``(author, text)``: what
    a ticket opened in a private chat forwards. Asked for by ``Handoff.open`` only: a query
    on every turn before (at a steady rate, one in each group's ~14 statements)."""
    if message.chat_type in GROUP_CHATS:
        return ()
    chat = (message.channel, message.chat_id)
    return (await _recent_messages(session, {chat})).get(chat, ())


async def _recent_messages(
    session: AsyncSession, chats: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """The last ``RECENT_MESSAGES`` log rows of each chat (their texts, oldest first): one
    query of one bounded index scan per chat, so a long history costs nothing more."""
    if not chats:
        return {}
    ordered = padded(sorted(chats))
    values = {f"{name}{n}": value for n, chat in enumerate(ordered)
              for name, value in zip(("channel", "chat"), chat, strict=True)}
    rows = (await session.execute(_recent_statement(len(ordered)), values)).all()
    recent: dict[tuple[str, str], list[tuple[str, str]]] = {}
    unique = {int(row.id): row for row in rows}  # a padded chat's rows come twice
    for _, row in sorted(unique.items()):
        if row.text:
            recent.setdefault((row.channel, row.chat_id), []).append(
                ("customer" if row.direction == "in" else "bot", row.text))
    return {chat: tuple(texts) for chat, texts in recent.items()}


@functools.cache
def _tickets_statement() -> Select[int, str, str, str, str, str | None, str, int]:
    """The tickets of a group's contacts, built once (it runs for every group of turns)."""
    return (select(Ticket.id, Ticket.ref, Ticket.status, Ticket.channel, Ticket.chat_id,
                   Ticket.account, Ticket.language, Ticket.contact_id)
            .where(Ticket.contact_id.in_(bindparam("contacts", expanding=True))))


@functools.cache
def _recent_statement(chats: int) -> CompoundSelect[Any]:
    """``_recent_messages``' query for ``chats`` chats (a power of two: ``padded``), built
    once per count: each chat's newest rows by the (channel, chat_id, id) index, no more.
    A window over the chats' rows (session 6) numbered every message of their history."""
    newest = [select(MessageLog.id, MessageLog.channel, MessageLog.chat_id,
                     MessageLog.direction, MessageLog.text)
              .where(MessageLog.channel == bindparam(f"channel{n}"),
                     MessageLog.chat_id == bindparam(f"chat{n}"))
              .order_by(MessageLog.id.desc()).limit(RECENT_MESSAGES)
              .subquery().select()  # SQLite takes a LIMIT in a compound's part only so
              for n in range(chats)]
    return union_all(*newest)


async def load_reply_ticket(
    session: AsyncSession, message: Inbound, contact: ContactInfo, context: dict[str, Any]
) -> None:
    """For a group reply to a forwarded ticket message: that ticket."""
    if message.chat_type not in GROUP_CHATS or not message.reply_to_message_id:
        return
    forwarded = await session.scalar(
        select(OutboxItem).where(OutboxItem.channel == message.channel,
                                 OutboxItem.chat_id == message.chat_id,
                                 OutboxItem.platform_message_id == message.reply_to_message_id)
    )
    ref = json.loads(forwarded.reply).get("meta", {}).get("ticket") if forwarded else None
    ticket = await session.scalar(select(Ticket).where(Ticket.ref == ref)) if ref else None
    context[REPLY_TICKET] = view(ticket) if ticket else None


async def open_ticket(
    session: AsyncSession, contact: ContactInfo, record: OpenTicket,
    registry: Registry | None = None,
) -> None:
    """Store a new ticket with the conversation that led to it; tell whoever listens."""
    ticket = Ticket(ref=record.ref, contact_id=contact.id, channel=record.channel,
                    account=record.account, chat_id=record.chat_id, language=record.language,
                    priority=record.priority, reason=record.reason, source=contact.source)
    ticket.transcript = [TicketMessage(author=author, text=text)
                         for author, text in record.transcript]
    session.add(ticket)
    await session.flush()
    await emit(session, "ticket.opened", _event(ticket), contact_id=contact.id)
    for hook in registry.hooks_for("ticket.opened") if registry else ():
        await hook(session, ticket)


def _event(ticket: Ticket) -> dict[str, Any]:
    return {"ticket_id": ticket.id, "ref": ticket.ref, "channel": ticket.channel,
            "language": ticket.language, "priority": ticket.priority, "reason": ticket.reason,
            "status": ticket.status, "source": ticket.source}


async def add_to_ticket(session: AsyncSession, contact: ContactInfo, record: AddToTicket) -> None:
    """Append to the transcript; an operator's first delivered reply stamps the response time."""
    ticket = await session.get(Ticket, record.ticket_id)
    if ticket is None:
        return
    session.add(TicketMessage(ticket_id=ticket.id, author=record.author, text=record.text,
                              delivered=record.delivered))
    if record.author == "operator" and record.delivered and ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
    if record.status and ticket.status != CLOSED:
        ticket.status = record.status
    if record.priority is not None:
        ticket.priority = max(ticket.priority, record.priority)


async def close_ticket(
    session: AsyncSession, contact: ContactInfo, record: CloseTicket,
    registry: Registry | None = None,
) -> None:
    """Close a ticket once; closing it again changes nothing. Listeners (CSAT) are told."""
    ticket = await session.get(Ticket, record.ticket_id)
    if ticket is None or ticket.status == CLOSED:
        return
    ticket.status, ticket.closed_at, ticket.closed_by = CLOSED, utcnow(), record.by
    await cancel(session, _quiet_key(ticket.id))
    session.add(TicketMessage(ticket_id=ticket.id, author="system",
                              text=f"closed by {record.by}"))
    await emit(session, "ticket.closed", {**_event(ticket), "closed_by": record.by},
               contact_id=ticket.contact_id)
    for hook in registry.hooks_for("ticket.closed") if registry else ():
        await hook(session, ticket)


async def rate_answer(session: AsyncSession, contact: ContactInfo, record: RateAnswer) -> None:
    """Store a rating; rating the same answer again changes the verdict (👍 👍 👎 is one 👎)."""
    answer = (record.answer_message or "")[:128]
    existing = await session.scalar(select(AnswerRating).where(
        AnswerRating.contact_id == contact.id, AnswerRating.entry_id == record.entry_id,
        AnswerRating.answer_message == answer))
    if existing is None:
        session.add(AnswerRating(contact_id=contact.id, entry_id=record.entry_id,
                                 language=record.language, helpful=record.helpful,
                                 answer_message=answer))
    else:
        existing.helpful, existing.language = record.helpful, record.language

