"""Consent per purpose, and the customer's rights: /privacy, /optout, /mydata, /forget.

Other features ask :func:`in_force` before inviting or reminding, and filter segments with
:func:`consented`; turns change consent through the :class:`GrantConsent` and
:class:`WithdrawConsent` records, so the ledger changes in the same transaction as the chat.
Events are appended, never overwritten; an erased contact's events stay, anonymous.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.records import GrantConsent, WithdrawConsent
from bot.consent.tables import ConsentEvent
from bot.engine.registry import Registry

PURPOSES = ("support", "research", "marketing", "beta", "reminders")
"""research: survey invitations; reminders: a nudge about an unfinished survey or application."""

__all__ = ["PURPOSES", "ConsentEvent", "GrantConsent", "WithdrawConsent", "consented",
           "in_force", "register"]


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


def register(registry: Registry) -> None:
    """The ledger's records, the privacy commands, the core eraser/exporter, the erasure job."""
    from bot.consent import asked, rights
    from bot.consent.erase import register_erasure
    from bot.consent.export import EXPORT_ROUTE, export_core, send_my_data
    from bot.consent.records import RequestErasure, SendMyData
    from bot.consent.store import erase_requested, grant, load_consent, withdraw

    registry.record(GrantConsent, grant)
    registry.record(WithdrawConsent, partial(withdraw, registry=registry))
    registry.record(RequestErasure, erase_requested)
    registry.record(SendMyData, partial(send_my_data, registry=registry))
    registry.loader(load_consent)
    registry.command("privacy", rights.privacy_view, "what we keep about you, and your choices")
    registry.text("consent.asked", asked.in_words, priority=asked.PRIORITY)
    registry.command("optout", rights.optout, "stop surveys, news, reminders or the beta")
    registry.command("mydata", rights.mydata, "get a copy of your data")
    registry.command("forget", rights.forget, "erase your data")
    registry.button(rights.NAMESPACE, rights.button)
    registry.exporter("core", export_core)
    registry.route(EXPORT_ROUTE)
    register_erasure(registry)
    messenger = getattr(registry.settings.get("settings"), "messenger", None)
    if messenger is not None and messenger.app_secret is not None:
        from bot.channels.messenger_deletion import routes

        for route in routes():
            registry.route(route)
