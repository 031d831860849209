"""The web chat API's refusals: a JSON body ``{"error", "code"}`` and the status that fits."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from bot.storage.outage import RETRY_AFTER_SECONDS
from bot.web.rate_limit import retry_after


class Refused(Exception):
    """A request the API answers with an error; the status and code say why."""

    def __init__(self, reason: str, code: str = "bad_request", status: int = 400, *,
                 limit: int | None = None) -> None:
        super().__init__(reason)
        self.code, self.status, self.limit = code, status, limit

    def response(self) -> JSONResponse:
        """The error as the client gets it."""
        body: dict[str, Any] = {"error": str(self), "code": self.code}
        if self.limit is not None:
            body["limit"] = self.limit
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if self.status == 503 else {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="webchat"'
        return JSONResponse(body, status_code=self.status, headers=headers)


def unavailable() -> Refused:
    """The database is down: try again after ``Retry-After``."""
    return Refused("the chat is unavailable for a moment, please try again", "unavailable", 503)


def too_many(wait: float) -> JSONResponse:
    """A flood limit was hit: 429, and when a post will be accepted again."""
    body = {"error": "too many messages, please slow down", "code": "too_many"}
    return JSONResponse(body, status_code=429, headers={"Retry-After": retry_after(wait)})
