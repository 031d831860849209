"""The web chat: a page, its static files and a small JSON API over the inbox and message log.

API (all JSON; errors are ``{"error": "<English sentence>", "code": "<code>"}``):

``POST /chat/api/session``
    The caller's chat. With a valid id (cookie or header): ``200 {"new": false}``. Without one,
    or with one this server did not issue: a new chat, ``201 {"new": true, "token": TOKEN}``
    and the ``sarafan_chat`` cookie (HttpOnly, SameSite=Lax, Path=/chat/api). Embedders that
    cannot use the cookie send ``X-Sarafan-Chat: TOKEN`` (or ``Authorization: Bearer TOKEN``).
Every other ``/chat/api/messages`` call speaks for the chat of that cookie or header and answers
``401 no_chat`` without one and ``401 unknown_chat`` for an id the server did not issue (the page
then asks for a new one). The id never travels in a URL (proxies log URLs).

``GET /chat/api/messages?after=N&wait=1``
    The chat's messages with ``id > after``, oldest first (the newest 200 when ``after=0``).
    ``wait=1`` long-polls: answers as soon as there is something, empty after 20 s.
    ``200 {"messages": [{"id", "direction": "in"|"out", "text", "buttons": [{"title",
    "payload"}], "links": [{"title", "url"}], "language", "rtl"}]}``; ``400 bad_request``.
``POST /chat/api/messages`` with ``{"text"}`` or ``{"payload", "text"}``
    (a tapped button: ``text`` is its title, shown in the log; ``message_id``, the id of the
    message it sits under, lets a rating count once per answer), optional ``client_id`` (a retry
    with the same one is stored once) and ``language`` (the browser's, a hint).
    ``202 {"stored": bool, "update_id"}`` once durable; ``400 bad_request``, ``413 too_long``
    (with ``limit``, in characters), ``415 not_json``, ``429 too_many`` with ``Retry-After``
    (more than ``webchat_chat_limit`` posts per chat or ``webchat_ip_limit`` per client address
    in ``webchat_limit_seconds``; counted per process).
    ``{"start"}`` is an entry link's parameter (the page's ``/chat?start=...``),
    handled like Telegram's ``/start <payload>``.
Every endpoint answers ``503 unavailable`` with ``Retry-After`` while the database is down.
``GET /chat/api/texts?language=fa``
    The page's own texts translated: ``{"language", "rtl", "texts": {key: text}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from pathlib import Path
from typing import Any, cast

from babel.numbers import format_decimal
from sqlalchemy import Row
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.runtime import Ingest
from bot.channels.webchat import NAME
from bot.config import LANGUAGES
from bot.engine.signals import ChatSignals
from bot.i18n import gettext, is_rtl
from bot.messages import Inbound, Kind
from bot.storage.inbox import InboxWriter, chat_key
from bot.storage.outage import Unavailable, is_outage, outage_log
from bot.storage.session import statementwise
from bot.web.chat_reads import ChatReads
from bot.web.errors import Refused, too_many, unavailable
from bot.web.rate_limit import TokenBuckets
from bot.web.session import chat_of, session
from bot.web.state import AppState

STATIC = Path(__file__).parent / "static"
CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT = 4096
"""Characters per message: Telegram's limit, so a text means the same on every channel."""
MAX_PAYLOAD = 256
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""Telegram's deep-link alphabet and length, so one entry link works on every channel."""
MAX_BODY = 64 * 1024
AFTER = re.compile(r"^[0-9]{1,18}$")
"""ASCII digits only (``"²".isdigit()`` holds but int() refuses it); 19 digits overflow a BIGINT."""
LONG_POLL_SECONDS = 20.0
RECHECK_SECONDS = 2.0
"""Another process may have sent the reply: on PostgreSQL its wake-up reaches us through
``bot.storage.wakeups``; this recheck covers a lost one (and several SQLite processes)."""


class _Limits:
    """The web chat's flood limits: per client address, then per chat."""

    def __init__(self, settings: Any) -> None:
        per_chat, per_ip, seconds = 20, 60, 10.0  # without settings (bare test apps)
        if settings is not None:
            per_chat, per_ip = settings.webchat_chat_limit, settings.webchat_ip_limit
            seconds = settings.webchat_limit_seconds
        self.chats = TokenBuckets(per_chat, seconds)
        self.clients = TokenBuckets(per_ip, seconds)


def _limits(state: AppState) -> _Limits:
    limits = state.extras.get("webchat_limits")
    if not isinstance(limits, _Limits):
        limits = state.extras["webchat_limits"] = _Limits(state.extras.get("settings"))
    return limits


async def page(_request: Request) -> Response:
    """The chat page (its security headers come from :mod:`bot.web.headers`)."""
    return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8")


async def texts(request: Request) -> Response:
    """The page's interface texts in the asked language (English when unknown)."""
    language = request.query_params.get("language", "en")
    language = language if language in LANGUAGES else "en"
    return JSONResponse({"language": language, "rtl": is_rtl(language),
                         "texts": page_texts(language)})


def page_texts(language: str) -> dict[str, str]:
    """Everything the page itself says, keyed by where it goes."""
    limit = format_decimal(MAX_TEXT, locale=language)
    return {
        "title": gettext(language, "Chat with us"),
        "log": gettext(language, "Conversation"),
        "message": gettext(language, "Message"),
        "placeholder": gettext(language, "Type a message…"),
        "send": gettext(language, "Send"),
        "language": gettext(language, "Language"),
        "offline": gettext(language, "Connection lost. Reconnecting…"),
        "send_failed": gettext(language, "Sorry, your message was not sent. Please try again."),
        "too_long": gettext(language, "Your message is too long. Please shorten it to {limit} "
                                      "characters or fewer.", limit=limit),
    }


async def post_message(request: Request) -> Response:
    """Store a typed message or a tapped button in the inbox; 202 once it is durable."""
    state: AppState = request.app.state.sarafan
    limits = _limits(state)
    # Behind a proxy this is the proxy unless uvicorn trusts its X-Forwarded-For
    # (--forwarded-allow-ips); a forged header must not buy a fresh bucket.
    client = request.client.host if request.client else "unknown"
    if wait := limits.clients.take(client):
        return too_many(wait)
    try:
        message = _inbound(await chat_of(request), await _json_object(request))
    except Refused as refused:
        return refused.response()
    if wait := limits.chats.take(message.chat_id):
        return too_many(wait)
    try:
        stored = await _ingest(state)(message)
    except Unavailable:  # logged once per outage by the writer
        return unavailable().response()
    return JSONResponse({"stored": stored, "update_id": message.update_id}, status_code=202)


def _ingest(state: AppState) -> Ingest:
    """The app's ingest (group commit shared with the webhooks, wakes the processor); a bare app
    (tests) gets a writer of its own."""
    ingest = state.extras.get("ingest")
    if ingest is None:
        writer = InboxWriter(state.sessionmaker)

        async def ingest(message: Inbound) -> bool:
            stored = await writer(message)
            state.processor_wake()
            return stored

        state.extras["ingest"] = ingest
    return cast(Ingest, ingest)


async def _json_object(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refused("send Content-Type: application/json", "not_json", 415)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused("message too long", "too_long", 413, limit=MAX_TEXT)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused("message too long", "too_long", 413, limit=MAX_TEXT)
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise Refused("body must be JSON in UTF-8") from None
    if not isinstance(data, dict):
        raise Refused("body must be a JSON object")
    return data


def _inbound(chat_id: str, data: dict[str, Any]) -> Inbound:
    text, payload = data.get("text"), data.get("payload")
    start = data.get("start")
    if start is not None:
        return _start(chat_id, start, data)
    if not isinstance(text, str | None) or not isinstance(payload, str | None):
        raise Refused("text and payload must be strings")
    if text is None and payload is None:
        raise Refused("send text or payload")
    if len(text or "") > MAX_TEXT:
        raise Refused(f"text longer than {MAX_TEXT} characters", "too_long", 413,
                      limit=MAX_TEXT)
    if len(payload or "") > MAX_PAYLOAD:
        raise Refused(f"payload longer than {MAX_PAYLOAD} characters")
    client_id = data.get("client_id")
    update_id = client_id if isinstance(client_id, str) and CHAT_ID.match(client_id) else None
    hint = data.get("language")
    under = data.get("message_id")
    return Inbound(
        channel=NAME, update_id=f"{chat_id}:{update_id or uuid.uuid4().hex}", user_id=chat_id,
        chat_id=chat_id, kind=Kind.BUTTON if payload is not None else Kind.TEXT,
        text=text, payload=payload, language_hint=hint[:16] if isinstance(hint, str) else None,
        message_id=under if payload is not None and isinstance(under, str)
        and AFTER.match(under) else None,
    )


def _start(chat_id: str, start: object, data: dict[str, Any]) -> Inbound:
    """An entry link's parameter (``/chat?start=...``): the web chat's deep link."""
    if not isinstance(start, str) or not START_PAYLOAD.match(start):
        raise Refused("start must be 1-64 letters, digits, _ or -")
    client_id = data.get("client_id")
    update_id = client_id if isinstance(client_id, str) and CHAT_ID.match(client_id) else None
    hint = data.get("language")
    return Inbound(
        channel=NAME, update_id=f"{chat_id}:{update_id or uuid.uuid4().hex}", user_id=chat_id,
        chat_id=chat_id, kind=Kind.START, text=f"/start {start}", payload=start,
        language_hint=hint[:16] if isinstance(hint, str) else None,
    )


async def get_messages(request: Request) -> Response:
    """Messages of a chat after ``after``; waits up to 20 s for new ones when ``wait=1``."""
    state: AppState = request.app.state.sarafan
    after = request.query_params.get("after", "0")
    try:
        chat_id = await chat_of(request)
    except Refused as refused:
        return refused.response()
    if not AFTER.match(after):  # beyond 18 digits it overflows a BIGINT
        return Refused("after must be a message id (a whole number)").response()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LONG_POLL_SECONDS
    signals, key = _signals(state), chat_key(NAME, None, chat_id)
    while True:
        # Listening before reading: a delivery between the read and the wait still wakes us.
        with signals.listening(key) as delivered:
            try:
                rows = await _rows(state, chat_id, int(after))
            except Unavailable:
                return unavailable().response()
            left = deadline - loop.time()
            if rows or request.query_params.get("wait") != "1" or left <= 0:
                return JSONResponse({"messages": [_show(row) for row in rows]})
            if await request.is_disconnected():
                return Response(status_code=204)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(delivered.wait(), timeout=min(left, RECHECK_SECONDS))


def _signals(state: AppState) -> ChatSignals:
    """The sender's per-chat wake-ups (a bare app without a sender: the recheck alone)."""
    signals = state.extras.get("chat_signals")
    if not isinstance(signals, ChatSignals):
        signals = state.extras["chat_signals"] = ChatSignals()
    return signals


def _reads(state: AppState) -> ChatReads:
    """The process's batched long-poll reads (one per app, made on first use)."""
    reads = state.extras.get("chat_reads")
    if not isinstance(reads, ChatReads):
        # One SELECT needs no transaction: on PostgreSQL no BEGIN and no ROLLBACK.
        reads = state.extras["chat_reads"] = ChatReads(
            statementwise(state.sessionmaker).kw["bind"])
    return reads


async def _rows(state: AppState, chat_id: str, after: int) -> list[Row[Any]]:
    try:
        found = await _reads(state)(chat_id, after)
    except Exception as exc:
        if not is_outage(exc):
            raise
        outage_log(state.sessionmaker).failed(exc)
        raise Unavailable(str(exc)) from exc
    outage_log(state.sessionmaker).reached()
    return found


def _show(row: Row[Any]) -> dict[str, Any]:
    body = row.body or {}
    language = str(body.get("language", ""))
    return {
        "id": row.id,
        "direction": row.direction,
        "text": row.text or "",
        "buttons": body.get("buttons", []),
        "links": body.get("links", []),
        "language": language,
        "rtl": is_rtl(language),
    }


routes: list[BaseRoute] = [
    Route("/chat", page),
    Mount("/chat/static", StaticFiles(directory=STATIC), name="chat-static"),
    Route("/chat/api/texts", texts),
    Route("/chat/api/session", session, methods=["POST"]),
    Route("/chat/api/messages", post_message, methods=["POST"]),
    Route("/chat/api/messages", get_messages, methods=["GET"]),
]
