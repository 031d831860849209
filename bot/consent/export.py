"""/mydata: everything kept about a contact, as JSON-ready data and as readable chat text."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.consent.records import SendMyData
from bot.consent.tables import ConsentEvent
from bot.engine.registry import Registry
from bot.engine.types import ContactInfo
from bot.i18n import N_, gettext
from bot.messages import Link, Reply
from bot.storage.bulk import savepoint
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, MessageLog, OutboxItem
from bot.support.tickets import AnswerRating, Ticket
from bot.web.errors import Refused
from bot.web.session import chat_of

log = logging.getLogger("sarafan.consent")
PART = 3500
"""Characters per chat message: under Telegram's 4096 and Messenger's 2000 after its split."""
MAX_PARTS = 12
"""A long history is cut in the chat (the count of what was left out is said)."""
CORE = "core"
LABELS = {
    "core": N_("Your conversations with us"), "beta": N_("Beta programme"),
    "surveys": N_("Surveys"), "feedback": N_("Feedback"), "contact": N_("contact"),
    "channel": N_("channel"), "id_on_channel": N_("id on the channel"), "name": N_("name"),
    "language": N_("language"), "first_seen": N_("first seen"), "last_seen": N_("last seen"),
    "came_from": N_("came through the link"), "messages": N_("messages"), "at": N_("time"),
    "direction": N_("direction"), "text": N_("text"), "tickets": N_("requests to our team"),
    "ref": N_("number"), "status": N_("status"), "opened": N_("opened"),
    "transcript": N_("conversation"), "answer_ratings": N_("ratings of answers"),
    "entry": N_("answer"), "helpful": N_("helpful"), "consent": N_("consent"),
    "purpose": N_("purpose"), "action": N_("choice"), "text_version": N_("text version"),
    "applications": N_("applications"), "campaign": N_("campaign"), "email": N_("e-mail"),
    "phone": N_("phone"), "answers": N_("answers"), "consent_version": N_("consent version"),
    "applied": N_("applied on"), "referral_code": N_("referral code"),
    "friends_referred": N_("friends referred"),
}
"""Headings and keys of the readable export; the JSON file keeps the keys as they are."""
EXPORT_PATH = "/chat/api/export.json"
"""Under the web chat's API, so the chat's cookie comes with the download and names the chat."""
WEBCHAT = "webchat"


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


async def export_core(session: AsyncSession, contact_id: int) -> dict[str, Any]:
    """The contact row, its message log, tickets with transcripts, ratings and consent events."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return {}
    messages = await session.scalars(select(MessageLog).where(MessageLog.contact_id == contact_id)
                                      .order_by(MessageLog.id))
    tickets = await session.scalars(select(Ticket).where(Ticket.contact_id == contact_id)
                                     .options(selectinload(Ticket.transcript)).order_by(Ticket.id))
    ratings = await session.scalars(select(AnswerRating)
                                    .where(AnswerRating.contact_id == contact_id))
    consents = await session.scalars(select(ConsentEvent)
                                     .where(ConsentEvent.contact_id == contact_id)
                                     .order_by(ConsentEvent.id))
    return {
        "contact": {"channel": contact.channel, "id_on_channel": contact.external_id,
                    "name": contact.display_name, "language": contact.language,
                    "first_seen": _when(contact.first_seen), "last_seen": _when(contact.last_seen),
                    "came_from": contact.source},
        "messages": [{"at": _when(m.created_at), "direction": m.direction, "text": m.text,
                      **_attachments(m)} for m in messages if m.text or _attachments(m)],
        "tickets": [{"ref": t.ref, "status": t.status, "opened": _when(t.opened_at),
                     "transcript": [f"{line.author}: {line.text}" for line in t.transcript]}
                    for t in tickets],
        "answer_ratings": [{"entry": r.entry_id, "helpful": r.helpful, "at": _when(r.created_at)}
                           for r in ratings],
        "consent": [{"purpose": c.purpose, "action": c.action, "text_version": c.text_version,
                     "channel": c.channel, "at": _when(c.created_at)} for c in consents],
    }


async def collect(session: AsyncSession, registry: Registry, contact_id: int) -> dict[str, Any]:
    """Every feature's export (core first), each in a savepoint so one failure stays contained."""
    data: dict[str, Any] = {}
    for name, exporter in registry.exporters.items():
        try:
            async with savepoint(session):
                data[name] = await exporter(session, contact_id)
        except Exception:
            log.exception("exporter %s failed", name)
            data[name] = {"error": "not available right now"}
    return data


def _attachments(message: MessageLog) -> dict[str, Any]:
    """The photos and files a customer sent (ids and types: the log never keeps the bytes)."""
    found = (message.body or {}).get("attachments") if message.direction == "in" else None
    return {"attachments": found} if found else {}


def _label(key: object, language: str) -> str:
    msgid = LABELS.get(str(key))
    return gettext(language, msgid) if msgid else str(key)


def readable(data: Any, language: str = "en", indent: str = "") -> Iterator[str]:
    """Nested JSON-ready data as indented ``key: value`` lines; empty things are skipped."""
    if isinstance(data, dict):
        for key, value in data.items():
            if value in (None, "", [], {}):
                continue
            if isinstance(value, dict | list):
                yield f"{indent}{_label(key, language)}:"
                yield from readable(value, language, indent + "  ")
            else:
                yield f"{indent}{_label(key, language)}: {value}"
    elif isinstance(data, list):
        for item in data:
            lines = list(readable(item, language, indent + "  "))
            if lines:
                yield f"{indent}- {lines[0].strip()}"
                yield from lines[1:]
    else:
        yield f"{indent}{data}"


def split(lines: list[str], limit: int = PART) -> list[str]:
    """Lines packed into messages of at most ``limit`` characters (a long line is cut)."""
    parts: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts


def chat_parts(data: dict[str, Any], language: str) -> list[str]:
    """The export as chat messages: a header, each section, what was cut, a footer."""
    lines: list[str] = []
    for name, section in data.items():
        body = list(readable(section, language, "  "))
        if body:
            lines += [f"[{_label(name, language)}]", *body]
    if not lines:
        return [gettext(language, "We keep nothing about you apart from this conversation.")]
    parts = split(lines)
    head = gettext(language, "Here is everything we keep about you:")
    shown = parts[:MAX_PARTS]
    if len(parts) > MAX_PARTS:
        shown.append(gettext(language, "… and {count} more messages' worth, mostly the chat "
                                       "history, which I did not send to spare your chat.",
                             count=len(parts) - MAX_PARTS))
    tail = gettext(language, "To erase all of this, send /forget.")
    return [head, *shown, tail]


async def send_my_data(
    session: AsyncSession, contact: ContactInfo, record: SendMyData, registry: Registry
) -> None:
    """Collect and queue the export to the chat that asked, in order.

    On the web chat the last message also links the same data as a JSON file.
    """
    data = await collect(session, registry, contact.id)
    key = chat_key(record.channel, record.account, record.chat_id)
    parts = chat_parts(data, record.language)
    for number, text in enumerate(parts, 1):
        links: tuple[Link, ...] = ()
        if number == len(parts) and record.channel == WEBCHAT:
            links = (Link(gettext(record.language, "Download as a JSON file"),
                          EXPORT_PATH),)
        reply = Reply(text, links=links, language=record.language)
        session.add(OutboxItem(channel=record.channel, account=record.account,
                               chat_id=record.chat_id, chat_key=key, contact_id=contact.id,
                               reply=reply.to_json()))


async def export_file(request: Request) -> Response:
    """``GET /chat/api/export.json``: the web-chat contact's data as a JSON download, for the
    chat the request speaks for (its cookie or header, like every chat call; never a URL)."""
    try:
        chat_id = await chat_of(request)
    except Refused as refused:
        return refused.response()
    state = request.app.state.sarafan
    async with state.sessionmaker() as session:
        contact_id = await session.scalar(select(Contact.id).where(
            Contact.channel == WEBCHAT, Contact.external_id == chat_id))
        if contact_id is None:
            return JSONResponse({"error": "nothing is stored for this chat"}, status_code=404)
        data = await collect(session, state.extras["registry"], contact_id)
    return JSONResponse(data, headers={
        "Content-Disposition": 'attachment; filename="my-data.json"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


EXPORT_ROUTE = Route(EXPORT_PATH, export_file, methods=["GET"])
