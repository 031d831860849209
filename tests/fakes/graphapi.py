"""A local Graph API server speaking the Send API (``POST /{version}/me/messages``).

It checks what graph.facebook.com checks for the calls we make — the page access token, the
documented limits of text, quick replies and button templates — and answers with Meta's
response and error shapes (developers.facebook.com/docs/messenger-platform/reference/send-api,
…/send-messages/quick-replies, …/error-codes). Tests script failures with ``fail_next`` and
``blocked``.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

VERSION = "v21.0"


@dataclass(frozen=True)
class Sent:
    """One accepted Send API call: which page sent what."""

    page_id: str
    body: dict[str, Any]

    @property
    def psid(self) -> str:
        return str(self.body["recipient"]["id"])

    @property
    def text(self) -> str:
        message = self.body["message"]
        if "text" in message:
            return str(message["text"])
        return str(message["attachment"]["payload"]["text"])


def graph_error(code: int, message: str, subcode: int | None = None) -> dict[str, Any]:
    """Meta's error body."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class FakeGraphApi:
    """Serves ``/v21.0/me/messages`` and ``/me/messenger_profile`` on 127.0.0.1, recording both."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.pages_by_token = {token: page for page, token in tokens.items()}
        self.sent: list[Sent] = []
        self.calls = 0
        self.blocked: set[str] = set()
        self._failures: deque[tuple[int, dict[str, Any]] | None] = deque()
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post(f"/{VERSION}/me/messages", self._messages)
        app.router.add_post(f"/{VERSION}/me/messenger_profile", self._profile)
        self.profiles: dict[str, dict[str, Any]] = {}
        self._server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        """What ``graph_base`` should be set to."""
        return f"http://127.0.0.1:{self._server.port}/{VERSION}"

    async def start(self) -> None:
        await self._server.start_server()

    async def close(self) -> None:
        await self._server.close()

    def fail_next(self, status: int, body: dict[str, Any], *, after: int = 0) -> None:
        """Answer a coming call with this error instead of sending: the next one, or the one
        after ``after`` more successful calls."""
        self._failures.extend([None] * after)
        self._failures.append((status, body))

    def texts(self, psid: str | None = None) -> list[str]:
        """Texts sent (to ``psid``), in order."""
        return [s.text for s in self.sent if psid is None or s.psid == psid]

    async def _messages(self, request: web.Request) -> web.Response:
        self.calls += 1
        page = self._page(request)
        if page is None:
            return web.json_response(graph_error(190, "Invalid OAuth access token."), status=400)
        if self._failures and (failure := self._failures.popleft()) is not None:
            return web.json_response(failure[1], status=failure[0])
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(graph_error(100, "(#100) Invalid JSON"), status=400)
        problem = check_body(body)
        if problem:
            return web.json_response(graph_error(100, f"(#100) {problem}"), status=400)
        if body["recipient"]["id"] in self.blocked:
            return web.json_response(graph_error(
                551, "This person isn't available right now.", 1545041), status=400)
        self.sent.append(Sent(page, body))
        return web.json_response({"recipient_id": body["recipient"]["id"],
                                  "message_id": f"m_fake{next(self._ids)}"})

    async def _profile(self, request: web.Request) -> web.Response:
        page = self._page(request)
        if page is None:
            return web.json_response(graph_error(190, "Invalid OAuth access token."), status=400)
        body = await request.json()
        greetings = body.get("greeting", [])
        if any(len(g.get("text", "")) > 160 for g in greetings):
            return web.json_response(graph_error(100, "(#100) greeting text too long"), status=400)
        self.profiles[page] = body
        return web.json_response({"result": "success"})

    def _page(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else \
            request.query.get("access_token", "")
        return self.pages_by_token.get(token)


def check_body(body: Any) -> str | None:
    """What Meta would reject in a Send API body, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("recipient"), dict):
        return "param recipient must be an object"
    if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return "param messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG"
    message = body.get("message")
    if not isinstance(message, dict) or ("text" in message) == ("attachment" in message):
        return "message must have exactly one of text or attachment"
    if "text" in message and not 0 < len(message["text"]) <= 2000:
        return "param message[text] must be non-empty UTF-8 encoded text of at most 2000 chars"
    return _check_quick_replies(message.get("quick_replies")) or \
        _check_attachment(message.get("attachment"))


def _check_quick_replies(replies: Any) -> str | None:
    if replies is None:
        return None
    if not isinstance(replies, list) or not 0 < len(replies) <= 13:
        return "param message[quick_replies] must have 1 to 13 elements"
    for reply in replies:
        if reply.get("content_type") != "text" or not 0 < len(reply.get("title", "")) <= 20:
            return "param title must be a non-empty string of at most 20 characters"
        if not 0 < len(str(reply.get("payload", ""))) <= 1000:
            return "param payload must be at most 1000 characters"
    return None


def _check_attachment(attachment: Any) -> str | None:
    if attachment is None:
        return None
    payload = attachment.get("payload", {}) if isinstance(attachment, dict) else {}
    if attachment.get("type") != "template" or payload.get("template_type") != "button":
        return "only button templates are expected from Sarafan"
    if not 0 < len(payload.get("text", "")) <= 640:
        return "param text must be at most 640 characters"
    buttons = payload.get("buttons", [])
    if not 0 < len(buttons) <= 3:
        return "param buttons must have 1 to 3 elements"
    for button in buttons:
        if button.get("type") != "web_url" or not 0 < len(button.get("title", "")) <= 20:
            return "web_url buttons need a url and a title of at most 20 characters"
    return None
