"""Neutral message types: what adapters hand the engine and what the engine answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class AttachmentKind(StrEnum):
    """What a photo, file or other attachment is, whatever the platform calls it."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VIDEO = "video"
    AUDIO = "audio"
    VOICE = "voice"
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Attachment:
    """What the customer attached: the platform's id and what it says about the file.

    Never the bytes. ``file_id`` is the platform's handle (a Telegram ``file_id``, a Messenger
    attachment URL or id); it may be empty when the platform gives none. ``group`` is the
    platform's album id, so the photos of one album can be kept together.
    """

    kind: AttachmentKind
    file_id: str = ""
    mime_type: str | None = None
    size: int | None = None
    file_name: str | None = None
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields (what the inbox and feature tables store)."""
        return {"kind": self.kind.value, "file_id": self.file_id, "mime_type": self.mime_type,
                "size": self.size, "file_name": self.file_name, "group": self.group}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        """Read back ``to_dict``; a kind this version does not know reads as ``other``."""
        kind = str(data.get("kind"))
        known = kind in {k.value for k in AttachmentKind}
        return cls(AttachmentKind(kind) if known else AttachmentKind.OTHER,
                   str(data.get("file_id") or ""), data.get("mime_type"), data.get("size"),
                   data.get("file_name"), data.get("group"))


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
    attachments: tuple[Attachment, ...] = ()
    """Photos and files sent with (or instead of) the text; a caption is the ``text``."""

    def to_json(self) -> str:
        """Serialize for the inbox."""
        # Field by field: the JSON ``asdict`` gives, without its recursive deep copy (for
        # Reply that copy was 5% of a burst's CPU).
        data = {name: getattr(self, name) for name in _INBOUND_FIELDS}
        data["attachments"] = [a.to_dict() for a in self.attachments]
        return _to_json(data)

    @classmethod
    def from_json(cls, raw: str) -> Inbound:
        """Read back what `to_json` wrote (rows written before ``attachments`` have none)."""
        data: dict[str, Any] = json.loads(raw)
        data["kind"] = Kind(data["kind"])
        data["attachments"] = tuple(Attachment.from_dict(a)
                                    for a in data.get("attachments") or ())
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
        """Serialize for the outbox (what ``asdict`` gives, without its deep copy)."""
        data = {name: getattr(self, name) for name in _REPLY_FIELDS}
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        data["links"] = [{"title": link.title, "url": link.url} for link in self.links]
        return _to_json(data)

    @classmethod
    def from_json(cls, raw: str) -> Reply:
        """Read back what `to_json` wrote."""
        data: dict[str, Any] = json.loads(raw)
        data["buttons"] = tuple(Button(**b) for b in data.get("buttons", ()))
        data["links"] = tuple(Link(**b) for b in data.get("links", ()))
        return cls(**data)


_to_json = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(..., ensure_ascii=False)`` without building an encoder per call."""
_INBOUND_FIELDS = tuple(f.name for f in fields(Inbound))
_REPLY_FIELDS = tuple(f.name for f in fields(Reply))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply addressed to a chat on a channel (what the outbox holds)."""

    channel: str
    chat_id: str
    reply: Reply
    account: str | None = None
