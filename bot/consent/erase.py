"""/forget: erase or anonymise what Sarafan keeps about a contact, in one scheduled job.

The job runs every feature's eraser (``registry.erasers``) and then the core one below, in one
transaction: either all of it is erased or, on an error, nothing is and the scheduler retries.
Counts stay right because rows are emptied and unlinked rather than deleted, except the
conversation state, which is only ever the current dialogue.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.rights import erased_notice
from bot.consent.tables import Erasure
from bot.engine.registry import JobContext, Registry
from bot.messages import Inbound, Reply
from bot.scheduler import schedule
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.storage.events import emit
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, Conversation, InboxItem, MessageLog, OutboxItem
from bot.support.tickets import CLOSED, Ticket, TicketMessage

JOB = "consent.erase"
CORE = "core"
ERASED = "erased"
"""What replaces chat ids and other identifiers in rows that stay for counting."""
FINISHED = ("done", "failed", "sent")
"""Queue rows in these states are history; pending ones are left to be delivered."""


async def request_erasure(
    session: AsyncSession, contact_id: int | None, *, origin: str, now: datetime | None = None
) -> Erasure:
    """Log an erasure request and schedule its job to run now (within the poll interval)."""
    erasure = Erasure(code=secrets.token_hex(8), origin=origin, contact_id=contact_id,
                      status="pending" if contact_id is not None else "done",
                      done_at=None if contact_id is not None else utcnow(), counts={})
    session.add(erasure)
    await session.flush()
    if contact_id is not None:
        await schedule(session, JOB, {"erasure_id": erasure.id}, run_at=now,
                       key=f"erase:{erasure.id}")
    return erasure


async def run_erasure_job(session: AsyncSession, job: JobContext) -> None:
    """The scheduled job: run every eraser, tell the chat, close the log row."""
    erasure = await session.get(Erasure, int(job.payload.get("erasure_id", 0)))
    if erasure is None or erasure.status == "done" or erasure.contact_id is None:
        return
    contact_id = erasure.contact_id
    contact = await session.get(Contact, contact_id)
    chats = await _chats(session, contact_id)
    counts: dict[str, Any] = {}
    for name, eraser in job.registry.erasers.items():
        if name != CORE:
            counts[name] = await eraser(session, contact_id)
    counts[CORE] = await erase_core(session, contact_id)
    language = (contact.language if contact else None) or "en"
    for channel, account, chat_id in chats:
        reply = Reply(erased_notice(language, erasure.code), language=language)
        session.add(OutboxItem(channel=channel, account=account, chat_id=chat_id,
                               chat_key=chat_key(channel, account, chat_id),
                               reply=reply.to_json()))
    # Keep only counts of rows (no ids, no text): the log must hold nothing about the person.
    erasure.counts = {k: v for k, v in counts.items() if isinstance(v, int | dict)}
    erasure.status, erasure.done_at, erasure.contact_id = "done", job.now, None
    await emit(session, "contact.erased", {"erasure_id": erasure.id, "origin": erasure.origin},
               contact_id=contact_id)


async def _chats(session: AsyncSession, contact_id: int) -> list[tuple[str, str | None, str]]:
    """The contact's private chats: on every channel a private chat's id is the user's id.

    A group the contact wrote in (the operators' group) is shared with others and is never
    emptied as a whole; the contact's own rows in it are found by ``contact_id``.
    """
    rows = await session.execute(
        select(Conversation.channel, Conversation.account, Conversation.chat_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.contact_id == contact_id,
               Conversation.chat_id == Contact.external_id))
    return [(channel, account, chat_id) for channel, account, chat_id in rows.all()]


async def erase_core(session: AsyncSession, contact_id: int) -> dict[str, int]:
    """Empty the contact's messages, queue rows, ticket transcripts; anonymise the contact."""
    chats = await _chats(session, contact_id)
    keys = [chat_key(channel, account, chat_id) for channel, account, chat_id in chats]
    pairs = [(channel, chat_id) for channel, _, chat_id in chats]
    refs = await _close_tickets(session, contact_id)
    counts = {
        "tickets": len(refs),
        "messages": await _messages(session, contact_id, pairs, refs),
        "inbox": await _inbox(session, keys),
        "outbox": await _outbox(session, contact_id, keys, refs),
        "jobs": await _jobs(session, contact_id),
    }
    await session.execute(delete(Conversation).where(Conversation.contact_id == contact_id))
    await session.execute(
        update(Contact).where(Contact.id == contact_id)
        .values(display_name=None, external_id=f"{ERASED}-{contact_id}")
        .execution_options(synchronize_session=False))
    await session.execute(
        update(Erasure).where(Erasure.contact_id == contact_id, Erasure.status == "done")
        .values(contact_id=None).execution_options(synchronize_session=False))
    return counts


async def _close_tickets(session: AsyncSession, contact_id: int) -> list[str]:
    tickets = (await session.scalars(select(Ticket).where(Ticket.contact_id == contact_id))).all()
    now = utcnow()
    for ticket in tickets:
        if ticket.status != CLOSED:
            ticket.status, ticket.closed_at, ticket.closed_by = CLOSED, now, "erasure"
        ticket.chat_id, ticket.account = ERASED, None
    ids = [ticket.id for ticket in tickets]
    if ids:
        await session.execute(
            update(TicketMessage).where(TicketMessage.ticket_id.in_(ids)).values(text="")
            .execution_options(synchronize_session=False))
    return [ticket.ref for ticket in tickets]


def _ticket_meta(column: Any, refs: list[str]) -> list[Any]:
    """Rows forwarded to operators carry ``"ticket": ref`` in their JSON, not the contact id."""
    return [cast(column, String).contains(f'"ticket": "{ref}"') for ref in refs]


async def _messages(session: AsyncSession, contact_id: int, pairs: list[tuple[str, str]],
                    refs: list[str]) -> int:
    conditions = [MessageLog.contact_id == contact_id, *_ticket_meta(MessageLog.body, refs)]
    if pairs:
        conditions.append(tuple_(MessageLog.channel, MessageLog.chat_id).in_(pairs))
    result = await session.execute(
        update(MessageLog).where(or_(*conditions))
        .values(text=None, payload=None, body=None, platform_message_id=None, chat_id=ERASED)
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _inbox(session: AsyncSession, keys: list[str]) -> int:
    if not keys:
        return 0
    rows = (await session.scalars(
        select(InboxItem).where(InboxItem.chat_key.in_(keys), InboxItem.status.in_(FINISHED))
    )).all()
    for row in rows:
        blank = Inbound(channel=row.channel, update_id=f"{ERASED}-{row.id}", user_id=ERASED,
                        chat_id=ERASED)
        row.message, row.chat_key, row.error = blank.to_json(), ERASED, None
        # A redelivery of this update after the erasure is a new message, not a duplicate.
        row.update_id = f"{ERASED}-{row.id}"
    return len(rows)


async def _outbox(session: AsyncSession, contact_id: int, keys: list[str],
                  refs: list[str]) -> int:
    conditions = [OutboxItem.contact_id == contact_id, *_ticket_meta(OutboxItem.reply, refs)]
    if keys:
        conditions.append(OutboxItem.chat_key.in_(keys))
    rows = (await session.scalars(
        select(OutboxItem).where(or_(*conditions), OutboxItem.status.in_(FINISHED)))).all()
    for row in rows:
        row.reply, row.error = Reply("").to_json(), None
        row.chat_id, row.chat_key, row.platform_message_id = ERASED, ERASED, None
    return len(rows)


async def _jobs(session: AsyncSession, contact_id: int) -> int:
    """Pending jobs about the contact (reminders, invitations) are cancelled and emptied."""
    pending = (await session.scalars(select(Job).where(Job.status == "pending"))).all()
    mine = [job for job in pending if (job.payload or {}).get("contact_id") == contact_id]
    for job in mine:
        job.status, job.payload, job.finished_at = "cancelled", {}, utcnow()
    return len(mine)


def register_erasure(registry: Registry) -> None:
    """The erasure job and the core eraser (run last by the job)."""
    registry.job(JOB, run_erasure_job)
    registry.eraser(CORE, erase_core)
