"""Where features plug in: commands, button namespaces, flows, text handlers, storage hooks."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute

from bot.engine.types import ContactInfo, Outcome, Record, Turn
from bot.messages import Inbound

Handler = Callable[[Turn], Outcome | None]
CommandHandler = Callable[[Turn, str], Outcome]
RecordHandler = Callable[[AsyncSession, ContactInfo, Any], Awaitable[None]]
ContextLoader = Callable[[AsyncSession, Inbound, ContactInfo, dict[str, Any]], Awaitable[None]]
ContextBatchLoader = Callable[[AsyncSession, Sequence[tuple[Inbound, int]]],
                              Awaitable[list[dict[str, Any]]]]
"""What a ``ContextLoader`` adds, for many turns in one or two queries: given ``(message,
contact_id)`` pairs, one context fragment each, in order. Only used for a group's turns whose
contact has no other turn in the group, so nothing an earlier turn writes can be missed."""
OnDemandLoader = Callable[[AsyncSession, Inbound, ContactInfo], Awaitable[Any]]
"""The value of one context key, loaded only when a flow asks for it (``Turn.needs``)."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a scheduled job's handler is told: its payload and the scheduler's clock."""

    kind: str
    payload: dict[str, Any]
    now: datetime
    attempt: int
    registry: Registry


JobHandler = Callable[[AsyncSession, JobContext], Awaitable[None]]
"""Runs one scheduled job in its own transaction (the scheduler commits); raise to retry."""
ContactHook = Callable[[AsyncSession, int], Awaitable[Any]]
"""Per-contact storage work (erase, export): ``(session, contact_id)``."""

FEATURES = (
    "bot.flows.basics",
    "bot.support",
    "bot.consent",
    "bot.surveys",
    "bot.feedback",
    "bot.beta",
    "bot.webhooks",
    "bot.api",
    "bot.dashboard",
)
"""Modules with a ``register(registry)`` function; each feature adds itself here."""


@dataclass(order=True, frozen=True, slots=True)
class _Ranked:
    priority: int
    name: str
    handler: Handler = field(compare=False)


@dataclass
class Registry:
    """Everything the engine dispatches to, filled by each feature's ``register``."""

    commands: dict[str, CommandHandler] = field(default_factory=dict)
    command_help: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)
    text_handlers: list[_Ranked] = field(default_factory=list)
    records: dict[type[Record], RecordHandler] = field(default_factory=dict)
    loaders: list[ContextLoader] = field(default_factory=list)
    batch_loaders: dict[int, ContextBatchLoader] = field(default_factory=dict)
    """For the loader at that index of ``loaders``: the same context for many turns at once."""
    on_demand_loaders: dict[str, OnDemandLoader] = field(default_factory=dict)
    start_payloads: dict[str, CommandHandler] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    periodic_jobs: dict[str, float] = field(default_factory=dict)
    hooks: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)
    erasers: dict[str, ContactHook] = field(default_factory=dict)
    exporters: dict[str, ContactHook] = field(default_factory=dict)
    routes: list[BaseRoute] = field(default_factory=list)

    def command(self, name: str, handler: CommandHandler, help_msgid: str = "") -> None:
        """Register ``/name``; ``help_msgid`` is listed by /help."""
        self.commands[name] = handler
        if help_msgid:
            self.command_help[name] = help_msgid

    def button(self, namespace: str, handler: Handler) -> None:
        """Route button payloads ``namespace:...`` to ``handler``."""
        self.buttons[namespace] = handler

    def flow(self, name: str, handler: Handler) -> None:
        """The handler for free text while ``state.flow == name``."""
        self.flows[name] = handler

    def text(self, name: str, handler: Handler, priority: int = 100) -> None:
        """A handler tried for free text outside a flow; lower priority runs first."""
        self.text_handlers.append(_Ranked(priority, name, handler))
        self.text_handlers.sort()

    def record(self, kind: type[Record], handler: RecordHandler) -> None:
        """How storage writes a record of ``kind``."""
        self.records[kind] = handler

    def loader(self, loader: ContextLoader, *, many: ContextBatchLoader | None = None) -> None:
        """An async step that adds to ``turn.context`` before the pure engine runs; ``many``
        loads the same for a group of turns in one go (fewer round trips per turn)."""
        self.loaders.append(loader)
        if many is not None:
            self.batch_loaders[len(self.loaders) - 1] = many

    def on_demand(self, key: str, loader: OnDemandLoader) -> None:
        """Context ``key`` is loaded only for a turn whose flow asks for it (``Turn.needs``):
        for context few turns use, a query per group saved on every other turn."""
        self.on_demand_loaders[key] = loader

    def start_payload(self, prefix: str, handler: CommandHandler) -> None:
        """Deep links ``/start prefix-rest`` (Telegram) or ``ref=prefix-rest`` (Messenger)."""
        self.start_payloads[prefix] = handler

    def job(self, kind: str, handler: JobHandler, *, every_seconds: float | None = None) -> None:
        """How the durable scheduler runs jobs of ``kind`` (``bot.scheduler.schedule``).

        With ``every_seconds`` the job also runs periodically (retention, webhook dispatch),
        once per deployment at a time, whatever the number of processes.
        """
        self.jobs[kind] = handler
        if every_seconds is not None:
            self.periodic_jobs[kind] = every_seconds

    def hook(self, name: str, handler: Callable[..., Any]) -> None:
        """Add ``handler`` to the named extension point another feature calls.

        E.g. surveys call ``hooks_for("survey.promoter")`` to collect the next steps (buttons)
        the beta and referral features offer a promoter, without importing them.
        """
        self.hooks.setdefault(name, []).append(handler)

    def hooks_for(self, name: str) -> list[Callable[..., Any]]:
        """The handlers added for ``name``, in registration order (empty if none)."""
        return list(self.hooks.get(name, ()))

    def eraser(self, name: str, handler: ContactHook) -> None:
        """``/forget``: erase or anonymise what feature ``name`` keeps about a contact."""
        self.erasers[name] = handler

    def exporter(self, name: str, handler: ContactHook) -> None:
        """``/mydata``: what feature ``name`` keeps about a contact, as JSON-ready data."""
        self.exporters[name] = handler

    def route(self, route: BaseRoute) -> None:
        """An HTTP route a feature serves (API, callbacks), mounted by the web app."""
        self.routes.append(route)


def build_registry(features: tuple[str, ...] = FEATURES, **settings: Any) -> Registry:
    """A registry with every listed feature module registered."""
    registry = Registry(settings=dict(settings))
    for name in features:
        importlib.import_module(name).register(registry)
    return registry
