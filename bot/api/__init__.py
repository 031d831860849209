"""The product team's HTTP API under /api/v1 (issue 11)."""

from __future__ import annotations

import re

from starlette.routing import Mount

from bot.engine.registry import Registry

PREFIX = "/api/v1"


def register(registry: Registry) -> None:
    """Mount the API at /api/v1."""
    from bot.api.app import WithBotState, build_api

    mount = Mount(PREFIX, app=WithBotState(build_api()))
    # Starlette's pattern stops at a newline, so /api/v1/tickets/a%0Ab would fall through to
    # the outer app's plain-text 404; with DOTALL the API answers it with a problem body.
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    registry.route(mount)
