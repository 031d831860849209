"""Tickets for the API and the dashboard's operator inbox: filtered pages, reply, close.

A reply goes to the customer on the ticket's own channel, chat and account (an outbox row,
delivered by the Sender like any reply) and joins the transcript as an operator message; the
change and its audit entry commit together in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.audit import audit
from bot.engine.registry import Registry
from bot.engine.types import ContactInfo
from bot.i18n import gettext
from bot.messages import Reply
from bot.storage.base import utcnow
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, OutboxItem
from bot.support.handoff_records import CloseTicket
from bot.support.handoff_store import close_ticket as store_close
from bot.support.tickets import CLOSED, WAITING, Ticket, TicketMessage

MAX_REPLY = 4000
"""Characters in one operator reply (Telegram's message limit is 4096)."""


class TicketActionError(ValueError):
    """The ticket cannot take this action (closed); ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets a list shows; None means any."""

    status: str | None = None
    channel: str | None = None
    language: str | None = None
    source: str | None = None
    reason: str | None = None
    contact_id: int | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


async def list_tickets_page(
    session: AsyncSession, flt: TicketFilter, *, before_id: int | None = None, limit: int = 50
) -> list[Ticket]:
    """Tickets newest first (keyset on id); ``before_id`` continues a previous page."""
    query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
    for column, value in ((Ticket.status, flt.status), (Ticket.channel, flt.channel),
                          (Ticket.language, flt.language), (Ticket.source, flt.source),
                          (Ticket.reason, flt.reason), (Ticket.contact_id, flt.contact_id)):
        if value is not None:
            query = query.where(column == value)
    if flt.opened_from is not None:
        query = query.where(Ticket.opened_at >= flt.opened_from)
    if flt.opened_to is not None:
        query = query.where(Ticket.opened_at < flt.opened_to)
    if before_id is not None:
        query = query.where(Ticket.id < before_id)
    return list((await session.scalars(query)).all())


async def get_ticket(session: AsyncSession, ref: str) -> Ticket | None:
    """The ticket ``ref`` (with or without ``#``) and its transcript."""
    return await session.scalar(select(Ticket).where(Ticket.ref == ref.lstrip("#"))
                                .options(selectinload(Ticket.transcript))
                                .execution_options(populate_existing=True))


async def reply_to_ticket(
    session: AsyncSession, ticket: Ticket, text: str, *, actor: str,
) -> Ticket:
    """Send ``text`` to the ticket's customer on their channel and add it to the transcript.

    Raises :class:`TicketActionError` for a closed ticket or an empty or too long text. The
    caller commits, then wakes the sender.
    """
    text = text.strip()
    if not text:
        raise TicketActionError("the reply is empty")
    if len(text) > MAX_REPLY:
        raise TicketActionError(f"the reply is longer than {MAX_REPLY} characters")
    if ticket.status == CLOSED:
        raise TicketActionError(f"ticket #{ticket.ref} is closed")
    body = gettext(ticket.language, "Our team: {text}", text=text)
    session.add(OutboxItem(
        channel=ticket.channel, account=ticket.account, chat_id=ticket.chat_id,
        chat_key=chat_key(ticket.channel, ticket.account, ticket.chat_id),
        contact_id=ticket.contact_id,
        reply=Reply(body, language=ticket.language, meta={"ticket": ticket.ref}).to_json(),
    ))
    session.add(TicketMessage(ticket_id=ticket.id, author="operator", text=text, delivered=True))
    if ticket.first_response_at is None:
        ticket.first_response_at = utcnow()
    ticket.status = WAITING
    await audit(session, actor, "ticket.reply", f"ticket:{ticket.ref}", {"characters": len(text)})
    await session.flush()
    return ticket


async def close_ticket(
    session: AsyncSession, ticket: Ticket, *, actor: str, registry: Registry | None = None,
    notify: bool = True,
) -> Ticket:
    """Close the ticket as an operator: the customer is told, ``ticket.closed`` is emitted.

    Uses support's own close (event, hooks such as CSAT), so a close from the API or the
    dashboard is the same as one from the operators' group. Closing twice changes nothing.
    """
    if ticket.status == CLOSED:
        raise TicketActionError(f"ticket #{ticket.ref} is already closed")
    contact = await session.get(Contact, ticket.contact_id)
    info = ContactInfo(ticket.contact_id, ticket.channel, contact.external_id if contact else "",
                       ticket.language, source=ticket.source)
    await store_close(session, info, CloseTicket(ticket.id, "operator"), registry)
    if notify:
        notice = gettext(ticket.language, "Our team has closed your request #{ref}. If you need "
                                          "anything else, just write.", ref=ticket.ref)
        session.add(OutboxItem(
            channel=ticket.channel, account=ticket.account, chat_id=ticket.chat_id,
            chat_key=chat_key(ticket.channel, ticket.account, ticket.chat_id),
            contact_id=ticket.contact_id,
            reply=Reply(notice, language=ticket.language, meta={"ticket": ticket.ref}).to_json(),
        ))
    await audit(session, actor, "ticket.close", f"ticket:{ticket.ref}")
    await session.flush()
    return ticket
