"""Beta testers and advocates: campaigns and referrals (issue 10)."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add beta campaigns, applications and referral links."""
