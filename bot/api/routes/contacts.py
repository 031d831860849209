"""/contacts and /consent: people, their timeline and consent (scope contacts:read)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.contacts import (
    ConsentFilter,
    ContactFilter,
    consent_state,
    list_consent_page,
    list_contacts_page,
)
from bot.api.deps import ContactsReader, Maker, Session
from bot.api.pages import (
    EXPORT_RESPONSES,
    MAX_ID,
    ExportFormat,
    FetchPage,
    Page,
    decode_cursor,
    encode_cursor,
    export_response,
    newest_first,
    one_page,
    page_size,
)
from bot.api.problems import NOT_FOUND, Problem
from bot.api.schemas import (
    ConsentOut,
    ContactDetail,
    ContactOut,
    Cursor,
    Ident,
    Limit,
    Text,
    TimelineEntryOut,
    When,
)
from bot.api.timeline import contact_timeline
from bot.storage.models import Contact

router = APIRouter(tags=["contacts"])
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ContactQuery(BaseModel):
    """Contact filters."""

    channel: Text | None = None
    language: Text | None = None
    source: Text | None = None
    q: Text | None = None
    seen_from: When | None = None
    seen_to: When | None = None


def _contacts(query: ContactQuery) -> FetchPage:
    flt = ContactFilter(**query.model_dump())

    return newest_first(lambda db, before, limit: list_contacts_page(
        db, flt, before_id=before, limit=limit), ContactOut)


@router.get("/contacts", response_model=Page[ContactOut])
async def list_contacts(
    _token: ContactsReader, db: Session, query: Annotated[ContactQuery, Query()],
    cursor: Cursor = None, limit: Limit = 50,
) -> Page[ContactOut]:
    """Contacts newest first."""
    return Page[ContactOut](**await one_page(_contacts(query), db, cursor, limit))


@router.get("/contacts/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_contacts(
    _token: ContactsReader, maker: Maker, query: Annotated[ContactQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Every matching contact, streamed as CSV or JSON Lines."""
    return export_response(maker, _contacts(query), format, ContactOut, "contacts")


async def _contact(db: AsyncSession, contact_id: int) -> Contact:
    contact = await db.get(Contact, contact_id)
    if contact is None:
        raise Problem(404, "Not found", f"no contact {contact_id}")
    return contact


@router.get("/contacts/{contact_id}", response_model=ContactDetail, responses=NOT_FOUND)
async def show_contact(_token: ContactsReader, db: Session, contact_id: ContactId
                       ) -> ContactDetail:
    """A contact and the consent in force now."""
    contact = await _contact(db, contact_id)
    return ContactDetail.model_validate(
        {**ContactOut.model_validate(contact).model_dump(),
         "consent": await consent_state(db, contact_id)})


@router.get("/contacts/{contact_id}/timeline", response_model=Page[TimelineEntryOut],
            responses=NOT_FOUND)
async def timeline(
    _token: ContactsReader, db: Session, contact_id: ContactId, cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[TimelineEntryOut]:
    """Everything that happened with the contact, newest first: messages, tickets, survey
    answers, feedback, beta applications, consent."""
    await _contact(db, contact_id)
    key = decode_cursor(cursor, (datetime, str, int))
    size = page_size(limit)
    entries = await contact_timeline(db, contact_id, after=(key[0], key[1], key[2]) if key
                                     else None, limit=size)
    next_cursor = encode_cursor(*entries[-1].key) if len(entries) == size else None
    return Page[TimelineEntryOut](
        items=[TimelineEntryOut.model_validate(entry) for entry in entries],
        next_cursor=next_cursor)


class ConsentQuery(BaseModel):
    """Consent ledger filters."""

    contact_id: Ident | None = None
    purpose: Text | None = None
    action: Text | None = None
    since: When | None = None
    until: When | None = None


def _consent(query: ConsentQuery) -> FetchPage:
    flt = ConsentFilter(**query.model_dump())

    return newest_first(lambda db, before, limit: list_consent_page(
        db, flt, before_id=before, limit=limit), ConsentOut)


@router.get("/consent", response_model=Page[ConsentOut])
async def list_consent(
    _token: ContactsReader, db: Session, query: Annotated[ConsentQuery, Query()],
    cursor: Cursor = None, limit: Limit = 50,
) -> Page[ConsentOut]:
    """Consent ledger events newest first."""
    return Page[ConsentOut](**await one_page(_consent(query), db, cursor, limit))


@router.get("/consent/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_consent(
    _token: ContactsReader, maker: Maker, query: Annotated[ConsentQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Every matching consent event, streamed as CSV or JSON Lines."""
    return export_response(maker, _consent(query), format, ConsentOut, "consent")
