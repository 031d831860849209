"""Contacts and their consent records for the API and the dashboard (personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.pages import like_pattern
from bot.consent import PURPOSES, ConsentEvent, in_force
from bot.storage.models import Contact


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """Which contacts a list shows; None means any."""

    channel: str | None = None
    language: str | None = None
    source: str | None = None
    q: str | None = None
    """Part of the display name or platform id."""
    seen_from: datetime | None = None
    seen_to: datetime | None = None


async def list_contacts_page(
    session: AsyncSession, flt: ContactFilter, *, before_id: int | None = None, limit: int = 50
) -> list[Contact]:
    """Contacts newest first (keyset on id)."""
    query = select(Contact).order_by(Contact.id.desc()).limit(limit)
    for column, value in ((Contact.channel, flt.channel), (Contact.language, flt.language),
                          (Contact.source, flt.source)):
        if value is not None:
            query = query.where(column == value)
    if flt.q:
        pattern = like_pattern(flt.q)
        query = query.where(or_(Contact.display_name.ilike(pattern, escape="\\"),
                                Contact.external_id.ilike(pattern, escape="\\")))
    if flt.seen_from is not None:
        query = query.where(Contact.last_seen >= flt.seen_from)
    if flt.seen_to is not None:
        query = query.where(Contact.last_seen < flt.seen_to)
    if before_id is not None:
        query = query.where(Contact.id < before_id)
    return list((await session.scalars(query)).all())


@dataclass(frozen=True, slots=True)
class ConsentFilter:
    """Which consent events a list shows."""

    contact_id: int | None = None
    purpose: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_consent_page(
    session: AsyncSession, flt: ConsentFilter, *, before_id: int | None = None, limit: int = 50
) -> list[ConsentEvent]:
    """Consent ledger events newest first (keyset on id)."""
    query = select(ConsentEvent).order_by(ConsentEvent.id.desc()).limit(limit)
    for column, value in ((ConsentEvent.contact_id, flt.contact_id),
                          (ConsentEvent.purpose, flt.purpose),
                          (ConsentEvent.action, flt.action)):
        if value is not None:
            query = query.where(column == value)
    if flt.since is not None:
        query = query.where(ConsentEvent.created_at >= flt.since)
    if flt.until is not None:
        query = query.where(ConsentEvent.created_at < flt.until)
    if before_id is not None:
        query = query.where(ConsentEvent.id < before_id)
    return list((await session.scalars(query)).all())


async def consent_state(session: AsyncSession, contact_id: int) -> dict[str, bool]:
    """Per purpose: whether the contact's consent is in force now (the ledger's own answer)."""
    return {purpose: await in_force(session, contact_id, purpose) for purpose in PURPOSES}
