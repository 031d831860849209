"""Who a web-chat request speaks for: a chat id the server issued and signed.

A token is ``<chat id>.<signature>``: the chat id is 144 random bits (``secrets``), the signature
an HMAC-SHA256 of it under the deployment's secret, so a forged or guessed token is refused by
arithmetic alone, before any database lookup. The token travels in an HttpOnly cookie scoped to
the chat API (the page) or in a header (embedders); never in a URL, where proxies log it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response

from bot.storage.secrets import instance_secret
from bot.web.state import AppState

COOKIE = "sarafan_chat"
COOKIE_PATH = "/chat/api"
COOKIE_MAX_AGE = 365 * 24 * 3600
"""A year, like the browser-picked id it replaces (kept in localStorage, forever)."""
HEADER = "x-sarafan-chat"
CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RANDOM_BYTES = 18
"""144 bits, 24 characters of base64url."""
SIGNATURE_BYTES = 16
"""128 bits of HMAC: a forger's odds per try are 2**-128."""
PURPOSE = b"sarafan webchat id\x00"
"""Keeps these signatures apart from anything else a shared secret might sign."""


class ChatIds:
    """Issues and checks signed chat tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._key = secret

    def issue(self) -> str:
        """A token for a new chat nobody has used."""
        return self.token_for(secrets.token_urlsafe(RANDOM_BYTES))

    def token_for(self, chat_id: str) -> str:
        """The token of ``chat_id`` (tests and tools that must speak for a known chat)."""
        if not CHAT_ID.match(chat_id):
            raise ValueError("a chat id is 8-64 letters, digits, _ or -")
        return f"{chat_id}.{self._sign(chat_id)}"

    def first_chat(self, tokens: list[str]) -> tuple[str, str] | None:
        """``(chat id, token)`` of the first token this server issued, if any."""
        for token in tokens:
            chat_id = self.chat_of(token)
            if chat_id is not None:
                return chat_id, token
        return None

    def chat_of(self, token: str) -> str | None:
        """The chat id ``token`` was issued for, or None when this server did not sign it."""
        chat_id, dot, signature = token.rpartition(".")
        if not dot or not CHAT_ID.match(chat_id):
            return None
        # As bytes: compare_digest refuses a str with non-ASCII characters (a hostile header).
        given = signature.encode("utf-8", "replace")
        return chat_id if hmac.compare_digest(given, self._sign(chat_id).encode()) else None

    def _sign(self, chat_id: str) -> str:
        digest = hmac.new(self._key, PURPOSE + chat_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:SIGNATURE_BYTES]).rstrip(b"=").decode()


async def chat_ids(state: AppState) -> ChatIds:
    """This deployment's signer: the configured secret, else the one kept in the database.

    Read once per process; every process of a deployment reads the same database row.
    """
    found = state.extras.get("webchat_ids")
    if isinstance(found, ChatIds):
        return found
    settings = state.extras.get("settings")
    configured = getattr(settings, "webchat_secret", None)
    if configured is not None:
        secret = configured.get_secret_value().encode()
    else:
        secret = await instance_secret(state.sessionmaker, "webchat")
    ids = state.extras["webchat_ids"] = ChatIds(secret)
    return ids


def presented(request: Request) -> tuple[str, list[str]] | None:
    """``(where, tokens)`` a request carries: the header (or ``Authorization: Bearer``) wins
    over the cookie, so an embedder's explicit id is never silently replaced by a stale one."""
    header = request.headers.get(HEADER)
    if header is not None:
        return "header", [header.strip()]
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return "header", [credentials.strip()]
    cookies = _cookies(request.headers.get("cookie", ""))
    return ("cookie", cookies) if cookies else None


def _cookies(header: str) -> list[str]:
    """Every value of our cookie, most specific path first. A browser sends one per path, and
    a stray one set for ``/`` (by a script, another app on the host) must not shadow ours,
    which ``request.cookies`` (one value per name, the last) would let it do."""
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return [value.strip() for name, _, value in pairs if name == COOKIE and value.strip()]


def set_cookie(response: Response, request: Request, token: str) -> None:
    """Keep ``token`` in the browser, out of reach of scripts and of other paths."""
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, path=COOKIE_PATH, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
