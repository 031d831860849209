"""The product team's HTTP API under /api/v1 (issue 11)."""

from __future__ import annotations

from starlette.routing import Mount

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Mount the API at /api/v1."""
    from bot.api.app import WithBotState, build_api

    registry.route(Mount("/api/v1", app=WithBotState(build_api())))
