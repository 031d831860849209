"""The audit log: every change made through the HTTP API or the dashboard (who, what, when).

Both call :func:`audit` in the transaction of the change itself, so an entry exists exactly
when the change committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.tables import AuditEntry

__all__ = ["AuditEntry", "AuditView", "audit", "list_audit"]


async def audit(
    session: AsyncSession, actor: str, action: str, target: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Record that ``actor`` did ``action`` to ``target`` in ``session``'s transaction."""
    session.add(AuditEntry(actor=actor[:160], action=action[:64], target=target[:200],
                           details=dict(details or {})))


@dataclass(frozen=True, slots=True)
class AuditView:
    """One audit entry as the API, dashboard and CLI show it."""

    id: int
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    created_at: datetime


async def list_audit(
    session: AsyncSession, *, before_id: int | None = None, limit: int = 50,
    actor: str | None = None, action: str | None = None,
) -> list[AuditView]:
    """Entries newest first; ``before_id`` continues a previous page (keyset)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    return [AuditView(row.id, row.actor, row.action, row.target, dict(row.details or {}),
                      row.created_at) for row in (await session.scalars(query)).all()]
