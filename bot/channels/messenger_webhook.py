"""``/messenger/webhook``: Meta's verification handshake and signed event deliveries."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.messenger_inbound import parse_delivery
from bot.channels.messenger_signature import HEADER, signature_ok
from bot.channels.runtime import Ingest
from bot.storage.outage import RETRY_AFTER_SECONDS, Unavailable

log = logging.getLogger("sarafan.messenger")
PATH = "/messenger/webhook"
MAX_BODY = 2 * 1024 * 1024
MAX_CHALLENGE = 1024


class TooLarge(Exception):
    """The request body exceeds ``MAX_BODY``."""


class Webhook:
    """Answers Meta's GET handshake and stores signed POST deliveries in the inbox."""

    def __init__(self, *, app_secret: str, verify_token: str | None, ingest: Ingest) -> None:
        self._secret = app_secret.encode()
        self._verify_token = verify_token
        self._ingest = ingest

    def routes(self) -> list[BaseRoute]:
        """The two routes Meta calls."""
        return [Route(PATH, self.verify, methods=["GET"]),
                Route(PATH, self.receive, methods=["POST"])]

    async def verify(self, request: Request) -> Response:
        """Echo ``hub.challenge`` only to a subscribe request carrying our verify token."""
        params = request.query_params
        token = params.get("hub.verify_token", "")
        challenge = params.get("hub.challenge", "")
        if (params.get("hub.mode") == "subscribe" and self._verify_token
                and hmac.compare_digest(token.encode(), self._verify_token.encode())
                and 0 < len(challenge) <= MAX_CHALLENGE):
            return PlainTextResponse(challenge)
        return PlainTextResponse("forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        """Check the signature on the raw bytes, store every event, then acknowledge."""
        try:
            body = await _body(request)
        except TooLarge:
            return PlainTextResponse("payload too large", status_code=413)
        if not signature_ok(body, request.headers.get(HEADER), self._secret):
            log.warning("rejected a Messenger delivery with a missing or wrong signature")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            messages = parse_delivery(json.loads(body))
        except (ValueError, RecursionError) as exc:
            log.warning("signed Messenger delivery is not a valid event batch: %s", exc)
            return PlainTextResponse("malformed delivery", status_code=400)
        try:
            for message in messages:
                await self._ingest(message)
        except Unavailable:  # logged once per outage; Meta redelivers, mid keys drop repeats
            return _unavailable()
        except Exception:
            log.exception("could not store a Messenger delivery; Meta will resend it")
            return _unavailable()
        return PlainTextResponse("EVENT_RECEIVED")


def _unavailable() -> Response:
    return PlainTextResponse("could not store the delivery, try again", status_code=503,
                             headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)
