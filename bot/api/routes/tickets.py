"""/tickets: list, export, show, reply, close (scope tickets:write)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.deps import Maker, Session, State, TicketsWriter
from bot.api.pages import (
    EXPORT_RESPONSES,
    ExportFormat,
    FetchPage,
    Page,
    export_response,
    newest_first,
    one_page,
)
from bot.api.problems import CONFLICT, NOT_FOUND, Problem
from bot.api.schemas import (
    Cursor,
    Ident,
    Limit,
    Text,
    TicketDetail,
    TicketOut,
    TicketReplyIn,
    TicketStatus,
    When,
)
from bot.api.tickets import (
    TicketActionError,
    TicketFilter,
    close_ticket,
    get_ticket,
    list_tickets_page,
    reply_to_ticket,
)
from bot.support.tickets import Ticket

router = APIRouter(prefix="/tickets", tags=["tickets"])
Ref = Annotated[str, Path(pattern=r"^#?[0-9][A-Za-z0-9_.-]{0,63}$",
                          description="The ticket's reference as people see it, e.g. 12-1")]


class TicketQuery(BaseModel):
    """Ticket filters."""

    status: TicketStatus | None = None
    channel: Text | None = None
    language: Text | None = None
    source: Text | None = None
    reason: Text | None = None
    contact_id: Ident | None = None
    opened_from: When | None = None
    opened_to: When | None = None

    def to_filter(self) -> TicketFilter:
        """The query layer's filter."""
        return TicketFilter(status=self.status.value if self.status else None,
                            channel=self.channel, language=self.language, source=self.source,
                            reason=self.reason, contact_id=self.contact_id,
                            opened_from=self.opened_from, opened_to=self.opened_to)


def _fetcher(query: TicketQuery) -> FetchPage:
    flt = query.to_filter()

    return newest_first(lambda db, before, limit: list_tickets_page(
        db, flt, before_id=before, limit=limit), TicketOut)


@router.get("", response_model=Page[TicketOut])
async def list_tickets(
    _token: TicketsWriter, db: Session, query: Annotated[TicketQuery, Query()],
    cursor: Cursor = None, limit: Limit = 50,
) -> Page[TicketOut]:
    """Tickets newest first."""
    return Page[TicketOut](**await one_page(_fetcher(query), db, cursor, limit))


@router.get("/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_tickets(
    _token: TicketsWriter, maker: Maker, query: Annotated[TicketQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Every matching ticket, streamed as CSV or JSON Lines."""
    return export_response(maker, _fetcher(query), format, TicketOut, "tickets")


async def _ticket(db: AsyncSession, ref: str) -> Ticket:
    ticket = await get_ticket(db, ref)
    if ticket is None:
        raise Problem(404, "Not found", f"no ticket {ref}")
    return ticket


@router.get("/{ref}", response_model=TicketDetail, responses=NOT_FOUND)
async def show_ticket(_token: TicketsWriter, db: Session, ref: Ref) -> TicketDetail:
    """A ticket with its transcript."""
    return TicketDetail.model_validate(await _ticket(db, ref))


@router.post("/{ref}/reply", response_model=TicketDetail, responses={**NOT_FOUND, **CONFLICT})
async def reply(token: TicketsWriter, db: Session, state: State, ref: Ref,
                body: TicketReplyIn) -> TicketDetail:
    """Send a reply to the customer on the ticket's channel; it joins the transcript."""
    ticket = await _ticket(db, ref)
    try:
        await reply_to_ticket(db, ticket, body.text, actor=token.actor)
    except TicketActionError as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    await db.commit()
    state.extras.get("sender_wake", lambda: None)()
    return TicketDetail.model_validate(await _ticket(db, ref))


@router.post("/{ref}/close", response_model=TicketDetail, responses={**NOT_FOUND, **CONFLICT})
async def close(token: TicketsWriter, db: Session, state: State, ref: Ref) -> TicketDetail:
    """Close the ticket as an operator; the customer is told."""
    ticket = await _ticket(db, ref)
    try:
        await close_ticket(db, ticket, actor=token.actor,
                           registry=state.extras.get("registry"))
    except TicketActionError as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    await db.commit()
    state.extras.get("sender_wake", lambda: None)()
    return TicketDetail.model_validate(await _ticket(db, ref))
