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
    export_response,
    newest_first,
    one_page,
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
    return newest_first(lambda db, before, limit: list_audit(
        db, before_id=before, limit=limit, actor=query.actor, action=query.action), AuditOut)


@router.get("/audit", response_model=Page[AuditOut])
async def audit_log(
    _token: Admin, db: Session, query: Annotated[AuditQuery, Query()], cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AuditOut]:
    """Every change made through the API, the dashboard or the CLI, newest first."""
    return Page[AuditOut](**await one_page(_audit(query), db, cursor, limit))


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
    async def rows_before(db: AsyncSession, before: int | None, limit: int) -> Sequence[Event]:
        select_ = select(Event).order_by(Event.id.desc()).limit(limit)
        if before is not None:
            select_ = select_.where(Event.id < before)
        if query.name:
            select_ = select_.where(Event.name == query.name)
        return (await db.scalars(select_)).all()

    return newest_first(rows_before, EventOut)


@router.get("/events", response_model=Page[EventOut])
async def events(
    _token: Admin, db: Session, query: Annotated[EventQuery, Query()], cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[EventOut]:
    """Domain events newest first: what outbound webhooks deliver."""
    return Page[EventOut](**await one_page(_events(query), db, cursor, limit))
