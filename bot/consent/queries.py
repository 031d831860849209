"""What the CLI, the API and the dashboard read about consent and erasures."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.records import SWITCHABLE
from bot.consent.tables import ConsentEvent, Erasure


async def ledger_of(*, session: AsyncSession, contact_id: int) -> list[ConsentEvent]:
    """Every consent event of a contact, oldest first (the ledger is append-only)."""
    rows = await session.scalars(select(ConsentEvent).where(ConsentEvent.contact_id == contact_id)
                                 .order_by(ConsentEvent.id))
    return list(rows.all())


async def in_force_counts(*, session: AsyncSession) -> dict[str, int]:
    """Per purpose: how many contacts' latest event is a grant."""
    latest = (select(func.max(ConsentEvent.id)).group_by(ConsentEvent.contact_id,
                                                         ConsentEvent.purpose))
    rows = await session.execute(
        select(ConsentEvent.purpose, func.count())
        .where(ConsentEvent.id.in_(latest), ConsentEvent.action == "grant")
        .group_by(ConsentEvent.purpose))
    counts = {purpose: 0 for purpose in ("support", *SWITCHABLE)}
    counts.update({purpose: int(n) for purpose, n in rows.all()})
    return counts


async def erasures(*, session: AsyncSession, limit: int = 50) -> list[Erasure]:
    """The erasure log, newest first (no personal data in it)."""
    rows = await session.scalars(select(Erasure).order_by(Erasure.id.desc()).limit(limit))
    return list(rows.all())
