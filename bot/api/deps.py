"""What every API operation depends on: a database session and an authorised token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.problems import Problem, invalid
from bot.api.tokens import TokenView, authenticate, take_request
from bot.storage.session import SessionMaker
from bot.web.state import AppState

_bearer = HTTPBearer(auto_error=False, description="An API token from `sarafan tokens create`")


def app_state(request: Request) -> AppState:
    """The bot's shared state; the API is mounted inside the bot's Starlette app."""
    state: AppState = request.scope.get("sarafan") or request.app.state.sarafan
    return state


def sessionmaker(request: Request) -> SessionMaker:
    """The session factory (exports open one short session per page)."""
    return app_state(request).sessionmaker


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; write operations commit it themselves."""
    async with sessionmaker(request)() as db:
        yield db


def check_query(request: Request) -> None:
    """Refuse unknown or repeated query parameters (a misspelt filter would silently match
    everything) and NUL characters (PostgreSQL can neither store nor compare them): 422 naming
    the parameter."""
    allowed = _query_names(request)
    seen: set[str] = set()
    for name, value in request.query_params.multi_items():
        if allowed is not None and name not in allowed:
            raise invalid(name, "unknown parameter")
        if name in seen:  # every parameter takes one value; the last one must not silently win
            raise invalid(name, "given more than once")
        seen.add(name)
        if "\x00" in value:
            raise invalid(name, "contains a NUL character")


def _query_names(request: Request) -> frozenset[str] | None:
    """The query parameters the OpenAPI document gives this operation (None: not an API op)."""
    route = request.scope.get("route")
    api = request.app
    if not isinstance(route, APIRoute) or not isinstance(api, FastAPI):
        return None
    cache: dict[tuple[str, str], frozenset[str]] | None = getattr(api.state, "query_names",
                                                                   None)
    if cache is None:
        cache = api.state.query_names = {}
    key = (request.method.lower(), route.path_format)
    if key not in cache:
        operation = api.openapi().get("paths", {}).get(route.path_format, {}).get(key[0], {})
        cache[key] = frozenset(param["name"] for param in operation.get("parameters", ())
                               if param.get("in") == "query")
    return cache[key]


def require(scope: str) -> Callable[..., Awaitable[TokenView]]:
    """A dependency: the caller's token, which must carry ``scope``; counts the rate limit."""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenView:
        if credentials is None or not credentials.credentials:
            raise Problem(401, "Unauthorized", "send `Authorization: Bearer <token>`",
                          headers={"WWW-Authenticate": "Bearer"})
        async with sessionmaker(request)() as db:
            token = await authenticate(db, credentials.credentials)
            if token is None:
                raise Problem(401, "Unauthorized", "unknown or revoked token",
                              headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            wait = await take_request(db, token)
            await db.commit()
        if wait is not None:
            seconds = int(wait + 0.999)
            raise Problem(429, "Too many requests",
                          f"at most {token.rate_per_minute} requests a minute for this token",
                          headers={"Retry-After": str(seconds)}, retry_after=seconds)
        if not token.allows(scope):
            raise Problem(403, "Forbidden", f"this operation needs the scope {scope}",
                          headers={"WWW-Authenticate":
                                   f'Bearer error="insufficient_scope" scope="{scope}"'})
        request.state.token = token
        return token

    check.__name__ = f"require_{scope.replace(':', '_')}"
    return check


Session = Annotated[AsyncSession, Depends(session)]
Maker = Annotated[SessionMaker, Depends(sessionmaker)]
State = Annotated[AppState, Depends(app_state)]


FeedbackReader = Annotated[TokenView, Depends(require("feedback:read"))]
SurveysReader = Annotated[TokenView, Depends(require("surveys:read"))]
BetaWriter = Annotated[TokenView, Depends(require("beta:write"))]
TicketsWriter = Annotated[TokenView, Depends(require("tickets:write"))]
ContactsReader = Annotated[TokenView, Depends(require("contacts:read"))]
Admin = Annotated[TokenView, Depends(require("admin"))]
