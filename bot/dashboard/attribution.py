"""Which entry links brought people: contacts by their first source (``contacts.source``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Contact


async def contacts_by_source(
    *, session: AsyncSession, since: datetime, until: datetime, limit: int = 10
) -> list[tuple[str | None, int]]:
    """New contacts first seen in [since, until) per source, most first; None = no link."""
    count = func.count().label("people")
    rows = await session.execute(
        select(Contact.source, count)
        .where(Contact.first_seen >= since, Contact.first_seen < until)
        .group_by(Contact.source).order_by(count.desc(), Contact.source).limit(limit))
    return [(source, int(people)) for source, people in rows.all()]
