"""Tables of bot.beta: applications to beta campaigns, referral codes and the referrals made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow
from bot.storage.models import Id

APPLIED, ACCEPTED, WAITLISTED, REJECTED = "applied", "accepted", "waitlisted", "rejected"
INVITED, ACTIVE, LEFT = "invited", "active", "left"
STATUSES = (APPLIED, ACCEPTED, WAITLISTED, REJECTED, INVITED, ACTIVE, LEFT)
TAKING_A_PLACE = (ACCEPTED, INVITED, ACTIVE)
"""Statuses that count against a campaign's capacity."""


class BetaApplication(Base):
    """One contact's application to one campaign, from consent to leaving.

    ``contact_id`` is cleared and the contact details and answers emptied when the person
    asks to be forgotten; the row stays so a campaign's counts stay right.
    """

    __tablename__ = "beta_applications"
    __table_args__ = (
        UniqueConstraint("campaign", "contact_id"),
        Index(None, "campaign", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=APPLIED)
    reason: Mapped[str | None] = mapped_column(String(128))
    """Why the status is what it is: the rule that rejected, ``capacity``, ``operator`` …"""
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_version: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(128))
    """The entry link that first brought the contact (attribution)."""
    via: Mapped[str | None] = mapped_column(String(32))
    """How they applied: ``link``, ``command`` or ``promoter``."""
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_at: Mapped[datetime | None]


class ReferralCode(Base):
    """A promoter's personal referral code (one per contact)."""

    __tablename__ = "referral_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), unique=True)
    source: Mapped[str | None] = mapped_column(String(128))
    """The entry link that first brought the promoter."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Referral(Base):
    """A new contact who arrived through a referral code."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("referral_codes.id", ondelete="CASCADE"),
                                         index=True)
    referred_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
