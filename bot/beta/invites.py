"""Inviting accepted testers: one scheduled job each, sent as a broadcast, consent checked last."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.campaign import Campaign, localized
from bot.beta.tables import ACCEPTED, INVITED, BetaApplication
from bot.consent import consented, in_force
from bot.engine.registry import JobContext
from bot.i18n import gettext
from bot.messages import Button, Link, Reply
from bot.scheduler import schedule
from bot.storage.models import Contact
from bot.storage.outbox import send_to_contact

JOB = "beta.invite"


def invite_key(application_id: int) -> str:
    """One invitation per application, ever."""
    return f"beta-invite:{application_id}"


async def invitable(*, session: AsyncSession, campaign: str,
                    limit: int | None = None) -> list[BetaApplication]:
    """Accepted applications whose contact's beta consent is in force, oldest first."""
    query = (select(BetaApplication)
             .where(BetaApplication.campaign == campaign, BetaApplication.status == ACCEPTED,
                    BetaApplication.contact_id.in_(consented("beta")))
             .order_by(BetaApplication.applied_at, BetaApplication.id))
    return list((await session.scalars(query.limit(limit) if limit else query)).all())


async def queue_invites(*, session: AsyncSession, campaign: str, limit: int | None = None,
                        now: datetime | None = None) -> int:
    """Schedule an invitation job for each invitable application; how many were new."""
    queued = 0
    for application in await invitable(session=session, campaign=campaign, limit=limit):
        queued += await schedule(session, JOB, {"application_id": application.id,
                                                "contact_id": application.contact_id},
                                 run_at=now, key=invite_key(application.id))
    return queued


def invitation(campaign: Campaign, language: str) -> Reply:
    """The invitation message with the campaign's link and the "I'm in" button."""
    links = (Link(gettext(language, "Open the beta page"), campaign.invite.url),) \
        if campaign.invite.url else ()
    return Reply(localized(campaign.invite.text, language),
                 buttons=(Button(gettext(language, "I'm in"), f"beta:join:{campaign.id}"),),
                 links=links, language=language)


async def send_invite(session: AsyncSession, job: JobContext,
                      campaigns: Mapping[str, Campaign]) -> None:
    """Send one invitation if the application is still accepted and consent still in force."""
    application = await session.get(BetaApplication, int(job.payload.get("application_id", 0)))
    if application is None or application.status != ACCEPTED or application.contact_id is None:
        return
    campaign = campaigns.get(application.campaign)
    if campaign is None or not await in_force(session, application.contact_id, "beta"):
        return  # withdrawn since it was queued: no invitation
    contact = await session.get(Contact, application.contact_id)
    language = (contact.language if contact else None) or application.language
    if await send_to_contact(session, application.contact_id, invitation(campaign, language),
                             bulk=True):
        application.status, application.invited_at = INVITED, job.now
        application.updated_at = job.now
