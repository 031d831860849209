"""A neutral ``Reply`` -> Send API request bodies, within Messenger's documented limits."""

from __future__ import annotations

import logging
from typing import Any

from bot.messages import Button, Link, Reply

log = logging.getLogger("sarafan.messenger")
TEXT_LIMIT = 2000
TEMPLATE_TEXT_LIMIT = 640
QUICK_REPLIES = 13
TITLE_LIMIT = 20
PAYLOAD_LIMIT = 1000
TEMPLATE_BUTTONS = 3

Body = dict[str, Any]


def render(psid: str, reply: Reply) -> list[Body]:
    """The Send API bodies for ``reply``, to be sent in order.

    Long text becomes several messages; links become ``web_url`` buttons of a button template
    (links beyond three stay in the text); choices become quick replies on the last message.
    """
    links, extra = reply.links[:TEMPLATE_BUTTONS], reply.links[TEMPLATE_BUTTONS:]
    text = "\n".join([reply.text, *(f"{link.title}: {link.url}" for link in extra)]).strip()
    if not text:
        raise ValueError("a Messenger message needs non-empty text")
    chunks = split_text(text, TEXT_LIMIT, last_limit=TEMPLATE_TEXT_LIMIT if links else TEXT_LIMIT)
    messages: list[Body] = [{"text": chunk} for chunk in chunks[:-1]]
    last: Body = _button_template(chunks[-1], links) if links else {"text": chunks[-1]}
    if reply.buttons:
        last["quick_replies"] = quick_replies(reply.buttons)
    messages.append(last)
    return [{"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
            for message in messages]


def quick_replies(buttons: tuple[Button, ...]) -> list[Body]:
    """Up to 13 text quick replies with titles cut to 20 characters."""
    if len(buttons) > QUICK_REPLIES:
        log.warning("Messenger shows at most %d quick replies; dropping %d",
                    QUICK_REPLIES, len(buttons) - QUICK_REPLIES)
    for button in buttons:
        if not button.payload or len(button.payload) > PAYLOAD_LIMIT:
            raise ValueError(f"quick reply payload must be 1-{PAYLOAD_LIMIT} characters")
    return [{"content_type": "text", "title": title(button.title), "payload": button.payload}
            for button in buttons[:QUICK_REPLIES]]


def _button_template(text: str, links: tuple[Link, ...]) -> Body:
    buttons = [{"type": "web_url", "url": link.url, "title": title(link.title)} for link in links]
    payload = {"template_type": "button", "text": text, "buttons": buttons}
    return {"attachment": {"type": "template", "payload": payload}}


def title(text: str) -> str:
    """A button title within Messenger's 20 characters; cut ones end with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1].rstrip() + "…"


def split_text(text: str, limit: int, *, last_limit: int | None = None) -> list[str]:
    """Pieces of at most ``limit`` characters (the last at most ``last_limit``), cut at words."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if last_limit is not None and len(rest) > last_limit:
        cut = _cut_for_tail(rest, last_limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*pieces, rest]


def _cut(text: str, limit: int) -> int:
    """Where to end a piece: after the last line break, else the last space, else hard."""
    window = text[: limit + 1]
    for separator in ("\n", " "):
        at = window.rfind(separator, 0, limit + 1)
        if at > limit // 2:
            return at
    return limit


def _cut_for_tail(text: str, tail_limit: int) -> int:
    """Where to cut so that what follows fits ``tail_limit``: the first break that allows it."""
    start = len(text) - tail_limit
    for separator in ("\n", " "):
        at = text.find(separator, start)
        if at != -1 and len(text) - at >= tail_limit // 2:
            return at
    return start
