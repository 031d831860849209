"""``python -m bench.e2e [--updates N] [--chats N] [--rate R] [--rounds N] [--setups ...]
[--web-customers N] [--web-rounds N] [--after-quiet]``

End to end on this machine: a real ``sarafan run`` (subprocess, free 127.0.0.1 port, Telegram
webhook with a secret) and a bare aiogram 3 echo bot (``bench.e2e.echo``) take turns, each with
its own loopback Bot API (tests/fakes/botapi.py) in this process. Sarafan runs in each of the
``--setups``: ``sqlite`` (a file), ``postgres`` (a scratch database on SARAFAN_TEST_POSTGRES)
and ``postgres2`` (two processes on one scratch database, updates posted to each in turn, as a
load balancer would). For each:

- a burst of N updates (texts in en, ru, fa, bg, el) over C chats, posted through 64
  connections: **ingest** updates/s (until the last webhook answered 200) and **end to end**
  updates/s (until the last reply reached the Bot API);
- a fixed, open-loop rate below capacity (``--rate``, at most half the burst's end-to-end
  rate) to chats already known: reply latency p50/p95/p99 (time to the chat's next reply);
- the web chat (``bench.e2e.webchat``, Sarafan only): ``--web-customers`` customers, each with a
  server-issued chat, post a message and long-poll its reply ``--web-rounds`` times: **rounds/s**
  and latency p50/p95/p99 from the post to the reply seen, in a second table; then an open
  loop at ``--rate`` (at most half those rounds/s), with latency from when each round was due
  to its reply, as the Telegram phase takes it;
- peak RSS of the bot's process (VmHWM; the larger of two processes);
- the bot's CPU per update (user and system, every process of it) in the burst and at the
  fixed rate, which moves far less with the machine's load than rates and latencies do;
- the load average when the run ended (this machine is shared).

Everything stays on 127.0.0.1; every loop is bounded by a count or a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from bench.e2e.databases import scratch_database
from bench.e2e.webchat import WebResult, web_at_rate, web_chat
from tests.fakes.botapi import TOKEN, FakeBotApi

SECRET = "bench-e2e-secret"
PATH = "/telegram/webhook"
CONNECTIONS = 64
TEXTS = {
    "en": ["Hello! Where is my order?", "How can I return an item?", "What are your hours?"],
    "ru": ["Здравствуйте! Где мой заказ?", "Как вернуть товар?", "Во сколько вы работаете?"],
    "fa": ["سلام! سفارش من کجاست؟", "چطور می‌توانم کالا را پس بدهم؟", "ساعت کاری شما چیست؟"],
    "bg": ["Здравейте! Къде е поръчката ми?", "Как да върна продукт?",
           "Какво е работното ви време?"],
    "el": ["Γεια σας! Πού είναι η παραγγελία μου;", "Πώς επιστρέφω ένα προϊόν;",
           "Τι ώρες είστε ανοιχτά;"],
}
LANGUAGES = list(TEXTS)
QUIET_SECONDS = 1.5
"""No reply for this long after the last expected one: the burst is over."""


class TimedBotApi(FakeBotApi):
    """The loopback Bot API, noting when each chat's replies arrive."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.replies: defaultdict[int, list[float]] = defaultdict(list)
        self.total = 0
        self.last = 0.0

    async def _sendMessage(self, params: dict[str, Any]) -> web.Response:
        response = await super()._sendMessage(params)
        if response.status == 200:
            now = time.monotonic()
            self.replies[int(params["chat_id"])].append(now)
            self.total, self.last = self.total + 1, now
        self.calls.clear()  # the base keeps every call; the bench needs only the times
        return response


@dataclass
class Result:
    name: str
    ingest: float
    e2e: float
    answered: int
    posted: int
    rate: float
    latencies: list[float]
    replies: int
    redelivered: int
    rss_mb: float
    loadavg: tuple[float, float, float]
    web: WebResult | None = None
    cpu_burst_ms: float = float("nan")
    """The bot's CPU (every process, user and system) per update in the burst."""
    cpu_rate_ms: float = float("nan")
    """The same at the fixed rate, where turns come one or two at a time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update(update_id: int, chat: int, number: int) -> dict[str, Any]:
    language = LANGUAGES[chat % len(LANGUAGES)]
    text = TEXTS[language][number % len(TEXTS[language])]
    person = {"id": chat, "is_bot": False, "first_name": f"Bench {chat}",
              "language_code": language}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text, "from": person,
        "chat": {"id": chat, "type": "private", "first_name": f"Bench {chat}"}}}


def sarafan_command(database_url: str) -> Command:
    """``sarafan run`` on ``database_url``."""

    def command(port: int, api: str, _workdir: Path) -> tuple[list[str], dict[str, str]]:
        return _sarafan(database_url, port, api)

    return command


def _sarafan(database_url: str, port: int, api: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ,
           "SARAFAN_DATABASE_URL": database_url,
           "SARAFAN_HOST": "127.0.0.1", "SARAFAN_PORT": str(port),
           "SARAFAN_LOG_LEVEL": "WARNING", "SARAFAN_ENVIRONMENT": "production",
           "SARAFAN_TELEGRAM__BOT_TOKEN": TOKEN, "SARAFAN_TELEGRAM__API_BASE": api,
           "SARAFAN_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{port}",
           "SARAFAN_TELEGRAM__WEBHOOK_SECRET": SECRET,
           # Every bench customer posts from 127.0.0.1 and types faster than a person: the
           # flood limits would measure themselves, not the bot.
           "SARAFAN_WEBCHAT_IP_LIMIT": "1000000", "SARAFAN_WEBCHAT_CHAT_LIMIT": "1000000"}
    sarafan = Path(sys.executable).with_name("sarafan")
    return [str(sarafan), "run"], env


Command = Callable[[int, str, Path], tuple[list[str], dict[str, str]]]


def echo_command(port: int, api: str, _workdir: Path) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "bench.e2e.echo", "--port", str(port), "--api", api,
            "--token", TOKEN, "--secret", SECRET], dict(os.environ)


@contextlib.asynccontextmanager
async def running_bot(command: Command, api: TimedBotApi, port: int
                      ) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot's process, ready (webhook set, port open); stopped with SIGTERM afterwards."""
    with tempfile.TemporaryDirectory(prefix="sarafan-e2e-") as tmp:
        argv, env = command(port, api.base_url, Path(tmp))
        log_path = Path(tmp) / "bot.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *argv, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 300  # start-up is slow on a loaded machine
                while not (api.webhook_url and _listening(port)):
                    if process.returncode is not None or time.monotonic() > deadline:
                        log.flush()
                        tail = log_path.read_text("utf-8", "replace")[-3000:]
                        raise SystemExit(f"{argv[0]} did not start:\n{tail}")
                    await asyncio.sleep(0.1)
                try:
                    yield process
                except BaseException:
                    log.flush()
                    print(log_path.read_text("utf-8", "replace")[-4000:], file=sys.stderr)
                    raise
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                _keep_log(log_path, port)


def _keep_log(log_path: Path, port: int) -> None:
    """With ``BENCH_LOGS=DIR``, the bot's log is kept there (the run's directory goes away)."""
    keep = os.environ.get("BENCH_LOGS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, Path(keep) / f"bot-{port}-{int(time.time())}.log")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


REDELIVERIES = 50
"""Like Telegram, a webhook answered with an error is delivered again (bounded here)."""
counts = {"redelivered": 0}


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for _ in range(REDELIVERIES):
        try:
            async with http.post(url, json=body, headers=headers) as response:
                if response.status == 200:
                    return
                if response.status < 500:
                    raise SystemExit(
                        f"webhook answered {response.status}: {await response.text()}")
        except aiohttp.ClientConnectionError:
            # A keep-alive connection the server closed as this request went out (uvicorn
            # closes idle ones after 5 s): Telegram delivers again, and so does the bench.
            pass
        counts["redelivered"] += 1
        await asyncio.sleep(0.05)
    raise SystemExit(f"update {body['update_id']} refused {REDELIVERIES} times")


async def wait_for_replies(api: TimedBotApi, expected: int, deadline: float) -> None:
    """Until ``expected`` replies came and then none for QUIET_SECONDS, or the deadline."""
    while time.monotonic() < deadline:
        if api.total >= expected and time.monotonic() - api.last > QUIET_SECONDS:
            return
        await asyncio.sleep(0.1)


QUIET_IDS = 10_000_000
"""Update ids of ``--after-quiet``'s first messages, clear of the burst's and the rate's."""


async def quiet_spell(send: Callable[[dict[str, Any]], Awaitable[None]], api: TimedBotApi,
                      chats: list[int], database_url: str | None, deadline: float) -> None:
    """``--after-quiet``: every chat writes once and is answered, then PostgreSQL's statistics
    are taken as autovacuum takes them after a quiet spell (every queued row finished), and
    the counters start afresh for the burst that follows, as after a viral post."""
    await asyncio.gather(*(send(update(QUIET_IDS + n, chat, 0))
                           for n, chat in enumerate(chats)))
    await wait_for_replies(api, len(chats), deadline)
    if database_url is not None and database_url.startswith("postgresql"):
        connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        await connection.execute("ANALYZE")
        await connection.close()
    api.replies.clear()
    api.total, api.last = 0, 0.0


async def measure(name: str, commands: list[Command], args: argparse.Namespace,
                  database_url: str | None = None) -> Result:
    api = TimedBotApi()
    await api.start()
    ports = [free_port() for _ in commands]
    urls = [f"http://127.0.0.1:{port}{PATH}" for port in ports]
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with contextlib.AsyncExitStack() as stack:
            processes = [await stack.enter_async_context(running_bot(command, api, port))
                         for command, port in zip(commands, ports, strict=True)]
            http = await stack.enter_async_context(
                aiohttp.ClientSession(connector=connector, timeout=timeout))
            chats = [10_000 + n for n in range(args.chats)]
            bodies = [update(n + 1, chats[n % len(chats)], n // len(chats))
                      for n in range(args.updates)]
            gate = asyncio.Semaphore(CONNECTIONS)

            async def send(body: dict[str, Any]) -> None:
                async with gate:
                    await post(http, urls[body["update_id"] % len(urls)], body)

            if args.after_quiet:
                await quiet_spell(send, api, chats, database_url,
                                  time.monotonic() + args.timeout)
            counts["redelivered"] = 0
            pids = [process.pid for process in processes]
            cpu_before = cpu_seconds(pids)
            started = time.monotonic()
            await asyncio.gather(*(send(body) for body in bodies))
            ingested = time.monotonic()
            await wait_for_replies(api, args.updates, started + args.timeout)
            e2e = args.updates / max(1e-9, api.last - started)
            answered = sum(min(len(api.replies[chat]), args.updates // len(chats))
                           for chat in chats)
            replies, retried = api.total, counts["redelivered"]
            cpu_burst = cpu_seconds(pids) - cpu_before
            rate = min(args.rate, e2e / 2)
            cpu_before = cpu_seconds(pids)
            latencies = await fixed_rate(http, urls, api, chats, rate, args,
                                         first_id=args.updates + 1)
            cpu_rate = cpu_seconds(pids) - cpu_before
            web = None
            if name != "echo" and args.web_customers > 0:
                web = await web_phase([f"http://127.0.0.1:{port}" for port in ports], args)
            rss = max(peak_rss_mb(process.pid) for process in processes)
            return Result(name, args.updates / (ingested - started), e2e, answered,
                          args.updates, rate, latencies, replies, retried, rss,
                          os.getloadavg(), web,
                          cpu_burst_ms=cpu_burst / args.updates * 1e3,
                          cpu_rate_ms=cpu_rate / max(1, len(latencies)) * 1e3)
    finally:
        await api.stop()


async def web_phase(bases: list[str], args: argparse.Namespace) -> WebResult:
    """The web chat's customers, each holding a connection for its long-poll."""
    connector = aiohttp.TCPConnector(limit=max(args.web_customers, math.ceil(args.rate)) * 2)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        result = await web_chat(http, bases, TEXTS, customers=args.web_customers,
                                rounds=args.web_rounds,
                                deadline=time.monotonic() + args.timeout)
        await web_at_rate(http, bases, TEXTS, rate=min(args.rate, result.per_second / 2),
                          seconds=args.seconds,
                          deadline=time.monotonic() + args.seconds + args.timeout,
                          result=result)
        return result


async def fixed_rate(http: aiohttp.ClientSession, urls: list[str], api: TimedBotApi,
                     chats: list[int], rate: float, args: argparse.Namespace,
                     first_id: int) -> list[float]:
    """Open loop: update i leaves at start + i/rate, each to the next known chat in turn."""
    count = max(1, int(rate * args.seconds))
    posted: list[tuple[int, float]] = []
    start = time.monotonic()

    async def one(i: int) -> None:
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
        chat = chats[i % len(chats)]
        posted.append((chat, time.monotonic()))
        await post(http, urls[i % len(urls)], update(first_id + i, chat, i))

    await asyncio.gather(*(one(i) for i in range(count)))
    deadline = time.monotonic() + args.timeout
    latencies: list[float] = []
    for chat, at in posted:
        while time.monotonic() < deadline:
            after = [t for t in api.replies[chat] if t >= at]
            if after:
                latencies.append(min(after) - at)
                break
            await asyncio.sleep(0.05)
    return latencies


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(results: list[Result]) -> None:
    print(f"{'bot':<10} {'e2e/s':>8} {'ingest/s':>9} {'answered':>11} {'rate/s':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>9} {'replies':>7} {'503s':>5} {'RSS MB':>7}"
          f" {'CPU ms/u':>8} {'at rate':>7}  load (1/5/15)")
    for r in results:
        p = [percentile(r.latencies, s) * 1000 for s in (0.5, 0.95, 0.99)]
        print(f"{r.name:<10} {r.e2e:>8.1f} {r.ingest:>9.1f} {r.answered:>5}/{r.posted:<5} "
              f"{r.rate:>7.1f} {p[0]:>8.1f} {p[1]:>8.1f} {p[2]:>9.1f} {r.replies:>7} "
              f"{r.redelivered:>5} "
              f"{r.rss_mb:>7.0f} {r.cpu_burst_ms:>8.2f} {r.cpu_rate_ms:>7.2f}  "
              f"{' '.join(f'{x:.2f}' for x in r.loadavg)}")
    web = [r for r in results if r.web is not None]
    if web:
        print(f"\n{'web chat':<10} {'customers':>9} {'rounds':>7} {'rounds/s':>9} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'p99 ms':>9} | {'rate/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'p99 ms':>8} {'429/503':>7}  load (1/5/15)")
    for r in web:
        assert r.web is not None
        w = r.web
        p = [percentile(w.latencies, s) * 1000 for s in (0.5, 0.95, 0.99)]
        q = [percentile(w.rate_latencies, s) * 1000 for s in (0.5, 0.95, 0.99)]
        print(f"{r.name:<10} {w.customers:>9} {w.rounds:>7} {w.per_second:>9.1f} "
              f"{p[0]:>8.1f} {p[1]:>8.1f} {p[2]:>9.1f} | {w.rate:>7.1f} {q[0]:>8.1f} "
              f"{q[1]:>8.1f} {q[2]:>8.1f} {w.refused:>7}  "
              f"{' '.join(f'{x:.2f}' for x in r.loadavg)}")
    echo = [r.e2e for r in results if r.name == "echo"]
    for setup in dict.fromkeys(r.name for r in results if r.name != "echo"):
        sarafan = [r.e2e for r in results if r.name == setup]
        if echo:
            ratio = statistics.median(sarafan) / statistics.median(echo)
            print(f"end-to-end ratio {setup}/echo: {ratio:.3f} (medians over rounds)")


async def main(args: argparse.Namespace) -> None:
    results: list[Result] = []
    for _ in range(args.rounds):  # alternating, so a change in the machine's load hits both
        if not args.no_echo:
            results.append(await measure("echo", [echo_command], args))
        for setup in args.setups.split(","):
            kind, processes = setup.rstrip("2"), 2 if setup.endswith("2") else 1
            with tempfile.TemporaryDirectory(prefix="sarafan-e2e-db-") as tmp:
                async with scratch_database(kind, Path(tmp)) as url:
                    results.append(await measure(setup, [sarafan_command(url)] * processes,
                                                 args, url))
    report(results)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0,
                        help="updates/s for latency (capped at half the end-to-end rate)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the rate phase")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--setups", default="sqlite,postgres,postgres2",
                        help="sqlite, postgres, postgres2 (two processes), comma-separated")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bot")
    parser.add_argument("--web-customers", type=int, default=50,
                        help="web chat customers at once (0: skip the web chat)")
    parser.add_argument("--web-rounds", type=int, default=20,
                        help="messages each web chat customer sends, one reply awaited each")
    parser.add_argument("--after-quiet", action="store_true",
                        help="every chat writes once and PostgreSQL's statistics are taken "
                             "before the burst (a quiet bot, then a viral post)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="longest wait for the replies of a phase")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
