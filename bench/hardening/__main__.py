"""``python -m bench.hardening [--flood N] [--probes N]``

Two of issue 15's figures, measured on a real ``sarafan run`` (subprocess, SQLite file, free
127.0.0.1 port, Telegram webhook with a secret to the loopback Bot API of tests/fakes/):

- **start-up**: seconds from ``sarafan run`` to a ready web chat (``/readyz`` 200) on a fresh
  database (first start: migrations, NLU training) and again on the same files (second start);
  and the wall time of ``sarafan --version`` and ``sarafan --help``;
- **flood**: a Telegram customer's reply latency (webhook → sendMessage at the Bot API) at rest
  and while ``--flood`` anonymous web-chat messages are posted as fast as 64 connections allow,
  spread over as many server-issued chats as the flood has clients (how many the web chat
  accepted and how many it refused with 429 are shown).

The fuzz figure (5xx count over 12,000 hostile requests) comes from the test suite:
``SARAFAN_TEST_FUZZ_REQUESTS=12000 pytest tests/hardening/test_fuzz.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.e2e.__main__ import (
    CONNECTIONS,
    PATH,
    TimedBotApi,
    free_port,
    percentile,
    post,
    running_bot,
    sarafan_command,
    update,
)

SARAFAN = Path(sys.executable).with_name("sarafan")


def _web_only_env(port: int, workdir: Path) -> dict[str, str]:
    return {**os.environ,
            "SARAFAN_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'start.sqlite3'}",
            "SARAFAN_HOST": "127.0.0.1", "SARAFAN_PORT": str(port),
            "SARAFAN_LOG_LEVEL": "WARNING"}


async def _ready(port: int, process: asyncio.subprocess.Process, deadline: float) -> float:
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise SystemExit(f"sarafan run exited with {process.returncode}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("sarafan run was not ready in time")


async def one_start(workdir: Path) -> float:
    """Seconds until a new ``sarafan run`` on ``workdir``'s files answers /readyz."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(SARAFAN), "run", env=_web_only_env(port, workdir),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, cwd=workdir)
    try:
        return await _ready(port, process, time.monotonic() + 180)
    finally:
        process.terminate()
        await process.wait()


def command_seconds(*args: str) -> float:
    started = time.monotonic()
    subprocess.run([str(SARAFAN), *args], check=True, capture_output=True)
    return time.monotonic() - started


async def startup() -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory(prefix="sarafan-start-") as tmp:
        first = await one_start(Path(tmp))
        second = await one_start(Path(tmp))
    return [("first start (fresh database)", first), ("second start (same files)", second),
            ("sarafan --version", command_seconds("--version")),
            ("sarafan --help", command_seconds("--help"))]


async def _latencies(http: aiohttp.ClientSession, url: str, api: TimedBotApi,
                     chats: list[int], first_id: int, gap: float) -> list[float]:
    """One Telegram message per chat, ``gap`` seconds apart; each one's time to its reply."""
    latencies: list[float] = []
    for number, chat in enumerate(chats):
        sent = time.monotonic()
        await post(http, url, update(first_id + number, chat, number))
        deadline = sent + 120
        while time.monotonic() < deadline:
            after = [t for t in api.replies[chat] if t >= sent]
            if after:
                latencies.append(min(after) - sent)
                break
            await asyncio.sleep(0.01)
        else:
            latencies.append(float("inf"))
        await asyncio.sleep(gap)
    return latencies


async def _flood(http: aiohttp.ClientSession, base: str, messages: int, clients: int
                 ) -> dict[str, int]:
    """``messages`` posts over ``clients`` server-issued chats, 64 at a time; status counts."""
    tokens: list[str] = []
    for _ in range(clients):
        async with http.post(f"{base}/chat/api/session") as response:
            tokens.append((await response.json())["token"])
    statuses: dict[str, int] = {}
    gate = asyncio.Semaphore(CONNECTIONS)

    async def one(number: int) -> None:
        headers = {"X-Sarafan-Chat": tokens[number % len(tokens)]}
        async with gate, http.post(f"{base}/chat/api/messages", headers=headers,
                                   json={"text": f"flood {number}"}) as response:
            key = str(response.status)
            statuses[key] = statuses.get(key, 0) + 1

    await asyncio.gather(*(one(n) for n in range(messages)))
    return statuses


async def flood(args: argparse.Namespace) -> list[tuple[str, str]]:
    api = TimedBotApi()
    await api.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = base + PATH
    rows: list[tuple[str, str]] = []
    scratch = tempfile.TemporaryDirectory(prefix="sarafan-flood-")
    command = sarafan_command(f"sqlite+aiosqlite:///{scratch.name}/flood.sqlite3")
    try:
        async with running_bot(command, api, port), \
                aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            warm = [20_000 + n for n in range(args.probes)]
            await _latencies(http, url, api, warm, 1, 0.0)  # first contact: language, greeting
            quiet = await _latencies(http, url, api, warm, 1_000, 0.1)
            started = time.monotonic()
            flooding = asyncio.create_task(_flood(http, base, args.flood, args.clients))
            await asyncio.sleep(0.5)
            loud = await _latencies(http, url, api, warm, 2_000, 0.1)
            statuses = await flooding
            took = time.monotonic() - started
            for name, values in (("at rest", quiet), ("during the flood", loud)):
                ms = [percentile(values, share) * 1000 for share in (0.5, 0.95, 1.0)]
                rows.append((f"Telegram reply {name}",
                             f"p50 {ms[0]:.0f} ms, p95 {ms[1]:.0f} ms, max {ms[2]:.0f} ms "
                             f"({len(values)} messages)"))
            rows.append(("web-chat flood", f"{args.flood} posts over {args.clients} chats in "
                         f"{took:.1f} s: " + ", ".join(f"{count}× {status}" for status, count
                                                       in sorted(statuses.items()))))
    finally:
        await api.stop()
        scratch.cleanup()
    return rows


async def main(args: argparse.Namespace) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows: list[tuple[str, Any]] = [(name, f"{value:.2f} s") for name, value in await startup()]
    rows += await flood(args)
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value   (load before: {load}; after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=3000, help="web-chat posts in the flood")
    parser.add_argument("--clients", type=int, default=300, help="web chats the flood uses")
    parser.add_argument("--probes", type=int, default=20, help="Telegram messages per phase")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
