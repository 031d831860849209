"""Wiring: settings -> storage, NLU, engine, channels, HTTP app; and running it all."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import importlib
import logging
import signal
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field

import uvicorn
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.channels.base import Channel
from bot.channels.runtime import ChannelRuntime, Ingest
from bot.channels.webchat import WebChatChannel
from bot.config import Settings
from bot.engine.leases import Leases, worker_identity
from bot.engine.processor import Processor
from bot.engine.registry import Registry, build_registry
from bot.engine.sender import Sender
from bot.engine.signals import ChatSignals
from bot.messages import Inbound
from bot.nlu_setup import build_nlu
from bot.scheduler.runner import JobRunner
from bot.storage import migrate
from bot.storage.inbox import InboxWriter, chat_key
from bot.storage.session import SessionMaker, create_engine, create_sessionmaker
from bot.storage.wakeups import Wakeups
from bot.support.kb.check import verify_content
from bot.web.app import create_http_app
from bot.web.state import AppState

log = logging.getLogger("sarafan")


@dataclass
class Bot:
    """Everything one worker runs, built from settings."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    registry: Registry
    processor: Processor
    sender: Sender
    jobs: JobRunner
    leases: Leases
    state: AppState
    http: Starlette
    ingest: Ingest
    """Store an inbound update (group commit), then wake the processor."""
    wakeups: Wakeups
    """Wake-ups to and from the deployment's other processes (PostgreSQL only)."""
    runtimes: list[ChannelRuntime] = field(default_factory=list)

    async def close(self) -> None:
        """Release connections and sessions."""
        for runtime in self.runtimes:
            await runtime.close()
        await self.engine.dispose()


WEBCHAT_KEY = chat_key(WebChatChannel.name, None, "")
"""The chat keys of web-chat conversations start with this."""

CHANNEL_MODULES: tuple[str, ...] = ("bot.channels.messenger", "bot.channels.telegram")
"""Modules with ``runtime(settings, ingest) -> ChannelRuntime | None``; None when unconfigured."""


def channel_runtimes(settings: Settings, ingest: Ingest) -> list[ChannelRuntime]:
    """The configured channels beyond the always-on web chat."""
    runtimes = (importlib.import_module(name).runtime(settings, ingest) for name in CHANNEL_MODULES)
    return [runtime for runtime in runtimes if runtime is not None]


async def build_bot(settings: Settings, *, migrate_db: bool = True) -> Bot:
    """Check the content, migrate the database and assemble the worker."""
    verify_content(settings)
    if migrate_db:
        await migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url, pool_size=settings.database_pool)
    sessionmaker = create_sessionmaker(engine)
    nlu = await build_nlu(settings)
    registry = build_registry(settings=settings)
    state = AppState(sessionmaker)
    channels: dict[str, Channel] = {"webchat": WebChatChannel()}
    leases = Leases(sessionmaker, worker=worker_identity(settings.worker_id, settings.port),
                    seconds=settings.lease_seconds)
    signals = ChatSignals()  # the web chat's long-polls wait here, each on its own chat

    def woken(kind: str, key: str) -> None:
        """Another process's wake-up: a web-chat reply delivered, or an update stored."""
        if kind == "chat":
            signals.notify(key)
        elif kind == "inbox":
            processor.wake.set()

    # Several processes on one PostgreSQL database wake each other's workers and long-polls.
    wakeups = Wakeups(settings.database_url, woken)

    def delivered(key: str) -> None:
        signals.notify(key)
        if key.startswith(WEBCHAT_KEY):  # only web-chat long-polls wait for deliveries
            wakeups.publish("chat", key)

    sender = Sender(sessionmaker, channels, leases=leases, on_delivered=delivered)
    processor = Processor(sessionmaker, registry, nlu, default_language=settings.default_language,
                          concurrency=settings.workers, leases=leases,
                          on_outbox=sender.wake.set)
    state.processor_wake = processor.wake.set
    jobs = JobRunner(sessionmaker, registry, on_outbox=sender.wake.set)
    state.extras.update(registry=registry, settings=settings, sender_wake=sender.wake.set)

    store = InboxWriter(sessionmaker)

    async def ingest(message: Inbound) -> bool:
        stored = await store(message)
        processor.wake.set()
        if processor.busy:
            # Ours takes it when its turns finish; another process may be free now. When ours
            # is idle it takes the row at once, and waking the others too only sent every
            # process to claim the same row: one gets it, the others' statements are wasted.
            wakeups.publish("inbox")
        return stored

    state.extras.update(ingest=ingest, chat_signals=signals)

    runtimes = channel_runtimes(settings, ingest)
    for runtime in runtimes:
        channels[runtime.channel.name] = runtime.channel
    http = create_http_app(state, [*(route for rt in runtimes for route in rt.routes),
                                   *registry.routes])
    return Bot(settings, engine, sessionmaker, registry, processor, sender, jobs, leases, state,
               http, ingest, wakeups, runtimes)


GC_YOUNG_THRESHOLD = 10_000
"""Allocations (net of frees) between collections of the youngest generation (CPython: 700)."""


def run_serve(settings: Settings) -> int:
    """``serve`` on uvloop (uvicorn's ``standard`` extra brings it), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(serve(settings))
    return uvloop.run(serve(settings))


async def serve(settings: Settings) -> int:
    """Run HTTP, workers and channels until SIGINT/SIGTERM; in-flight turns finish first.

    Returns the process exit status: 0 after a requested stop, 1 when a part died on its own.
    """
    bot = await build_bot(settings)
    # What start-up built (the model, content, ~1M library objects) lives as long as the
    # process: out of the collector's sight, full collections under load stop rescanning it.
    gc.collect()
    gc.freeze()
    # Each turn allocates a few hundred containers (SQLAlchemy rows, pydantic models), so at
    # CPython's 700 a full collection ran every 1-2 s at 100 updates/s and took 14-32 ms: a
    # pause shared by every reply waiting behind it. At 10,000 (bench.e2e on PostgreSQL, 5,000
    # updates then 1,000 at 100/s): no full collection after start-up instead of 11, and 0.2 s
    # in the collector instead of 1.05 s. Nothing is kept from collection, only collected
    # later.
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
    await bot.leases.reclaim_own()  # a kill -9 of our previous run: its chats go on at once
    stop, workers_done = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = http_server(bot.http, settings)
    tasks = [
        asyncio.create_task(server.serve(), name="http"),
        asyncio.create_task(bot.processor.run_forever(stop), name="processor"),
        asyncio.create_task(bot.sender.run_forever(stop), name="sender"),
        asyncio.create_task(bot.jobs.run_forever(stop), name="scheduler"),
        *([asyncio.create_task(bot.wakeups.run_forever(stop), name="wake-ups")]
          if bot.wakeups.enabled else []),
        *(asyncio.create_task(_coroutine(rt.run(stop)), name=rt.channel.name)
          for rt in bot.runtimes),
    ]
    # The heartbeat outlives ``stop``: claims stay ours while in-flight turns finish.
    heartbeat = asyncio.create_task(bot.leases.run_forever(workers_done), name="leases")
    crashed: list[str] = []
    for task in tasks:
        task.add_done_callback(functools.partial(_watch, stop, crashed))
    if await _bound(server, tasks[0]):
        served = ", ".join(["web chat", *(rt.description for rt in bot.runtimes)])
        log.info("Sarafan serving %s on http://%s:%d/chat with %s", served, settings.host,
                 settings.port, _safe_url(settings.database_url))
    await stop.wait()
    log.info("stopping: finishing in-flight messages")
    server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    workers_done.set()
    await heartbeat
    await bot.close()
    if crashed:
        log.error("stopped after %s failed", ", ".join(crashed))
        return 1
    log.info("stopped cleanly")
    return 0


async def _coroutine(awaitable: Awaitable[None]) -> None:
    await awaitable


async def _bound(server: uvicorn.Server, http: asyncio.Task[None]) -> bool:
    """Wait until the HTTP socket is listening (True) or the server gave up (False)."""
    # uvicorn exposes only a `started` flag, no event to wait on.
    while not server.started and not http.done():  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    return server.started


def _watch(stop: asyncio.Event, crashed: list[str], task: asyncio.Task[None]) -> None:
    """A part that ends before we asked it to stops everything, so a supervisor restarts us."""
    if stop.is_set() or task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("%s failed: %s", task.get_name(), error, exc_info=error)
    else:
        log.error("%s ended unexpectedly", task.get_name())
    crashed.append(task.get_name())
    stop.set()


def http_server(http: Starlette, settings: Settings) -> uvicorn.Server:
    """uvicorn for ``http``; its log records go to our handlers, so secrets are masked."""
    # log_config=None: uvicorn's default config gives its loggers their own handlers, which
    # would bypass the root handlers' secret masking. Long-polling web chats would otherwise
    # hold Ctrl+C for their full 20 s wait: hence the short graceful timeout.
    return _Server(uvicorn.Config(http, host=settings.host, port=settings.port,
                                  log_level="warning", log_config=None, lifespan="off",
                                  access_log=False,  # a line per webhook: off, as at WARNING
                                  timeout_graceful_shutdown=2))


class _Server(uvicorn.Server):
    """Signals are ours: one stop event ends HTTP and the workers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
