"""Storage side of the beta: the context loader, record handlers, eraser, exporter, hooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.campaign import Campaign, localized
from bot.beta.decide import decide
from bot.beta.records import (
    APPLICATIONS,
    TAKEN,
    JoinBeta,
    SubmitApplication,
)
from bot.beta.tables import (
    ACCEPTED,
    ACTIVE,
    INVITED,
    LEFT,
    REJECTED,
    TAKING_A_PLACE,
    WAITLISTED,
    BetaApplication,
    Referral,
    ReferralCode,
)
from bot.engine.types import ContactInfo
from bot.i18n import N_, gettext
from bot.messages import Inbound, Kind, Reply
from bot.storage.base import utcnow
from bot.storage.events import emit
from bot.storage.inbox import chat_key
from bot.storage.models import OutboxItem

COMMANDS = ("/beta", "/leave_beta")


def _wants(message: Inbound) -> bool:
    if message.kind is Kind.BUTTON:
        return (message.payload or "").startswith("beta:")
    if message.kind is Kind.START:
        return (message.payload or "").startswith("beta-")
    return (message.text or "").strip().lower().startswith(COMMANDS)


async def taken(session: AsyncSession, campaign: str) -> int:
    """Places taken in ``campaign`` (accepted, invited, active)."""
    return int(await session.scalar(
        select(func.count()).select_from(BetaApplication)
        .where(BetaApplication.campaign == campaign,
               BetaApplication.status.in_(TAKING_A_PLACE))) or 0)


async def load_beta(
    session: AsyncSession, message: Inbound, contact: ContactInfo, context: dict[str, Any]
) -> None:
    """The contact's applications and the places taken, for the beta turns only."""
    if message.chat_type != "private" or not _wants(message):
        return
    rows = await session.execute(select(BetaApplication.campaign, BetaApplication.status)
                                 .where(BetaApplication.contact_id == contact.id))
    context[APPLICATIONS] = {campaign: status for campaign, status in rows.all()}
    counts = await session.execute(
        select(BetaApplication.campaign, func.count())
        .where(BetaApplication.status.in_(TAKING_A_PLACE)).group_by(BetaApplication.campaign))
    context[TAKEN] = {campaign: int(n) for campaign, n in counts.all()}


DECISIONS = {
    ACCEPTED: N_("Thank you! You are in: your application to {title} is accepted. We will send "
                 "you an invitation here soon."),
    WAITLISTED: N_("Thank you! All places in {title} are taken, so you are on the waiting list. "
                   "We will write to you here if a place opens."),
    REJECTED: N_("Thank you for applying to {title}. This time we are looking for testers with "
                 "a different profile, so we cannot offer you a place. We will keep you in "
                 "mind."),
}


async def submit(session: AsyncSession, contact: ContactInfo, record: SubmitApplication,
                 campaigns: Mapping[str, Campaign]) -> None:
    """Decide by the rules and the capacity, store the application, answer in the chat."""
    campaign = campaigns.get(record.campaign)
    language = record.language
    existing = await session.scalar(select(BetaApplication).where(
        BetaApplication.campaign == record.campaign, BetaApplication.contact_id == contact.id))
    if campaign is None or (existing is not None and existing.status != LEFT):
        _answer(session, contact, record, gettext(
            language, "You have already applied. Send /beta to see your status."))
        return
    title = localized(campaign.title, language)
    if not campaign.is_open(utcnow()):
        _answer(session, contact, record, gettext(
            language, "Applications for {title} are closed. Thank you for your interest!",
            title=title))
        return
    await _lock(session, campaign.id)
    attributes = {"language": language, "channel": contact.channel, "source": contact.source}
    status, reason = decide(campaign, record.answers, attributes,
                            await taken(session, campaign.id))
    application = existing or BetaApplication(campaign=campaign.id, contact_id=contact.id)
    application.status, application.reason = status, reason
    application.email, application.phone = record.email, record.phone
    application.answers = dict(record.answers)
    application.consent_version, application.via = record.consent_version, record.via
    application.channel, application.language = contact.channel, language
    application.source, application.updated_at = contact.source, utcnow()
    application.applied_at = utcnow()
    session.add(application)
    await session.flush()
    await emit(session, "beta.applied", {
        "application_id": application.id, "campaign": campaign.id, "status": status,
        "channel": contact.channel, "language": language, "source": contact.source,
        "via": record.via, "consent_version": record.consent_version,
    }, contact_id=contact.id)
    _answer(session, contact, record, gettext(language, DECISIONS[status], title=title))


async def _lock(session: AsyncSession, campaign: str) -> None:
    """Two applications to one campaign decide one after the other, so capacity holds.

    PostgreSQL: a transaction-scoped advisory lock per campaign. SQLite writers are serialised
    by the database itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"beta:{campaign}"))))


def _answer(session: AsyncSession, contact: ContactInfo, record: SubmitApplication,
            body: str) -> None:
    """Queue the decision to the chat that applied (a record's reply, in order)."""
    body = f"{record.note}\n\n{body}" if record.note else body
    session.add(OutboxItem(channel=record.channel, account=record.account,
                           chat_id=record.chat_id,
                           chat_key=chat_key(record.channel, record.account, record.chat_id),
                           contact_id=contact.id,
                           reply=Reply(body, language=record.language).to_json()))


async def join(session: AsyncSession, contact: ContactInfo, record: JoinBeta) -> None:
    """Invited → active."""
    await session.execute(
        update(BetaApplication).where(BetaApplication.contact_id == contact.id,
                                      BetaApplication.campaign == record.campaign,
                                      BetaApplication.status == INVITED)
        .values(status=ACTIVE, updated_at=utcnow()).execution_options(synchronize_session=False))


async def consent_withdrawn(session: AsyncSession, contact_id: int, purpose: str) -> None:
    """Withdrawing the beta consent leaves every beta and drops the contact details."""
    if purpose != "beta":
        return
    await session.execute(
        update(BetaApplication)
        .where(BetaApplication.contact_id == contact_id,
               BetaApplication.status.not_in((LEFT, REJECTED)))
        .values(status=LEFT, reason="left", email=None, phone=None, updated_at=utcnow())
        .execution_options(synchronize_session=False))


async def campaign_of_feedback(session: AsyncSession, contact_id: int) -> str | None:
    """The campaign a tester's feedback belongs to: their active (else invited) one."""
    rows = await session.execute(
        select(BetaApplication.campaign, BetaApplication.status)
        .where(BetaApplication.contact_id == contact_id,
               BetaApplication.status.in_((ACTIVE, INVITED)))
        .order_by(BetaApplication.updated_at.desc()))
    found = rows.all()
    active = [campaign for campaign, status in found if status == ACTIVE]
    candidates = active or [campaign for campaign, _ in found]
    return candidates[0] if candidates else None


async def erase(session: AsyncSession, contact_id: int) -> dict[str, int]:
    """Applications keep their campaign and status for the counts, nothing about the person."""
    applications = await session.execute(
        update(BetaApplication).where(BetaApplication.contact_id == contact_id)
        .values(contact_id=None, email=None, phone=None, answers={}, reason=None)
        .execution_options(synchronize_session=False))
    await session.execute(
        update(ReferralCode).where(ReferralCode.contact_id == contact_id)
        .values(contact_id=None).execution_options(synchronize_session=False))
    referrals = await session.execute(
        update(Referral).where(Referral.referred_contact_id == contact_id)
        .values(referred_contact_id=None).execution_options(synchronize_session=False))
    return {"applications": int(applications.rowcount),  # type: ignore[attr-defined]
            "referrals": int(referrals.rowcount)}  # type: ignore[attr-defined]


async def export(session: AsyncSession, contact_id: int) -> dict[str, Any]:
    """The contact's applications and referral code, with the number of friends it brought."""
    applications = await session.scalars(select(BetaApplication)
                                         .where(BetaApplication.contact_id == contact_id)
                                         .order_by(BetaApplication.id))
    code = await session.scalar(select(ReferralCode).where(ReferralCode.contact_id == contact_id))
    friends = 0
    if code is not None:
        friends = int(await session.scalar(select(func.count()).select_from(Referral)
                                           .where(Referral.code_id == code.id)) or 0)
    return {
        "applications": [{"campaign": a.campaign, "status": a.status, "email": a.email,
                          "phone": a.phone, "answers": a.answers,
                          "consent_version": a.consent_version,
                          "applied": a.applied_at.isoformat(timespec="seconds")}
                         for a in applications],
        "referral_code": code.code if code else None,
        "friends_referred": friends if code else None,
    }

