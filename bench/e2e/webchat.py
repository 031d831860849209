"""The web chat's phase of ``bench.e2e``: customers that post a message and long-poll its reply.

Each customer gets a server-issued chat (``POST /chat/api/session``), then, ``rounds`` times:
posts a text and long-polls ``GET /chat/api/messages?wait=1`` until the first reply after its
own message shows up. A round's latency runs from the post to that reply; rounds/s counts the
rounds of all customers over the phase's wall time (a closed loop: each customer waits for its
reply before it types again, so rounds/s is what the bot sustains for that many customers).

A closed loop's latency is its customers over its rounds/s (Little's law: 50 customers at
300 rounds/s wait 167 ms on average however fast each reply is made), so latency is also taken
the way the Telegram phase takes it: ``web_at_rate``, an open loop at a fixed rate below
capacity, each round timed from when it was due.
"""

from __future__ import annotations

import asyncio
import math
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
    rate: float = 0.0
    """Rounds/s of the open-loop phase (0: not run)."""
    rate_latencies: list[float] = field(default_factory=list)
    """Its rounds' latencies, each from when the round was due to its reply."""

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


async def web_at_rate(http: aiohttp.ClientSession, bases: list[str],
                      texts: dict[str, list[str]], *, rate: float, seconds: float,
                      deadline: float, result: WebResult) -> None:
    """Open loop: round i is due at start + i/``rate`` for ``seconds``, from customer
    i mod n, with n customers writing once a second each; each round's latency runs from
    when it was due, so a post that leaves late (its customer still waiting for the reply
    before) counts its lateness too."""
    customers = max(1, math.ceil(rate))
    count = max(1, int(rate * seconds))
    tokens = await asyncio.gather(*(_session(http, bases[i % len(bases)])
                                    for i in range(customers)))
    result.rate = rate
    start = time.monotonic() + 0.1

    async def customer(number: int, token: str) -> None:
        base, language = bases[number % len(bases)], LANGUAGES[number % len(LANGUAGES)]
        headers, last = {"X-Sarafan-Chat": token}, 0
        for i in range(number, count, customers):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body = {"text": texts[language][i % len(texts[language])], "language": language}
            await _post(http, base, headers, body, result)
            last = await _reply(http, base, headers, last, deadline)
            if last < 0:
                return
            result.rate_latencies.append(time.monotonic() - due)

    await asyncio.gather(*(customer(n, token) for n, token in enumerate(tokens)))


async def _post(http: aiohttp.ClientSession, base: str, headers: dict[str, str],
                body: dict[str, str], result: WebResult) -> None:
    """Post ``body`` until it is accepted (a 429 or 503 waits its Retry-After)."""
    while True:
        async with http.post(f"{base}/chat/api/messages", json=body,
                             headers=headers) as response:
            if response.status == 202:
                return
            if response.status not in (429, 503):
                raise SystemExit(f"post answered {response.status}: "
                                 f"{await response.text()}")
            result.refused += 1
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))


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
        await _post(http, base, headers, body, result)
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
