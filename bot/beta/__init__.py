"""Beta testers and advocates: campaigns from content files, applications, referral links.

People apply by deep link ``beta-<campaign>``, with ``/beta``, or from the NPS promoter's
button; they agree to the campaign's consent text (its version is kept in the consent ledger),
leave an e-mail and phone (each skippable), answer the screener, and are accepted by the rules
until the capacity is reached, then waitlisted. Invitations go out through the scheduler as
broadcasts, only while the beta consent is in force.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.beta.flow import Beta
    from bot.beta.referrals import Links
    from bot.engine.registry import Registry
    from bot.engine.types import Turn
    from bot.messages import Button


def _links(settings: Any) -> Links:
    from bot.beta.referrals import Links

    if settings is None:
        return Links()
    # Without ``telegram.bot_username`` there is no t.me link to give (web and m.me links remain).
    username = (settings.telegram.bot_username or "").lstrip("@") or None
    pages = settings.messenger.pages
    return Links(telegram_bot=username, messenger_page=pages[0].page_id if pages else None)


def _promoter_buttons(turn: Turn, _survey_id: str, beta: Beta) -> tuple[Button, ...]:
    """The NPS promoter's next steps: join a beta (if one is open), get a referral link."""
    from bot.beta.flow import NS
    from bot.engine.replies import text
    from bot.messages import Button

    buttons = [Button(text(turn, "Get my referral link"), "ref:link")]
    if beta.open_campaigns(turn):
        buttons.insert(0, Button(text(turn, "Join the beta"), f"{NS}:promoter"))
    return tuple(buttons)


def register(registry: Registry) -> None:
    """Add campaigns, applications, invitations, referral links and their storage."""
    # Imported here so `sarafan beta ...` (which loads this package) starts fast.
    from bot.beta import store
    from bot.beta.flow import NS, Beta
    from bot.beta.invites import JOB, send_invite
    from bot.beta.loader import load_campaigns, verify_campaigns
    from bot.beta.records import (
        FLOW,
        AttributeReferral,
        CreateReferralCode,
        JoinBeta,
        SubmitApplication,
    )
    from bot.beta.referrals import PREFIX, arrived, attribute, create_code, load_code
    from bot.consent.store import WITHDRAWN_HOOK

    settings = registry.settings.get("settings")
    content_dir = getattr(settings, "content_dir", None)
    default_language = getattr(settings, "default_language", "en")
    if settings is not None:
        verify_campaigns(content_dir, default_language, settings.content_errors)
    campaigns = load_campaigns(content_dir, default_language)
    beta = Beta(campaigns, default_language)
    links = _links(settings)
    registry.command("beta", beta.apply_command, "join our beta programme")
    registry.command("leave_beta", beta.leave, "leave the beta programme")
    registry.command("referral", links.show, "get a link to recommend us to friends")
    # /skip belongs to surveys; during an application it skips the beta's step instead.
    registry.commands["skip"] = partial(beta.skip_command, fallback=registry.commands.get("skip"))
    registry.start_payload("beta", beta.link)
    registry.start_payload(PREFIX, arrived)
    registry.button(NS, beta.button)
    registry.button("ref", links.button)
    registry.flow(FLOW, beta.flow)
    registry.loader(store.load_beta)
    registry.loader(load_code)
    registry.record(SubmitApplication, partial(store.submit, campaigns=campaigns))
    registry.record(JoinBeta, store.join)
    registry.record(CreateReferralCode, create_code)
    registry.record(AttributeReferral, attribute)
    registry.job(JOB, partial(send_invite, campaigns=campaigns))
    registry.hook(WITHDRAWN_HOOK, store.consent_withdrawn)
    registry.hook("survey.promoter", partial(_promoter_buttons, beta=beta))
    registry.hook("feedback.campaign", store.campaign_of_feedback)
    registry.eraser("beta", store.erase)
    registry.exporter("beta", store.export)
