"""Demand research: chat-native surveys (issue 8). Everything about surveys lives here."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add survey commands, deep links, flows, jobs and storage."""
