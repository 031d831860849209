"""The Starlette application: web chat, health, and whatever routes channels add."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.web import chat
from bot.web.state import AppState


async def health(_request: Request) -> Response:
    """Liveness for load balancers."""
    return JSONResponse({"status": "ok"})


async def home(_request: Request) -> Response:
    """The root goes to the web chat."""
    return RedirectResponse("/chat")


def create_http_app(state: AppState, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """The ASGI app serving the chat page, its API and channel webhooks."""
    routes: list[BaseRoute] = [Route("/", home), Route("/healthz", health), *chat.routes]
    app = Starlette(routes=[*routes, *(extra_routes or [])])
    app.state.sarafan = state
    return app
