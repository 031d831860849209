"""Security headers on every HTTP response: the web chat, the API, webhooks, health checks.

One middleware around the whole app, with a policy per area. A header a route or an inner
middleware already set wins (the dashboard's own stricter set, the API reference page's policy),
except that every Content-Security-Policy gets a ``frame-ancestors`` directive: it is the one
that decides who may frame a page, and a policy without it allows everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHAT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'")
"""The chat page loads only its own files and talks only to its own API."""
STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'"
"""JSON, webhooks and health answers load nothing at all."""


@dataclass(frozen=True)
class Policy:
    """The headers of one area of the site."""

    csp: str
    frame_ancestors: str
    referrer: str
    cache: str | None

    def headers(self) -> dict[str, str]:
        """Name -> value, ``X-Frame-Options`` saying what ``frame-ancestors`` says."""
        found = {"Content-Security-Policy": f"{self.csp}; frame-ancestors {self.frame_ancestors}",
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": self.referrer}
        frame = frame_options(self.frame_ancestors)
        if frame is not None:
            found["X-Frame-Options"] = frame
        if self.cache is not None:
            found["Cache-Control"] = self.cache
        return found


def frame_options(frame_ancestors: str) -> str | None:
    """The ``X-Frame-Options`` equal to ``frame-ancestors``, for browsers that lack CSP.

    It can only say "nobody" or "this origin"; for a list of brand sites it is left out, since
    any value would forbid what the list allows (browsers with CSP ignore it anyway).
    """
    return {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(frame_ancestors.strip())


def policies(chat_frame_ancestors: str) -> list[tuple[str, Policy]]:
    """(path prefix, policy), the first match wins; ``/chat/`` also matches ``/chat``."""
    chat = Policy(CHAT_CSP, chat_frame_ancestors, "same-origin", "no-cache")
    return [
        # Chat answers hold a customer's conversation: never kept by the browser or a proxy.
        ("/chat/api/", Policy(CHAT_CSP, chat_frame_ancestors, "same-origin", "no-store")),
        # The page and its files are revalidated (ETag), so a new chat.js reaches every browser.
        ("/chat/", chat),
        ("/api/", Policy(STRICT_CSP, "'none'", "no-referrer", "no-store")),
        ("/", Policy(STRICT_CSP, "'none'", "no-referrer", None)),
    ]


class SecurityHeaders:
    """ASGI middleware adding the headers of the request's area to its response."""

    def __init__(self, app: ASGIApp, *, chat_frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.areas = [(prefix, policy, policy.headers())
                      for prefix, policy in policies(chat_frame_ancestors)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy, headers = next((policy, headers) for prefix, policy, headers in self.areas
                               if path.startswith(prefix) or path == prefix.rstrip("/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add(MutableHeaders(scope=message), headers, policy.frame_ancestors)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _add(response: MutableHeaders, headers: dict[str, str], frame_ancestors: str) -> None:
    own_csp = response.get("content-security-policy")
    for name, value in headers.items():
        response.setdefault(name, value)
    if own_csp is not None and "frame-ancestors" not in own_csp:
        response["Content-Security-Policy"] = f"{own_csp}; frame-ancestors {frame_ancestors}"
