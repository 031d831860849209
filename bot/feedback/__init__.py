"""Product feedback a team can count (issue 9). Everything about feedback lives here."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add feedback capture, themes and storage."""
