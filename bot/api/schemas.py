"""Response and request bodies of the API; the OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bot.api.pages import MAX_ID, aware

NO_NUL = r"^[^\x00]*$"
"""Every text parameter: PostgreSQL can neither store nor compare a NUL character."""
Text = Annotated[str, Field(max_length=200, pattern=NO_NUL)]
"""A free-text filter: bounded, and without NUL (PostgreSQL refuses it)."""
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    """Only RFC 3339 date-times with a zone (pydantic alone would take numbers and dates)."""
    if not isinstance(value, str):
        return value
    match = RFC3339.fullmatch(value)
    if match is None:
        raise ValueError("not an RFC 3339 date-time such as 2026-12-01T09:30:00Z")
    if match.group(1) == "60":  # a leap second: the second before it is close enough
        value = value[:match.start(1)] + "59" + value[match.end(1):]
    return value


When = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(aware)]
"""An RFC 3339 date-time with its zone, e.g. ``2026-12-01T09:30:00Z``."""
Ident = Annotated[int, Field(ge=1, le=MAX_ID)]
Limit = Annotated[int, Field(ge=1, description="Page size; values above 500 are capped to 500")]
Cursor = Annotated[str | None, Field(max_length=400,
                                     description="`next_cursor` of the previous page")]


class Out(BaseModel):
    """Responses are read from ORM rows and dataclasses."""

    model_config = ConfigDict(from_attributes=True)


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    open = "open"
    waiting = "waiting"
    closed = "closed"


class TicketOut(Out):
    """A handed-over conversation (no message text: see the ticket itself)."""

    id: int
    ref: str
    contact_id: int
    channel: str
    language: str
    status: str
    priority: int
    reason: str
    source: str | None
    opened_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None


class TicketMessageOut(Out):
    """One line of a ticket's transcript."""

    id: int
    author: str
    text: str
    delivered: bool
    created_at: datetime


class TicketDetail(TicketOut):
    """A ticket with its transcript."""

    transcript: list[TicketMessageOut]


class TicketReplyIn(BaseModel):
    """An operator's reply to the customer."""

    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=NO_NUL)]


class ContactOut(Out):
    """A person on one channel (personal data: needs contacts:read)."""

    id: int
    channel: str
    external_id: str
    display_name: str | None
    language: str | None
    source: str | None
    first_seen: datetime
    last_seen: datetime


class ContactDetail(ContactOut):
    """A contact with the consent in force now, per purpose."""

    consent: dict[str, bool]


class ConsentOut(Out):
    """One grant, withdrawal or refusal in the consent ledger."""

    id: int
    contact_id: int
    purpose: str
    action: str
    text_version: str | None
    channel: str | None
    created_at: datetime


class TimelineEntryOut(Out):
    """Something that happened with a contact, in any of the four jobs."""

    at: datetime
    source: str
    id: int
    kind: str
    summary: str
    data: dict[str, Any]


class AuditOut(Out):
    """Who changed what, when."""

    id: int
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    created_at: datetime


class EventOut(Out):
    """A domain event (what webhooks deliver)."""

    id: int
    name: str
    contact_id: int | None
    payload: dict[str, Any]
    created_at: datetime
