"""The product team's HTTP API under /api/v1 (issue 11)."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add the API's routes."""
