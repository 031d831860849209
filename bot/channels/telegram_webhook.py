"""Webhook mode: ``setWebhook`` at start, and the route that stores updates before its 200."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.aiogram_api import Bot
from bot.channels.telegram_inbound import STORED_UPDATES
from bot.channels.telegram_receive import Receiver
from bot.storage.outage import RETRY_AFTER_SECONDS, Unavailable

log = logging.getLogger("sarafan.telegram")
PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
MAX_BACKOFF = 60.0


def derived_secret(token: str) -> str:
    """A secret every worker computes alike from the bot token, when none is configured."""
    return hmac.new(token.encode(), b"sarafan telegram webhook", hashlib.sha256).hexdigest()


def public_url(webhook_url: str) -> str:
    """The URL given to ``setWebhook``: the configured base (or full) URL ending in our path."""
    base = webhook_url.rstrip("/")
    return base if base.endswith(PATH) else base + PATH


def webhook_route(receiver: Receiver, secret: str) -> Route:
    """``POST /telegram/webhook``: 401 without the secret, 400 for non-JSON, 200 once stored."""

    async def endpoint(request: Request) -> Response:
        if not _authentic(request.headers.get(SECRET_HEADER), secret):
            return _error("missing or wrong secret token", 401)
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error("update too large", 413)
        raw = _update(body)
        if raw is None:
            return _error("body must be a JSON Update object with an integer update_id", 400)
        try:
            await receiver.store(raw)
        except Unavailable:  # logged once per outage where it was noticed
            return _error("could not store the update, try again", 503)
        except Exception:
            log.exception("could not store Telegram update %s; Telegram will resend it",
                          raw["update_id"])
            return _error("could not store the update, try again", 503)
        # The same bytes every time, and a background task only for a button tap: this runs
        # once per update, at the rate a spike arrives.
        tapped = BackgroundTask(receiver.answer_callback, raw) if "callback_query" in raw else None
        return Response(_OK, media_type="application/json", background=tapped)

    return Route(PATH, endpoint, methods=["POST"])


async def keep_webhook(bot: Bot, url: str, secret: str, stop: asyncio.Event) -> None:
    """Register the webhook (retrying until Telegram accepts it), then idle until ``stop``."""
    failures = 0
    while not stop.is_set():
        try:
            await bot.set_webhook(url=url, secret_token=secret,
                                  allowed_updates=list(STORED_UPDATES))
            log.info("Telegram webhook set to %s", url)
            break
        except Exception as exc:
            failures += 1
            delay = min(MAX_BACKOFF, 2.0 ** (failures - 1))
            log.warning("setWebhook failed (%s); again in %.0f s", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
    # The webhook stays set at shutdown: other workers (or the next deployment) still serve it.
    await stop.wait()


def _authentic(given: str | None, secret: str) -> bool:
    # bytes, because compare_digest refuses non-ASCII str and a forged header may hold some.
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def _update(body: bytes) -> dict[str, Any] | None:
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
        return None
    return raw


_OK = b'{"ok":true}'


def _error(reason: str, status: int) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return JSONResponse({"ok": False, "error": reason}, status_code=status, headers=headers)
