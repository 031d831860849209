"""Neutral ``Reply`` -> the ``sendMessage`` calls that show it on Telegram."""

from __future__ import annotations

import logging

from bot.channels.aiogram_api import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
    SendMessage,
)
from bot.channels.base import text_with_choices
from bot.messages import Button, Reply

log = logging.getLogger("sarafan.telegram")
MAX_TEXT_UNITS = 4096
"""Telegram's message limit, counted (like its entity offsets) in UTF-16 code units."""
MAX_CALLBACK_BYTES = 64
URL_SCHEMES = ("https://", "http://", "tg://")


def render(chat_id: int | str, reply: Reply) -> list[SendMessage]:
    """One call per text chunk; the keyboard goes under the last chunk, the quote on the first."""
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | None
    keyboard, text = _contact_keyboard(reply) if reply.request_contact else _keyboard(reply)
    chunks = split_text(text)
    calls = [SendMessage(chat_id=chat_id, text=chunk) for chunk in chunks]
    calls[-1].reply_markup = keyboard
    calls[0].reply_parameters = _quote(reply.reply_to_message_id)
    return calls


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """``text`` in chunks of at most ``limit`` units, broken at a newline or space if possible."""
    chunks: list[str] = []
    rest = text
    while _units(rest) > limit:
        cut = _longest_prefix(rest, limit)
        pause = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        at = pause + 1 if pause > cut // 2 else cut
        chunks.append(rest[:at])
        rest = rest[at:]
    chunks.append(rest)
    # Telegram rejects blank messages; a reply that is only buttons still needs some text.
    return [chunk for chunk in chunks if chunk.strip()] or ["…"]


def callback_fits(button: Button) -> bool:
    """Whether the payload fits Telegram's 1–64 byte ``callback_data``."""
    return 0 < len(button.payload.encode()) <= MAX_CALLBACK_BYTES


def _keyboard(reply: Reply) -> tuple[InlineKeyboardMarkup | None, str]:
    """The inline keyboard and the text above it; what Telegram cannot carry becomes text."""
    if not all(callback_fits(button) for button in reply.buttons):
        log.warning("button payload over %d bytes; sending the choices as text",
                    MAX_CALLBACK_BYTES)
        return None, text_with_choices(reply)
    url_links = [link for link in reply.links if link.url.startswith(URL_SCHEMES)]
    other_links = [link for link in reply.links if link not in url_links]
    choices = [InlineKeyboardButton(text=b.title, callback_data=b.payload) for b in reply.buttons]
    rows = _rows(choices, scale=_is_scale(reply))
    rows += [[InlineKeyboardButton(text=link.title, url=link.url)] for link in url_links]
    text = "\n".join([reply.text, *(f"{link.title}: {link.url}" for link in other_links)])
    return (InlineKeyboardMarkup(inline_keyboard=rows) if rows else None), text


SCALE_MIN_BUTTONS = 5
SCALE_TITLE_CHARS = 3
SCALE_ROW = 6


def _is_scale(reply: Reply) -> bool:
    """Many very short titles (0–10, 1–5, a row of emoji) read as one scale, not a menu."""
    return (len(reply.buttons) >= SCALE_MIN_BUTTONS
            and all(len(button.title) <= SCALE_TITLE_CHARS for button in reply.buttons))


def _rows(buttons: list[InlineKeyboardButton], *, scale: bool) -> list[list[InlineKeyboardButton]]:
    """One button per row for a menu; a scale in balanced rows of at most six (NPS: 6 + 5),
    so an 11-point question is two short rows instead of a keyboard taller than the screen."""
    if not scale:
        return [[button] for button in buttons]
    count = -(-len(buttons) // SCALE_ROW)
    width = -(-len(buttons) // count)
    return [buttons[start:start + width] for start in range(0, len(buttons), width)]


def _contact_keyboard(reply: Reply) -> tuple[ReplyKeyboardMarkup, str]:
    """A one-time reply keyboard whose first key shares the customer's phone number.

    A Telegram message carries either an inline or a reply keyboard, never both, so the other
    buttons become plain keys: tapping one sends its title as text (the flow that asked for the
    contact accepts that title); links go into the text.
    """
    rows = [[KeyboardButton(text=reply.request_contact, request_contact=True)]]
    rows += [[KeyboardButton(text=button.title)] for button in reply.buttons]
    text = "\n".join([reply.text, *(f"{link.title}: {link.url}" for link in reply.links)])
    markup = ReplyKeyboardMarkup(keyboard=rows, one_time_keyboard=True, resize_keyboard=True)
    return markup, text


def _quote(message_id: str | None) -> ReplyParameters | None:
    if message_id is None or not message_id.isdigit():
        return None
    # The quoted message may be gone by the time we answer; send anyway.
    return ReplyParameters(message_id=int(message_id), allow_sending_without_reply=True)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int) -> int:
    """The most characters of ``text`` whose UTF-16 length is within ``limit``."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)

