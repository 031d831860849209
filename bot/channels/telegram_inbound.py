"""Telegram ``Update`` JSON -> neutral ``Inbound``; lenient, because real payloads vary.

aiogram's own ``Update`` model rejects payloads Telegram itself publishes as examples (no
``User.is_bot``, no ``Chat.type``, a numeric ``inline_query.id``), and one rejected update
must not block the ones behind it. So only the few fields we use are read, here.

What is stored: messages (text -> TEXT, the customer's own shared contact -> TEXT holding the
phone number, media with a caption -> TEXT with its attachments, media without one ->
UNSUPPORTED with its attachments, service messages -> IGNORED),
edited messages (IGNORED: logged, not answered) and callback queries (BUTTON). Every other
update type (channel posts, inline queries, chat member changes …) is acknowledged unstored.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.telegram_media import attachments
from bot.messages import Attachment, Inbound, Kind

log = logging.getLogger("sarafan.telegram")
NAME = "telegram"
STORED_UPDATES = ("message", "edited_message", "callback_query")
"""The update types we subscribe to with ``allowed_updates`` and store."""

CONTENT_KEYS = frozenset({
    "animation", "audio", "contact", "dice", "document", "game", "location", "paid_media",
    "photo", "poll", "sticker", "story", "venue", "video", "video_note", "voice",
})
"""What a customer can send besides text; anything else without text is a service message."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _User(_Lenient):
    id: int
    first_name: str = ""
    last_name: str | None = None
    language_code: str | None = None

    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class _Chat(_Lenient):
    id: int
    type: str = "private"  # Telegram's own example 01 has no chat.type


class _Replied(_Lenient):
    message_id: int


class _Contact(_Lenient):
    phone_number: str
    user_id: int | None = None


class _Message(_Lenient):
    message_id: int
    chat: _Chat
    sender: _User | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    reply_to_message: _Replied | None = None
    contact: _Contact | None = None

    def own_phone(self) -> str | None:
        """The number of a contact the sender shared about THEMSELVES (the share-phone key).

        A forwarded or picked address-book card (another person's ``user_id``, or none) stays
        an unsupported attachment: it is not the customer's own number.
        """
        contact, sender = self.contact, self.sender
        if contact is None or sender is None or contact.user_id != sender.id:
            return None
        # Telegram sends the number in international form, often without the "+" ("447700900123");
        # with it, the number parses like one typed with the country code.
        number = contact.phone_number.strip()
        return f"+{number}" if number.isdigit() else number

    def kind(self) -> Kind:
        if self.text is not None or self.own_phone() is not None:
            return Kind.TEXT
        present = set(self.model_extra or {}) | ({"contact"} if self.contact else set())
        if not CONTENT_KEYS & present:
            return Kind.IGNORED
        return Kind.TEXT if self.caption and self.caption.strip() else Kind.UNSUPPORTED

    def attachments(self) -> tuple[Attachment, ...]:
        """The photos and files of this message (ids and what Telegram says about them)."""
        return attachments(self.model_extra or {}, CONTENT_KEYS)


class _CallbackMessage(_Lenient):
    """The message a button sits under (or an ``InaccessibleMessage``: same two fields)."""

    message_id: int
    chat: _Chat


class _CallbackQuery(_Lenient):
    id: str | int
    sender: _User = Field(alias="from")
    message: _CallbackMessage | None = None
    data: str | None = None


class _Update(_Lenient):
    update_id: int
    message: _Message | None = None
    edited_message: _Message | None = None
    callback_query: _CallbackQuery | None = None


def to_inbound(raw: dict[str, Any]) -> Inbound | None:
    """The neutral message for ``raw``; None when the update is not one we store."""
    try:
        update = _Update.model_validate(raw)
    except ValidationError as exc:
        log.warning("unreadable Telegram update %r: %s", raw.get("update_id"),
                    exc.errors(include_input=False, include_url=False)[:3])
        return None
    if update.message is not None:
        return _from_message(update.update_id, update.message, update.message.kind())
    if update.edited_message is not None:
        return _from_message(update.update_id, update.edited_message, Kind.IGNORED)
    if update.callback_query is not None and update.callback_query.data is not None:
        return _from_callback(update.update_id, update.callback_query)
    return None


def callback_query_id(raw: dict[str, Any]) -> str | None:
    """The id to answer with ``answerCallbackQuery``, if ``raw`` is a callback query."""
    query = raw.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("id"), str | int):
        return None
    return str(query["id"])


def _from_message(update_id: int, message: _Message, kind: Kind) -> Inbound:
    sender = message.sender
    replied = message.reply_to_message
    return Inbound(
        channel=NAME,
        update_id=str(update_id),
        # Anonymous group admins and channel posts have no ``from``: the chat speaks.
        user_id=str(sender.id if sender else message.chat.id),
        chat_id=str(message.chat.id),
        kind=kind,
        text=message.text if message.text is not None else (message.own_phone()
                                                            or message.caption),
        language_hint=sender.language_code if sender else None,
        message_id=str(message.message_id),
        chat_type=message.chat.type,
        user_name=(sender.display_name() or None) if sender else None,
        reply_to_message_id=str(replied.message_id) if replied else None,
        attachments=message.attachments(),
    )


def _from_callback(update_id: int, query: _CallbackQuery) -> Inbound:
    message = query.message
    # A button under an inline-mode message has no chat; the private chat with the user does.
    chat = message.chat if message else _Chat(id=query.sender.id)
    return Inbound(
        channel=NAME,
        update_id=str(update_id),
        user_id=str(query.sender.id),
        chat_id=str(chat.id),
        kind=Kind.BUTTON,
        payload=query.data,
        language_hint=query.sender.language_code,
        message_id=str(message.message_id) if message else None,
        chat_type=chat.type,
        user_name=query.sender.display_name() or None,
    )
