"""Messenger ``message.attachments`` -> neutral ``Attachment`` values (ids, never bytes).

As Meta's webhook reference documents them: each item has a ``type`` (image, video, audio,
file, sticker, reel, fallback, location, template …) and a ``payload`` with the file's ``url``
(a sticker also has ``sticker_id``; some shares carry an ``attachment_id``). Messenger sends
neither a size nor a MIME type, and several photos arrive as one message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.messages import Attachment, AttachmentKind

log = logging.getLogger("sarafan.messenger")
KINDS = {
    "image": AttachmentKind.PHOTO,
    "file": AttachmentKind.DOCUMENT,
    "video": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
    "sticker": AttachmentKind.STICKER,
}
"""Every other type (reel, post, fallback, location, template …) is ``other``."""
MAX_ATTACHMENTS = 50
MAX_ID = 2048
"""CDN URLs are long; longer values than this are not URLs Meta sends."""
MAX_NAME = 255


def attachments(items: object) -> tuple[Attachment, ...]:
    """The attachments of one message; anything that is not a list of objects gives none."""
    if not isinstance(items, list):
        return ()
    found = tuple(_one(item) for item in items if isinstance(item, Mapping))
    if len(found) > MAX_ATTACHMENTS:
        log.warning("a message with %d attachments: keeping the first %d",
                    len(found), MAX_ATTACHMENTS)
    return found[:MAX_ATTACHMENTS]


def _one(item: Mapping[str, Any]) -> Attachment:
    payload = item.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    kind = KINDS.get(str(item.get("type")), AttachmentKind.OTHER)
    if kind is AttachmentKind.PHOTO and payload.get("sticker_id") is not None:
        kind = AttachmentKind.STICKER  # before the "sticker" type, stickers came as images
    ref = (_text(payload.get("url")) or _text(payload.get("attachment_id"))
           or _text(payload.get("sticker_id")) or _text(item.get("url")))
    return Attachment(kind, ref or "", file_name=_text(payload.get("title") or item.get("title"),
                                                       MAX_NAME))


def _text(value: object, limit: int = MAX_ID) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.replace("\x00", "")[:limit] or None
