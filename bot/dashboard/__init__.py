"""The product team's dashboard at /dashboard (issue 11)."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add the dashboard's routes."""
