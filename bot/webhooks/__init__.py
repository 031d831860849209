"""Outbound webhooks, signed per Standard Webhooks, delivered from the durable scheduler."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add the dispatch and delivery jobs."""
