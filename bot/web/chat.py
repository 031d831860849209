"""The web chat endpoints: post a message into the inbox, long-poll the replies."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from bot.channels.webchat import NAME
from bot.i18n import is_rtl
from bot.messages import Inbound, Kind
from bot.storage.inbox import enqueue
from bot.storage.models import MessageLog
from bot.web.state import AppState

STATIC = Path(__file__).parent / "static"
CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_BODY = 64 * 1024
MAX_TEXT = 20_000
LONG_POLL_SECONDS = 20.0


def _bad(reason: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def page(_request: Request) -> Response:
    """The chat page."""
    return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8")


async def post_message(request: Request) -> Response:
    """Store a typed message or a tapped button in the inbox; 202 once it is durable."""
    state: AppState = request.app.state.sarafan
    body = await request.body()
    if len(body) > MAX_BODY:
        return _bad("message too large", 413)
    try:
        data: Any = await request.json()
    except ValueError:
        return _bad("body must be JSON")
    if not isinstance(data, dict):
        return _bad("body must be a JSON object")
    message = _inbound(data)
    if isinstance(message, str):
        return _bad(message)
    stored = await enqueue(state.sessionmaker, message)
    state.processor_wake()
    return JSONResponse({"stored": stored, "update_id": message.update_id}, status_code=202)


def _inbound(data: dict[str, Any]) -> Inbound | str:
    chat_id, text, payload = data.get("chat_id"), data.get("text"), data.get("payload")
    if not isinstance(chat_id, str) or not CHAT_ID.match(chat_id):
        return "chat_id must be 8-64 letters, digits, _ or -"
    if not isinstance(text, str | None) or not isinstance(payload, str | None):
        return "text and payload must be strings"
    if text is None and payload is None:
        return "send text or payload"
    if len(text or "") > MAX_TEXT or len(payload or "") > 256:
        return "message too long"
    client_id = data.get("client_id")
    update_id = client_id if isinstance(client_id, str) and CHAT_ID.match(client_id) else None
    hint = data.get("language")
    return Inbound(
        channel=NAME, update_id=f"{chat_id}:{update_id or uuid.uuid4().hex}", user_id=chat_id,
        chat_id=chat_id, kind=Kind.BUTTON if payload is not None else Kind.TEXT,
        text=text, payload=payload, language_hint=hint if isinstance(hint, str) else None,
    )


async def get_messages(request: Request) -> Response:
    """Messages of a chat after ``after``; waits up to 20 s for new ones when ``wait=1``."""
    state: AppState = request.app.state.sarafan
    chat_id = request.query_params.get("chat_id", "")
    if not CHAT_ID.match(chat_id):
        return _bad("chat_id must be 8-64 letters, digits, _ or -")
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return _bad("after must be an integer")
    deadline = asyncio.get_running_loop().time() + LONG_POLL_SECONDS
    while True:
        waiter = state.sent_waiter()
        rows = await _rows(state, chat_id, after)
        left = deadline - asyncio.get_running_loop().time()
        if rows or request.query_params.get("wait") != "1" or left <= 0:
            return JSONResponse({"messages": [_show(row) for row in rows]})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), timeout=left)


async def _rows(state: AppState, chat_id: str, after: int) -> list[MessageLog]:
    async with state.sessionmaker() as session:
        result = await session.scalars(
            select(MessageLog)
            .where(MessageLog.channel == NAME, MessageLog.chat_id == chat_id, MessageLog.id > after)
            .order_by(MessageLog.id)
            .limit(200)
        )
        return list(result.all())


def _show(row: MessageLog) -> dict[str, Any]:
    body = row.body or {}
    language = str(body.get("language", ""))
    return {
        "id": row.id,
        "direction": row.direction,
        "text": row.text if row.text is not None else "",
        "payload": row.payload,
        "buttons": body.get("buttons", []),
        "links": body.get("links", []),
        "language": language,
        "rtl": is_rtl(language),
    }


routes = [
    Route("/chat", page),
    Route("/chat/api/messages", post_message, methods=["POST"]),
    Route("/chat/api/messages", get_messages, methods=["GET"]),
]
