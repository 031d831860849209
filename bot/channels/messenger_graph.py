"""The one Graph API call we make (``POST /me/messages``) and what its errors mean for us."""

from __future__ import annotations

from typing import Any

import httpx

from bot.channels.base import PermanentFailure, RetryLater, SendError

RATE_LIMITED = frozenset({4, 17, 32, 613})
"""Application, user, page and per-endpoint call limits: wait, then try again."""
TRANSIENT = frozenset({1, 2, 1200})
"""Unknown error, 'Please retry your request later', 'Temporary send message failure'."""
RATE_LIMIT_WAIT = 60.0


class GraphClient:
    """Sends Send API bodies with a page access token."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def send_message(self, *, token: str, body: dict[str, Any]) -> str:
        """Post one message; its ``message_id``, or a ``SendError`` saying whether to retry."""
        data = await self.post("/me/messages", token=token, body=body)
        if not isinstance(data.get("message_id"), str):
            raise RetryLater("Graph API answered without a message_id")
        return str(data["message_id"])

    async def post(self, path: str, *, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` as the page of ``token``; the JSON answer or a SendError."""
        try:
            # A header, not ``?access_token=``: URLs end up in logs, headers do not.
            response = await self._http.post(path, json=body,
                                             headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError as exc:
            raise RetryLater(f"Graph API unreachable: {type(exc).__name__}") from exc
        data = _json(response)
        if response.status_code != 200:
            raise failure(response.status_code, data.get("error"))
        return data

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def failure(status: int, error: object) -> SendError:
    """Meta's error object as retry-later or permanent, per the Messenger error-code table."""
    info = error if isinstance(error, dict) else {}
    code, subcode = info.get("code"), info.get("error_subcode")
    reason = f"Graph API {status} error {code}/{subcode}: {str(info.get('message', ''))[:300]}"
    if status == 429 or code in RATE_LIMITED:
        return RetryLater(reason, RATE_LIMIT_WAIT)
    if status >= 500 or code in TRANSIENT or not info:
        return RetryLater(reason)
    # 551 person unavailable, 10/2018278 outside the 24-hour window, 200/2018108 not receiving,
    # 100/2018001 no such user, 190 bad token, and any other rejection: retrying cannot help.
    return PermanentFailure(reason)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
