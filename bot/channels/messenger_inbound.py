"""Messenger webhook events -> neutral ``Inbound`` messages; nothing else happens here."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from bot.channels.messenger_media import attachments
from bot.messages import Attachment, Inbound, Kind

log = logging.getLogger("sarafan.messenger")
NAME = "messenger"
GET_STARTED = "GET_STARTED"
"""The payload to configure for the Get Started button (see docs/messenger.md)."""
MAX_ID = 128
"""Ids longer than our columns hold are replaced by a stable hash."""
MAX_TEXT = 20_000

Event = Mapping[str, Any]


class MalformedDelivery(ValueError):
    """The body is JSON but not a Messenger ``{"object": "page", "entry": [...]}`` delivery."""


def parse_delivery(data: object) -> list[Inbound]:
    """Every message-like event of a (possibly batched) delivery, in order."""
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise MalformedDelivery("expected an object with an 'entry' list")
    if data.get("object") != "page":
        log.info("ignoring a delivery for object %r", data.get("object"))
        return []
    found = (to_inbound(page_id, event) for page_id, event in _events(data["entry"]))
    return [message for message in found if message is not None]


def _events(entries: list[Any]) -> Iterator[tuple[str, Event]]:
    for entry in entries:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(events, list):
            # ``standby`` (handover) and ``changes`` (feed) entries carry nothing to answer.
            log.info("skipping an entry without a 'messaging' list: %.300r", entry)
            continue
        for event in events:
            if isinstance(event, dict):
                yield str(entry.get("id", "")), event


def to_inbound(page_id: str, event: Event) -> Inbound | None:
    """One ``messaging`` item as an Inbound; None for events we ignore on purpose."""
    psid = _id(event.get("sender"))
    page = _id(event.get("recipient")) or page_id
    if psid is None or not page:
        log.warning("skipping an event without sender/recipient ids: %.300r", event)
        return None
    if isinstance(message := event.get("message"), dict):
        return _message(psid, page, message)
    if isinstance(postback := event.get("postback"), dict):
        return _postback(psid, page, event, postback)
    if isinstance(referral := event.get("referral"), dict):
        return _referral(psid, page, event, referral)
    return None  # delivery, read, reaction, optin, standby…: nothing to answer


def _message(psid: str, page: str, message: Event) -> Inbound | None:
    if message.get("is_echo"):
        return None  # our own (or a page admin's) outgoing message
    mid = _text(message.get("mid"))
    if not mid:
        return None
    quick = message.get("quick_reply")
    payload = _text(quick.get("payload")) if isinstance(quick, dict) else None
    text = _text(message.get("text"))
    kind = Kind.BUTTON if payload else Kind.TEXT if text else Kind.UNSUPPORTED
    reply_to = message.get("reply_to")
    return _inbound(psid, page, _key(mid), kind, text=text, payload=payload,
                    message_id=mid if len(mid) <= MAX_ID else None,
                    reply_to=_text(reply_to.get("mid")) if isinstance(reply_to, dict) else None,
                    attached=attachments(message.get("attachments")))


def _postback(psid: str, page: str, event: Event, postback: Event) -> Inbound:
    payload = _text(postback.get("payload")) or ""
    ref = _ref(postback.get("referral"))
    key = _text(postback.get("mid")) or _stable("postback", psid, event, payload)
    if ref is not None or payload == GET_STARTED:
        return _inbound(psid, page, _key(key), Kind.START, payload=ref or "")
    return _inbound(psid, page, _key(key), Kind.BUTTON, text=_text(postback.get("title")),
                    payload=payload)


def _referral(psid: str, page: str, event: Event, referral: Event) -> Inbound | None:
    ref = _ref(referral)
    if ref is None:
        return None  # an ad or chat-plugin referral without our ``ref``: nothing to start
    return _inbound(psid, page, _stable("referral", psid, event, ref), Kind.START, payload=ref)


def _inbound(psid: str, page: str, update_id: str, kind: Kind, *, text: str | None = None,
             payload: str | None = None, message_id: str | None = None,
             reply_to: str | None = None, attached: tuple[Attachment, ...] = ()) -> Inbound:
    return Inbound(channel=NAME, update_id=update_id, user_id=psid, chat_id=psid, kind=kind,
                   text=text, payload=payload, message_id=message_id, account=page,
                   reply_to_message_id=reply_to if reply_to and len(reply_to) <= MAX_ID else None,
                   attachments=attached)


def _ref(referral: object) -> str | None:
    return _text(referral.get("ref")) if isinstance(referral, dict) else None


def _id(party: object) -> str | None:
    value = party.get("id") if isinstance(party, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= 64:
        return value
    return None  # user_ref senders (checkbox / chat plugin guests) have no PSID to answer


def _text(value: object) -> str | None:
    """A string as storage can hold it: no NUL, no lone surrogates, bounded length."""
    if not isinstance(value, str) or not value:
        return None
    clean = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return clean[:MAX_TEXT] or None


def _key(mid: str) -> str:
    return mid if len(mid) <= MAX_ID else "sha256:" + hashlib.sha256(mid.encode()).hexdigest()


def _stable(kind: str, psid: str, event: Event, payload: str) -> str:
    """Redeliveries repeat sender, timestamp and payload, so they map to the same key."""
    raw = f"{kind}|{psid}|{event.get('timestamp')}|{payload}"
    return f"{kind}:" + hashlib.sha256(raw.encode()).hexdigest()[:48]
