"""Storage side of consent: the context loader and the ledger's record handlers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.erase import request_erasure
from bot.consent.records import (
    ERASING,
    LEDGER,
    ConsentView,
    GrantConsent,
    RequestErasure,
    WithdrawConsent,
)
from bot.consent.tables import ConsentEvent, Erasure
from bot.engine.registry import Registry
from bot.engine.types import ContactInfo
from bot.messages import Inbound, Kind

COMMANDS = ("/privacy", "/optout", "/forget")
NAMESPACES = ("privacy:",)
WITHDRAWN_HOOK = "consent.withdrawn"
"""Hook ``async fn(session, contact_id, purpose)`` run when a purpose is withdrawn."""


def _wants_ledger(message: Inbound) -> bool:
    """Only the turns that show or change consent pay for reading the ledger."""
    if message.kind is Kind.BUTTON:
        return (message.payload or "").startswith(NAMESPACES)
    return (message.text or "").strip().lower().startswith(COMMANDS)


async def ledger(session: AsyncSession, contact_id: int) -> dict[str, ConsentView]:
    """The contact's latest event per purpose."""
    latest = (select(func.max(ConsentEvent.id)).where(ConsentEvent.contact_id == contact_id)
              .group_by(ConsentEvent.purpose))
    rows = await session.scalars(select(ConsentEvent).where(ConsentEvent.id.in_(latest)))
    return {row.purpose: ConsentView(row.action, row.text_version, row.created_at, row.channel)
            for row in rows}


async def load_consent(
    session: AsyncSession, message: Inbound, contact: ContactInfo, context: dict[str, Any]
) -> None:
    """The ledger and whether an erasure is under way, for the privacy and beta turns."""
    if message.chat_type != "private" or not _wants_ledger(message):
        return
    context[LEDGER] = await ledger(session, contact.id)
    context[ERASING] = bool(await session.scalar(
        select(Erasure.id).where(Erasure.contact_id == contact.id, Erasure.status == "pending")))


async def grant(session: AsyncSession, contact: ContactInfo, record: GrantConsent) -> None:
    """Append a grant."""
    session.add(ConsentEvent(contact_id=contact.id, purpose=record.purpose, action="grant",
                             text_version=record.text_version, channel=contact.channel))


async def withdraw(
    session: AsyncSession, contact: ContactInfo, record: WithdrawConsent, registry: Registry
) -> None:
    """Append a withdrawal or decline; features that act on it (beta) are told."""
    session.add(ConsentEvent(contact_id=contact.id, purpose=record.purpose, action=record.action,
                             text_version=record.text_version, channel=contact.channel))
    for hook in registry.hooks_for(WITHDRAWN_HOOK):
        await hook(session, contact.id, record.purpose)


async def erase_requested(session: AsyncSession, contact: ContactInfo,
                          _record: RequestErasure) -> None:
    """Log the request and schedule the erasure to run now."""
    await request_erasure(session, contact.id, origin="chat")
