"""The automatic decision on an application: the eligibility rules, then the capacity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.beta.campaign import Campaign
from bot.beta.tables import ACCEPTED, REJECTED, WAITLISTED


def failed_rule(campaign: Campaign, answers: Mapping[str, Any],
                contact: Mapping[str, str | None]) -> str | None:
    """The first eligibility rule the applicant does not meet, described; None if all hold."""
    for rule in campaign.eligibility:
        value = answers.get(rule.question) if rule.question else contact.get(rule.contact or "")
        if not rule.holds(value):
            return rule.describe()
    return None


def decide(campaign: Campaign, answers: Mapping[str, Any], contact: Mapping[str, str | None],
           taken: int) -> tuple[str, str]:
    """``(status, reason)``: rejected by a rule, accepted while places last, else waitlisted."""
    rule = failed_rule(campaign, answers, contact)
    if rule is not None:
        return REJECTED, f"rule: {rule}"[:128]
    if taken < campaign.capacity:
        return ACCEPTED, "rules"
    return (WAITLISTED, "capacity") if campaign.waitlist else (REJECTED, "capacity")
