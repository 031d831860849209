"""Consent per purpose: who allowed what, when, on which channel and which text version.

Other features ask :func:`in_force` before inviting or reminding, and filter segments with
:func:`consented`; turns change consent through the :class:`GrantConsent` and
:class:`WithdrawConsent` records, so the ledger changes in the same transaction as the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.tables import ConsentEvent
from bot.engine.registry import Registry
from bot.engine.types import ContactInfo, Record

PURPOSES = ("support", "research", "marketing", "beta", "reminders")
"""research: survey invitations; reminders: a nudge about an unfinished survey or application."""

__all__ = ["PURPOSES", "ConsentEvent", "GrantConsent", "WithdrawConsent", "consented",
           "in_force", "register"]


@dataclass(frozen=True, slots=True)
class GrantConsent(Record):
    """The contact agreed to ``purpose`` as worded in ``text_version``."""

    purpose: str
    text_version: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawConsent(Record):
    """The contact withdrew (or declined, ``action="decline"``) consent for ``purpose``."""

    purpose: str
    action: str = "withdraw"
    text_version: str | None = None


def consented(purpose: str) -> Select[Any]:
    """Ids of contacts whose latest ``purpose`` event is a grant (use in ``IN (...)``)."""
    latest = (select(func.max(ConsentEvent.id))
              .where(ConsentEvent.purpose == purpose)
              .group_by(ConsentEvent.contact_id))
    return select(ConsentEvent.contact_id).where(ConsentEvent.id.in_(latest),
                                                 ConsentEvent.action == "grant")


async def in_force(session: AsyncSession, contact_id: int, purpose: str) -> bool:
    """Whether the contact's latest event for ``purpose`` is a grant."""
    action = await session.scalar(
        select(ConsentEvent.action)
        .where(ConsentEvent.contact_id == contact_id, ConsentEvent.purpose == purpose)
        .order_by(ConsentEvent.id.desc()).limit(1)
    )
    return action == "grant"


async def _grant(session: AsyncSession, contact: ContactInfo, record: GrantConsent) -> None:
    session.add(ConsentEvent(contact_id=contact.id, purpose=record.purpose, action="grant",
                             text_version=record.text_version, channel=contact.channel))


async def _withdraw(session: AsyncSession, contact: ContactInfo, record: WithdrawConsent) -> None:
    session.add(ConsentEvent(contact_id=contact.id, purpose=record.purpose, action=record.action,
                             text_version=record.text_version, channel=contact.channel))


def register(registry: Registry) -> None:
    """Store consent records; /privacy, /optout, /mydata and /forget live here too."""
    registry.record(GrantConsent, _grant)
    registry.record(WithdrawConsent, _withdraw)
