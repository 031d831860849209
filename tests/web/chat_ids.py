"""How tests speak for a web chat, now that the server issues its ids (bot/web/identity.py).

A test that needs a known chat (to seed it, or to find its rows) signs that chat's id with the
deployment's own secret, exactly as if the server had issued it; a test that plays an outside
client asks the server for a chat instead (:func:`new_chat`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.types import ASGIApp

from bot.config import Settings
from bot.storage.session import create_engine, create_sessionmaker
from bot.web.identity import COOKIE, COOKIE_PATH, HEADER, ChatIds, chat_ids
from bot.web.state import AppState

SESSION = "/chat/api/session"


async def chat_headers(app: ASGIApp, chat_id: str) -> dict[str, str]:
    """The header that speaks for ``chat_id`` in the bot served by ``app``."""
    state: AppState = app.state.sarafan  # type: ignore[attr-defined]
    return {HEADER: (await chat_ids(state)).token_for(chat_id)}


@contextlib.asynccontextmanager
async def chat_client(app: ASGIApp, chat_id: str) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP straight into the bot's ASGI ``app``, speaking for the chat ``chat_id``."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://chat.test") as http:
        http.headers.update(await chat_headers(app, chat_id))
        yield http


async def chat_cookie(settings: Settings, base_url: str, chat_id: str) -> dict[str, Any]:
    """The browser cookie (for Playwright's ``add_cookies``) of ``chat_id`` in the bot that
    runs with ``settings`` at ``base_url``."""
    return browser_cookie(base_url, (await signer(settings)).token_for(chat_id))


def browser_cookie(base_url: str, token: str) -> dict[str, Any]:
    """The cookie the server sets for ``token`` (same name, host and path, so it replaces it)."""
    host = httpx.URL(base_url).host
    return {"name": COOKIE, "value": token, "domain": host, "path": COOKIE_PATH}


async def signer(settings: Settings) -> ChatIds:
    """The signer a bot running with ``settings`` uses (from the settings or its database)."""
    engine = create_engine(settings.database_url)
    try:
        state = AppState(create_sessionmaker(engine), extras={"settings": settings})
        return await chat_ids(state)
    finally:
        await engine.dispose()


async def new_chat(client: httpx.AsyncClient) -> str:
    """Ask the server for a chat, as the page does; the client keeps its cookie. The token."""
    response = await client.post(SESSION)
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token
