"""/audit and /events: the audit log and the domain events (scope admin)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.deps import Admin, Maker, Session
from bot.api.pages import (
    EXPORT_RESPONSES,
    ExportFormat,
    FetchPage,
    Page,
    decode_cursor,
    encode_cursor,
    export_response,
    page_size,
)
from bot.api.schemas import AuditOut, Cursor, EventOut, Limit, Text
from bot.audit import list_audit
from bot.storage.events import Event

router = APIRouter(tags=["admin"])


class AuditQuery(BaseModel):
    """Audit log filters."""

    actor: Text | None = None
    action: Text | None = None


def _audit(query: AuditQuery) -> FetchPage:
    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[AuditOut], str | None]:
        key = decode_cursor(cursor, (int,))
        rows = await list_audit(db, before_id=key[0] if key else None, limit=limit,
                                actor=query.actor, action=query.action)
        items = [AuditOut.model_validate(row) for row in rows]
        return items, encode_cursor(rows[-1].id) if len(rows) == limit else None

    return fetch


@router.get("/audit", response_model=Page[AuditOut])
async def audit_log(
    _token: Admin, db: Session, query: Annotated[AuditQuery, Query()], cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AuditOut]:
    """Every change made through the API, the dashboard or the CLI, newest first."""
    items, next_cursor = await _audit(query)(db, cursor, page_size(limit))
    return Page[AuditOut](items=list(items), next_cursor=next_cursor)


@router.get("/audit/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_audit(
    _token: Admin, maker: Maker, query: Annotated[AuditQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """The audit log, streamed as CSV or JSON Lines."""
    return export_response(maker, _audit(query), format, AuditOut, "audit")


class EventQuery(BaseModel):
    """Event filters."""

    name: Text | None = None


def _events(query: EventQuery) -> FetchPage:
    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[EventOut], str | None]:
        key = decode_cursor(cursor, (int,))
        select_ = select(Event).order_by(Event.id.desc()).limit(limit)
        if key:
            select_ = select_.where(Event.id < key[0])
        if query.name:
            select_ = select_.where(Event.name == query.name)
        rows = (await db.scalars(select_)).all()
        items = [EventOut.model_validate(row) for row in rows]
        return items, encode_cursor(rows[-1].id) if len(rows) == limit else None

    return fetch


@router.get("/events", response_model=Page[EventOut])
async def events(
    _token: Admin, db: Session, query: Annotated[EventQuery, Query()], cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[EventOut]:
    """Domain events newest first: what outbound webhooks deliver."""
    items, next_cursor = await _events(query)(db, cursor, page_size(limit))
    return Page[EventOut](items=list(items), next_cursor=next_cursor)
