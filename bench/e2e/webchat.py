"""The web chat's phase of ``bench.e2e``: customers that post a message and long-poll its reply.

Each customer gets a server-issued chat (``POST /chat/api/session``), then, ``rounds`` times:
posts a text and long-polls ``GET /chat/api/messages?wait=1`` until the first reply after its
own message shows up. A round's latency runs from the post to that reply; rounds/s counts the
rounds of all customers over the phase's wall time (a closed loop: each customer waits for its
reply before it types again, so rounds/s is what the bot sustains for that many customers).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

LANGUAGES = ("en", "ru", "fa", "bg", "el")


@dataclass
class WebResult:
    """What the phase measured."""

    customers: int
    rounds: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    """Posts answered 429 or 503 (retried after a pause)."""

    @property
    def per_second(self) -> float:
        """Rounds finished per second of the phase."""
        return self.rounds / max(self.seconds, 1e-9)


async def web_chat(http: aiohttp.ClientSession, bases: list[str], texts: dict[str, list[str]],
                   *, customers: int, rounds: int, deadline: float) -> WebResult:
    """``customers`` customers, ``rounds`` rounds each, over the ``bases``, until ``deadline``
    (``time.monotonic()``)."""
    result = WebResult(customers)
    tokens = await asyncio.gather(*(_session(http, bases[i % len(bases)])
                                    for i in range(customers)))
    started = time.monotonic()
    await asyncio.gather(*(
        _customer(http, bases[i % len(bases)], token, texts[LANGUAGES[i % len(LANGUAGES)]],
                  LANGUAGES[i % len(LANGUAGES)], rounds, deadline, result)
        for i, token in enumerate(tokens)))
    result.seconds = time.monotonic() - started
    return result


async def _session(http: aiohttp.ClientSession, base: str) -> str:
    async with http.post(f"{base}/chat/api/session") as response:
        if response.status != 201:
            raise SystemExit(f"session answered {response.status}: {await response.text()}")
        return str((await response.json())["token"])


async def _customer(http: aiohttp.ClientSession, base: str, token: str, texts: list[str],
                    language: str, rounds: int, deadline: float, result: WebResult) -> None:
    headers = {"X-Sarafan-Chat": token}
    last = 0
    for number in range(rounds):
        posted = time.monotonic()
        body = {"text": texts[number % len(texts)], "language": language}
        while True:
            async with http.post(f"{base}/chat/api/messages", json=body,
                                 headers=headers) as response:
                if response.status == 202:
                    break
                if response.status not in (429, 503):
                    raise SystemExit(f"post answered {response.status}: "
                                     f"{await response.text()}")
                result.refused += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        last = await _reply(http, base, headers, last, deadline)
        if last < 0:
            return  # out of time: the phase reports the rounds that finished
        result.latencies.append(time.monotonic() - posted)
        result.rounds += 1


async def _reply(http: aiohttp.ClientSession, base: str, headers: dict[str, str], after: int,
                 deadline: float) -> int:
    """Long-poll until a reply follows our own message; the last id seen (-1: out of time)."""
    ours = False  # replies to an earlier round that land before our message do not count
    while time.monotonic() < deadline:
        async with http.get(f"{base}/chat/api/messages", params={"after": after, "wait": "1"},
                            headers=headers) as response:
            if response.status != 200:
                raise SystemExit(f"poll answered {response.status}: {await response.text()}")
            messages: list[dict[str, Any]] = (await response.json())["messages"]
        for message in messages:
            after = max(after, int(message["id"]))
            ours = ours or message["direction"] == "in"
            if ours and message["direction"] == "out":
                return after
    return -1
