"""A local Telegram Bot API server: the methods Sarafan calls, with Telegram's semantics.

Served on 127.0.0.1 (random port) by aiohttp; point a bot at it with
``settings.telegram.api_base = server.base_url`` (aiogram's ``TelegramAPIServer.from_base``).
Semantics follow https://core.telegram.org/bots/api: ``getUpdates`` confirms every update below
``offset`` and long-polls up to ``timeout`` seconds; it is refused (409) while a webhook is set;
``sendMessage`` refuses empty or over-4096 texts and ``callback_data`` over 64 bytes (400),
and chats in ``blocked`` get 403 "bot was blocked by the user". ``fail_next`` queues an error
answer such as 429 with ``parameters.retry_after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import Bot

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Sarafan", "username": "sarafan_test_bot"}
JSON_FIELDS = ("reply_markup", "reply_parameters", "allowed_updates", "link_preview_options")


@dataclass
class Call:
    """One API request as the server received it."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    skip: int
    status: int
    description: str
    parameters: dict[str, Any]


TOKEN = "123456789:AAFakeTokenForTheLocalBotApi"
"""The bot token every Telegram test uses against the local server."""


class FakeBotApi:
    """The Bot API for one token, with inspectable state."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.pending: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self._failures: defaultdict[str, deque[_Failure]] = defaultdict(deque)
        self._arrived = asyncio.Condition()
        self._message_ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.base_url = ""

    async def start(self) -> FakeBotApi:
        """Listen on a random local port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """End pending long polls, then stop listening."""
        self._closing = True
        async with self._arrived:
            self._arrived.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def add_update(self, update: dict[str, Any]) -> None:
        """Queue an update for ``getUpdates`` (waking a long poll)."""
        async with self._arrived:
            self.pending.append(update)
            self._arrived.notify_all()

    def fail_next(self, method: str, status: int, description: str, *, skip: int = 0,
                  **parameters: Any) -> None:
        """Answer the next call of ``method`` (after ``skip`` more) with an error (e.g. 429)."""
        self._failures[method].append(_Failure(skip, status, description, parameters))

    def calls_of(self, method: str) -> list[Call]:
        """The received calls of ``method``, oldest first."""
        return [call for call in self.calls if call.method == method]

    def sent(self) -> list[dict[str, Any]]:
        """Parameters of every accepted ``sendMessage``."""
        return [call.params for call in self.calls_of("sendMessage") if "ok" in call.params]

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        call = Call(method, await _params(request))
        self.calls.append(call)
        failures = self._failures[method]
        if failures and failures[0].skip > 0:
            failures[0].skip -= 1
        elif failures:
            failure = failures.popleft()
            return _error(failure.status, failure.description, failure.parameters)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        response: web.Response = await handler(call.params)
        if response.status == 200:
            call.params["ok"] = True
        return response

    async def _getMe(self, _params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")
        offset, timeout = int(params.get("offset") or 0), float(params.get("timeout") or 0)
        async with self._arrived:
            # Calling with an offset confirms (forgets) every update before it.
            self.pending = [u for u in self.pending if u.get("update_id", 0) >= offset]
            if not self.pending and timeout > 0 and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), timeout)
            return _ok([u for u in self.pending if u.get("update_id", 0) >= offset][:100])

    async def _sendMessage(self, params: dict[str, Any]) -> web.Response:
        chat_id, text = int(params["chat_id"]), str(params.get("text", ""))
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return _error(400, "Bad Request: message is too long")
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_type = "private" if chat_id > 0 else "supergroup"
        return _ok({"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": chat_type}, "text": text})

    async def _answerCallbackQuery(self, _params: dict[str, Any]) -> web.Response:
        return _ok(True)

    async def _setWebhook(self, params: dict[str, Any]) -> web.Response:
        self.webhook_url, self.webhook_secret = params["url"], params.get("secret_token")
        return _ok(True)

    async def _deleteWebhook(self, _params: dict[str, Any]) -> web.Response:
        self.webhook_url, self.webhook_secret = "", None
        return _ok(True)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query, form (urlencoded or multipart, as aiogram sends) or JSON body, decoded."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update({key: str(value) for key, value in (await request.post()).items()})
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


UPDATES = Path(__file__).parent.parent / "channels" / "telegram_updates"


def dataset_update(name: str, update_id: int | None = None) -> dict[str, Any]:
    """An Update from ``tests/channels/telegram_updates`` (see its PROVENANCE.md), renumbered."""
    update: dict[str, Any] = json.loads((UPDATES / name).read_text(encoding="utf-8"))
    if update_id is not None:
        update["update_id"] = update_id  # Telegram's examples all share update_id 10000
    return update


@contextlib.asynccontextmanager
async def running(bot: Bot) -> AsyncIterator[asyncio.Event]:
    """Workers and channel runtimes as background tasks, as ``serve`` runs them; then stop."""
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(bot.processor.run_forever(stop, poll_seconds=0.05)),
        asyncio.create_task(bot.sender.run_forever(stop, poll_seconds=0.05)),
        *(asyncio.create_task(runtime.run(stop)) for runtime in bot.runtimes),
    ]
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``check()`` holds; fail the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
