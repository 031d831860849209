"""The operator inbox: open tickets, one ticket's transcript, reply and close."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from starlette.responses import Response

from bot.api.tickets import MAX_REPLY, TicketActionError, close_ticket, get_ticket, reply_to_ticket
from bot.dashboard.tables import OPERATOR
from bot.dashboard.web import Ctx, page, problem, redirect
from bot.i18n import N_, is_rtl
from bot.storage.models import Contact
from bot.support.tickets import CLOSED, Ticket, TicketMessage, list_tickets

QUEUE = 200


@dataclass(frozen=True, slots=True)
class Queue:
    """Open tickets with who they are from and what the customer last wrote."""

    tickets: list[Ticket]
    contacts: dict[int, Contact]
    last_words: dict[int, str]


async def _queue(ctx: Ctx) -> Queue:
    tickets = [t for t in await list_tickets(session=ctx.db, status=None, limit=QUEUE)
               if t.status != CLOSED]
    if not tickets:
        return Queue([], {}, {})
    contacts = {c.id: c for c in (await ctx.db.scalars(
        select(Contact).where(Contact.id.in_({t.contact_id for t in tickets})))).all()}
    lines = await ctx.db.execute(
        select(TicketMessage.ticket_id, TicketMessage.text)
        .where(TicketMessage.ticket_id.in_([t.id for t in tickets]),
               TicketMessage.author == "customer").order_by(TicketMessage.id))
    return Queue(tickets, contacts, {ticket_id: text for ticket_id, text in lines.all()})


@page()
async def inbox(ctx: Ctx) -> Response:
    """Open tickets, most urgent first."""
    return ctx.page("inbox.html", title="Inbox", queue=await _queue(ctx), ticket=None,
                    contact=None, notice=ctx.request.query_params.get("notice"))


@page()
async def ticket_page(ctx: Ctx) -> Response:
    """One ticket: facts, transcript, reply box."""
    ticket = await get_ticket(ctx.db, ctx.request.path_params["ref"])
    if ticket is None:
        return _missing(ctx)
    contact = await ctx.db.get(Contact, ticket.contact_id)
    return ctx.page("inbox.html", title="Inbox", queue=await _queue(ctx), ticket=ticket,
                    contact=contact, rtl=is_rtl(ticket.language),
                    notice=ctx.request.query_params.get("notice"))


def _missing(ctx: Ctx) -> Response:
    return problem(ctx.request, 404, N_("No such ticket"),
                   N_("It may have been erased. Pick another one from the inbox."), ctx.who)


def _actor(ctx: Ctx) -> str:
    return f"dashboard:{ctx.who.user.email}"


@page(OPERATOR)
async def reply(ctx: Ctx) -> Response:
    """Send the operator's text to the customer through the outbox."""
    ref = ctx.request.path_params["ref"]
    ticket = await get_ticket(ctx.db, ref)
    if ticket is None:
        return _missing(ctx)
    text = ctx.posted("text")
    if not text.strip():
        return redirect(f"/dashboard/inbox/{ticket.ref}", "empty")
    if len(text.strip()) > MAX_REPLY:
        return redirect(f"/dashboard/inbox/{ticket.ref}", "toolong")
    try:
        await reply_to_ticket(ctx.db, ticket, text, actor=_actor(ctx))
    except TicketActionError:
        return redirect(f"/dashboard/inbox/{ticket.ref}", "already")
    ctx.after_commit(ctx.state.extras.get("sender_wake"))
    return redirect(f"/dashboard/inbox/{ticket.ref}", "replied")


@page(OPERATOR)
async def close(ctx: Ctx) -> Response:
    """Close the ticket; the customer is told and ``ticket.closed`` listeners run."""
    ticket = await get_ticket(ctx.db, ctx.request.path_params["ref"])
    if ticket is None:
        return _missing(ctx)
    try:
        await close_ticket(ctx.db, ticket, actor=_actor(ctx), registry=ctx.registry)
    except TicketActionError:
        return redirect(f"/dashboard/inbox/{ticket.ref}", "already")
    ctx.after_commit(ctx.state.extras.get("sender_wake"))
    return redirect(f"/dashboard/inbox/{ticket.ref}", "closed")
