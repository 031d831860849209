"""What the privacy commands read from context and ask storage to do: plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.engine.types import Record

LEDGER = "consent.ledger"
"""Context key: ``{purpose: ConsentView}``, the contact's latest event per purpose."""
ERASING = "consent.erasing"
"""Context key: True while an erasure of this contact is waiting to run."""

SWITCHABLE = ("research", "marketing", "beta", "reminders")
"""Purposes the customer switches in /privacy; ``support`` is what answering them needs."""
PRIVACY_VERSION = "privacy-2026-12-01"
"""The version of the /privacy texts a grant from its switches agrees to."""


@dataclass(frozen=True, slots=True)
class ConsentView:
    """The latest consent event of one purpose."""

    action: str
    text_version: str | None
    at: datetime
    channel: str | None

    @property
    def granted(self) -> bool:
        """Whether this event leaves the purpose allowed."""
        return self.action == "grant"


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


@dataclass(frozen=True, slots=True)
class RequestErasure(Record):
    """The contact confirmed /forget: erase them within a minute (a scheduled job)."""


@dataclass(frozen=True, slots=True)
class SendMyData(Record):
    """/mydata: collect everything kept about the contact and send it to this chat."""

    channel: str
    chat_id: str
    account: str | None
    language: str
