"""The Starlette application: web chat, health, and whatever routes channels add."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.outage import RETRY_AFTER_SECONDS, is_outage, outage_log
from bot.web import chat
from bot.web.headers import SecurityHeaders
from bot.web.state import AppState

READY_TIMEOUT = 3.0
"""Seconds ``/readyz`` waits for the database; a probe's own timeout is usually 5 s."""


async def health(_request: Request) -> Response:
    """Liveness: the process answers. It stays 200 during a database outage, so an
    orchestrator does not restart a healthy process that only waits for its database."""
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    """Readiness: 200 while the database answers, 503 (with Retry-After) while it does not."""
    state: AppState = request.app.state.sarafan
    outages = outage_log(state.sessionmaker)
    try:
        async with state.sessionmaker() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), timeout=READY_TIMEOUT)
    except Exception as exc:
        if not is_outage(exc):
            raise
        outages.failed(exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    outages.reached()
    return JSONResponse({"status": "ready"})


async def home(_request: Request) -> Response:
    """The root goes to the web chat."""
    return RedirectResponse("/chat")


def create_http_app(state: AppState, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """The ASGI app serving the chat page, its API and channel webhooks, every response with
    the security headers of its area."""
    routes: list[BaseRoute] = [Route("/", home), Route("/healthz", health),
                               Route("/readyz", ready), *chat.routes]
    settings = state.extras.get("settings")
    ancestors = getattr(settings, "webchat_frame_ancestors", "'self'")
    headers = Middleware(SecurityHeaders, chat_frame_ancestors=ancestors)
    app = Starlette(routes=[*routes, *(extra_routes or [])], middleware=[headers])
    app.state.sarafan = state
    return app
