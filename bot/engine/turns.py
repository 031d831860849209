"""One turn in one transaction: contact, language, NLU, the pure engine, state, outbox."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import LANGUAGES
from bot.engine.core import MAX_TEXT, decide
from bot.engine.registry import Registry
from bot.engine.types import ContactInfo, Outcome, Record, SetLanguage, Turn
from bot.latin_language import settle
from bot.messages import Inbound, Kind, Outgoing
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.contacts import info_of, load_conversation, save_state, state_of, upsert_contact
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, InboxItem, MessageLog, OutboxItem
from nlu.types import NluBackend, Parse

log = logging.getLogger("sarafan.turn")
DETECTION_MIN_WORDS = 3
DETECTION_MIN_CONFIDENCE = 0.8


class LostClaim(Exception):
    """Another worker took over this inbox row; this attempt is rolled back."""


async def run_turn(
    session: AsyncSession,
    *,
    item: InboxItem,
    token: str,
    registry: Registry,
    nlu: NluBackend | None,
    default_language: str,
) -> Outcome:
    """Process one claimed inbox row; the caller commits."""
    message = Inbound.from_json(item.message)
    contact = await upsert_contact(session=session, channel=message.channel,
                                   external_id=message.user_id, display_name=message.user_name)
    _apply_hint(contact, message)
    _apply_source(contact, message)
    parse = await _parse(nlu, message, contact.language)
    language = _language(contact, message, parse, default_language)
    conversation = await load_conversation(
        session=session, contact=contact, chat_id=message.chat_id, account=message.account
    )
    info = info_of(contact, language)
    context: dict[str, Any] = {}
    for loader in registry.loaders:
        await loader(session, message, info, context)
    turn = Turn(message, info, state_of(conversation), utcnow(), parse, context)
    outcome = decide(turn, registry)
    save_state(conversation, outcome.state)
    await _store(session, registry, contact, info, message, outcome)
    if not await queue.finish(session, InboxItem, item.id, token, status="done",
                              processed_at=utcnow(), lease_until=None, error=None):
        raise LostClaim(item.id)
    return outcome


def _apply_hint(contact: Contact, message: Inbound) -> None:
    hint = (message.language_hint or "").split("-")[0].lower()
    if hint in LANGUAGES and contact.language_source in (None, "hint", "default"):
        contact.language, contact.language_source = hint, "hint"


def _apply_source(contact: Contact, message: Inbound) -> None:
    """Attribution: the first entry link that brought the contact stays theirs."""
    if message.kind is Kind.START and message.payload and contact.source is None:
        contact.source = message.payload[:128]


async def _parse(nlu: NluBackend | None, message: Inbound, stored: str | None) -> Parse | None:
    text = (message.text or "").strip()
    if nlu is None or message.kind is not Kind.TEXT or not text or text.startswith("/"):
        return None
    try:
        return await nlu.parse(text[:MAX_TEXT], language=stored)
    except Exception:
        # Understanding is best effort: a broken model must not stop the reply.
        log.exception("NLU failed; answering without it")
        return None


def _language(contact: Contact, message: Inbound, parse: Parse | None, default: str) -> str:
    """Stored choice wins; a confident guess on a longer message beats a platform hint."""
    if contact.language_source != "choice" and parse is not None:
        # Transliterated Persian/Greek/Russian/Bulgarian: function words settle a Latin text;
        # a short message does not move a contact between Russian and Bulgarian.
        guess = settle(parse.language, message.text or "", contact.language)
        words = len((message.text or "").split())
        if (guess.code in LANGUAGES and guess.code != contact.language
                and guess.confidence >= DETECTION_MIN_CONFIDENCE
                and (words >= DETECTION_MIN_WORDS or contact.language is None)):
            contact.language, contact.language_source = guess.code, "detected"
    if contact.language is None:
        contact.language, contact.language_source = default, "default"
    return contact.language


async def _store(
    session: AsyncSession,
    registry: Registry,
    contact: Contact,
    info: ContactInfo,
    message: Inbound,
    outcome: Outcome,
) -> None:
    session.add(MessageLog(contact_id=contact.id, direction="in", channel=message.channel,
                           chat_id=message.chat_id, platform_message_id=message.message_id,
                           text=message.text, payload=message.payload,
                           # Photos and files are kept (ids, not bytes) even when no feature
                           # takes them: the customer sent them.
                           body={"attachments": [a.to_dict() for a in message.attachments]}
                           if message.attachments else None))
    for record in outcome.records:
        await _apply_record(session, registry, contact, info, record)
    here = Outgoing(message.channel, message.chat_id, outcome.replies[0], message.account) \
        if outcome.replies else None
    outgoing = [replace(here, reply=r) for r in outcome.replies] if here else []
    for out in [*outgoing, *outcome.sends]:
        session.add(OutboxItem(
            channel=out.channel, account=out.account, chat_id=out.chat_id,
            chat_key=chat_key(out.channel, out.account, out.chat_id),
            contact_id=contact.id if out.chat_id == message.chat_id else None,
            reply=out.reply.to_json(),
        ))


async def _apply_record(
    session: AsyncSession, registry: Registry, contact: Contact, info: ContactInfo, record: Record
) -> None:
    if isinstance(record, SetLanguage):
        contact.language, contact.language_source = record.code, record.source
        return
    handler = registry.records.get(type(record))
    if handler is None:
        raise TypeError(f"no storage handler registered for {type(record).__name__}")
    await handler(session, info, record)
