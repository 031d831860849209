"""What the beta flows read from context and ask storage to write: plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.engine.types import Record

APPLICATIONS = "beta.applications"
"""Context key: ``{campaign id: status}`` of the contact's applications."""
TAKEN = "beta.taken"
"""Context key: ``{campaign id: places taken}`` (accepted, invited or active)."""
REFERRAL_CODE = "beta.referral_code"
"""Context key: ``(code, is_new)``, the contact's referral code or a fresh unused one."""
FLOW = "beta"


@dataclass(frozen=True, slots=True)
class SubmitApplication(Record):
    """A finished application; storage decides accepted / waitlisted / rejected and answers."""

    campaign: str
    consent_version: str
    via: str
    channel: str
    chat_id: str
    account: str | None
    language: str
    email: str | None = None
    phone: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    """Said before the decision (e.g. why a detail was left out)."""


@dataclass(frozen=True, slots=True)
class JoinBeta(Record):
    """An invited tester confirmed: invited → active."""

    campaign: str


@dataclass(frozen=True, slots=True)
class CreateReferralCode(Record):
    """Keep the promoter's new referral code."""

    code: str


@dataclass(frozen=True, slots=True)
class AttributeReferral(Record):
    """The contact arrived through referral ``code``; attributed if they are new."""

    code: str
