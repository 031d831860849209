"""Outbound webhooks, signed per Standard Webhooks, delivered from the durable scheduler."""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add the dispatch (periodic) and delivery jobs."""
    from bot.webhooks.dispatch import DELIVER, DISPATCH_EVERY, deliver, dispatch

    registry.job("webhooks.dispatch", dispatch, every_seconds=DISPATCH_EVERY)
    registry.job(DELIVER, deliver)
