"""Neutral message types: what adapters hand the engine and what the engine answers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What an inbound update is, as far as the engine cares."""

    TEXT = "text"
    BUTTON = "button"
    START = "start"
    UNSUPPORTED = "unsupported"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One normalized inbound update from any channel."""

    channel: str
    update_id: str
    user_id: str
    chat_id: str
    kind: Kind = Kind.TEXT
    text: str | None = None
    payload: str | None = None
    language_hint: str | None = None
    message_id: str | None = None
    chat_type: str = "private"
    user_name: str | None = None
    account: str | None = None
    reply_to_message_id: str | None = None

    def to_json(self) -> str:
        """Serialize for the inbox."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Inbound:
        """Read back what `to_json` wrote."""
        data: dict[str, Any] = json.loads(raw)
        data["kind"] = Kind(data["kind"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Button:
    """A choice the customer can tap; ``payload`` comes back as a BUTTON inbound."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Link:
    """A URL shown as a link button where the channel has them, as text elsewhere."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One outbound message; channels degrade buttons and links to text if they must."""

    text: str
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    language: str = "en"
    reply_to_message_id: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    request_contact: str = ""
    """Title of a "share my phone number" button (Telegram only; other channels ignore it).
    Outbox rows written before this field existed lack it and read back as ""."""

    def to_json(self) -> str:
        """Serialize for the outbox."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Reply:
        """Read back what `to_json` wrote."""
        data: dict[str, Any] = json.loads(raw)
        data["buttons"] = tuple(Button(**b) for b in data.get("buttons", ()))
        data["links"] = tuple(Link(**b) for b in data.get("links", ()))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply addressed to a chat on a channel (what the outbox holds)."""

    channel: str
    chat_id: str
    reply: Reply
    account: str | None = None
