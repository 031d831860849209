"""Where features plug in: commands, button namespaces, flows, text handlers, storage hooks."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import ContactInfo, Outcome, Record, Turn
from bot.messages import Inbound

Handler = Callable[[Turn], Outcome | None]
CommandHandler = Callable[[Turn, str], Outcome]
RecordHandler = Callable[[AsyncSession, ContactInfo, Any], Awaitable[None]]
ContextLoader = Callable[[AsyncSession, Inbound, ContactInfo, dict[str, Any]], Awaitable[None]]

FEATURES = ("bot.flows.basics", "bot.flows.support")
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
    start_payloads: dict[str, CommandHandler] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

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

    def loader(self, loader: ContextLoader) -> None:
        """An async step that adds to ``turn.context`` before the pure engine runs."""
        self.loaders.append(loader)

    def start_payload(self, prefix: str, handler: CommandHandler) -> None:
        """Deep links ``/start prefix-rest`` (Telegram) or ``ref=prefix-rest`` (Messenger)."""
        self.start_payloads[prefix] = handler


def build_registry(features: tuple[str, ...] = FEATURES, **settings: Any) -> Registry:
    """A registry with every listed feature module registered."""
    registry = Registry(settings=dict(settings))
    for name in features:
        importlib.import_module(name).register(registry)
    return registry
