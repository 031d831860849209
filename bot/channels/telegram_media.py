"""Telegram media fields of a ``Message`` -> neutral ``Attachment`` values (ids, never bytes).

Read from the raw dicts, field by field: a malformed size or name must not cost the customer
their message, so anything unexpected becomes None instead of a validation error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Attachment, AttachmentKind

KINDS = {
    "photo": AttachmentKind.PHOTO,
    "document": AttachmentKind.DOCUMENT,
    "video": AttachmentKind.VIDEO,
    "video_note": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
    "voice": AttachmentKind.VOICE,
    "sticker": AttachmentKind.STICKER,
}
"""Telegram's media keys with a kind of their own; other content keys become ``other``."""
SHADOWED = {"animation": "document"}
"""Telegram repeats an animation as ``document`` (for old clients): one file, one attachment."""
MAX_ID = 512
MAX_NAME = 255


def attachments(fields: Mapping[str, Any], content_keys: frozenset[str]) -> tuple[Attachment, ...]:
    """The attachments among a message's ``fields`` (its extra keys), in a stable order."""
    present = sorted(key for key in content_keys if key in fields and key != "contact")
    skipped = {SHADOWED[key] for key in present if key in SHADOWED}
    group = _text(fields.get("media_group_id"), MAX_ID, number=True)
    return tuple(_one(key, fields[key], group) for key in present if key not in skipped)


def _one(key: str, value: Any, group: str | None) -> Attachment:
    kind = KINDS.get(key, AttachmentKind.OTHER)
    if kind is AttachmentKind.PHOTO and isinstance(value, list):
        value = _largest(value)
    if not isinstance(value, Mapping):
        return Attachment(kind, group=group)
    return Attachment(kind, _text(value.get("file_id"), MAX_ID) or "",
                      _text(value.get("mime_type"), MAX_NAME), _size(value.get("file_size")),
                      _text(value.get("file_name"), MAX_NAME), group)


def _largest(sizes: list[Any]) -> Mapping[str, Any] | None:
    """The biggest of a photo's sizes (Telegram lists them small to large, but says so nowhere
    for certain): by pixels, then by bytes."""
    readable = [size for size in sizes if isinstance(size, Mapping)]
    if not readable:
        return None
    return max(readable, key=lambda s: (_area(s), _size(s.get("file_size")) or 0))


def _area(size: Mapping[str, Any]) -> int:
    return (_size(size.get("width")) or 0) * (_size(size.get("height")) or 0)


def _text(value: object, limit: int, *, number: bool = False) -> str | None:
    """A bounded string; ``number`` also takes an integer (an id Telegram sent as a number)."""
    if number and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    return value.replace("\x00", "")[:limit] or None


def _size(value: object) -> int | None:
    """A non-negative whole number of bytes (or pixels), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
