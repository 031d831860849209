"""What a turn sees and what it decides: pure data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.messages import Inbound, Outgoing, Reply
from nlu.types import Parse


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Where a contact is in a conversation: the active flow, its step and its answers."""

    flow: str | None = None
    step: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def idle(self) -> DialogueState:
        """No flow active; keeps nothing."""
        return DialogueState()

    def at(self, step: str | None, **data: Any) -> DialogueState:
        """The same flow at another step, with ``data`` merged in."""
        return replace(self, step=step, data={**self.data, **data})


@dataclass(frozen=True, slots=True)
class ContactInfo:
    """The contact as the engine may know it."""

    id: int
    channel: str
    external_id: str
    language: str
    language_source: str | None = None
    display_name: str | None = None
    source: str | None = None
    """The deep-link payload / m.me ref / web-chat parameter that first brought the contact."""


ON_DEMAND = "engine.on_demand"
"""Context key: the keys a turn leaves out until a flow asks for them (``Registry.on_demand``)."""


class NeedsContext(Exception):
    """A flow asked for context that its turn loads only on demand; the turn loads it and
    decides again (``decide`` is pure: deciding twice is deciding once)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Turn:
    """One inbound message with everything needed to answer it."""

    message: Inbound
    contact: ContactInfo
    state: DialogueState
    now: datetime
    parse: Parse | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The language to answer in."""
        return self.contact.language

    def needs(self, key: str, default: Any = None) -> Any:
        """``context[key]``, for context that is costly and rarely used (the recent messages a
        ticket forwards): a turn run by the processor raises ``NeedsContext`` until it is
        loaded; a turn built without it (tests, previews) gets ``default``."""
        if key in self.context:
            return self.context[key]
        if key in self.context.get(ON_DEMAND, ()):
            raise NeedsContext(key)
        return default

    @property
    def text(self) -> str:
        """The message text, stripped; empty for buttons and media."""
        return (self.message.text or "").strip()


class Record:
    """Something a turn asks storage to write in the same transaction as its state."""


@dataclass(frozen=True, slots=True)
class SetLanguage(Record):
    """The contact chose (or was detected to read) a language."""

    code: str
    source: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a turn decided: the new state, replies to this chat, other sends, records."""

    state: DialogueState
    replies: tuple[Reply, ...] = ()
    sends: tuple[Outgoing, ...] = ()
    records: tuple[Record, ...] = ()
