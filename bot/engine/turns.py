"""One turn in one transaction: contact, language, NLU, the pure engine, state, outbox."""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import LANGUAGES
from bot.engine.core import MAX_TEXT, decide
from bot.engine.registry import Registry
from bot.engine.types import (
    ON_DEMAND,
    ContactInfo,
    NeedsContext,
    Outcome,
    Record,
    SetLanguage,
    Turn,
)
from bot.latin_language import settle
from bot.messages import Inbound, Kind, Outgoing
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.bulk import add_later
from bot.storage.contacts import (
    Chat,
    Person,
    info_of,
    load_conversation,
    save_state,
    state_of,
    upsert_contact,
)
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, Conversation, InboxItem, MessageLog, OutboxItem
from nlu.langid import foreign_script
from nlu.types import NluBackend, Parse

log = logging.getLogger("sarafan.turn")
DETECTION_MIN_WORDS = 3
DETECTION_MIN_CONFIDENCE = 0.8
Loaded = TypeVar("Loaded", Contact, Conversation)


def _done() -> dict[str, Any]:
    """The values of a row whose turn is done."""
    return {"status": "done", "processed_at": utcnow(), "lease_until": None, "error": None}


class LostClaim(Exception):
    """Another worker took over this inbox row; this attempt is rolled back."""


@dataclass(frozen=True)
class Prepared:
    """What a turn can work out before its write transaction: the message and its NLU parse,
    made with ``language``, the language the contact would have at the turn's start."""

    message: Inbound
    language: str | None
    parse: Parse | None


@dataclass(frozen=True)
class Preloaded:
    """A group's contacts and conversations, loaded together in its transaction."""

    contacts: dict[Person, Contact]
    conversations: dict[Chat, Conversation]
    contexts: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    """Inbox row id -> loader index -> what that loader would add (``Registry.batch_loaders``)."""


async def prepare(
    nlu: NluBackend | None, message: Inbound, stored: tuple[str | None, str | None]
) -> Prepared:
    """Parse ``message`` outside any transaction, with the contact's stored
    ``(language, source)`` and the message's hint applied as the turn would apply it."""
    language, _ = _hinted(*stored, message)
    return Prepared(message, language, await _parse(nlu, message, language))


async def run_turn(
    session: AsyncSession,
    *,
    item: InboxItem,
    token: str,
    registry: Registry,
    nlu: NluBackend | None,
    default_language: str,
    prepared: Prepared | None = None,
    preloaded: Preloaded | None = None,
    finish: bool = True,
) -> Outcome:
    """Process one claimed inbox row; the caller commits (and, with ``finish=False``, marks
    the row done: a group does it for all its turns in one statement)."""
    message = prepared.message if prepared is not None else Inbound.from_json(item.message)
    contact = await _contact(session, message, preloaded)
    _apply_hint(contact, message)
    _apply_source(contact, message)
    if prepared is not None and prepared.language == contact.language:
        parse = prepared.parse
    else:  # no parse yet, or an earlier turn of the group changed the contact's language
        parse = await _parse(nlu, message, contact.language)
    language = _language(contact, message, parse, default_language)
    conversation = await _conversation(session, message, contact, preloaded)
    info = info_of(contact, language)
    context: dict[str, Any] = {}
    loaded = preloaded.contexts.get(item.id, {}) if preloaded is not None else {}
    for index, loader in enumerate(registry.loaders):
        if index in loaded:
            context.update(loaded[index])
        else:
            await loader(session, message, info, context)
    turn = Turn(message, info, state_of(conversation), utcnow(), parse, context)
    outcome = await with_context(session, registry, turn, lambda t: decide(t, registry))
    save_state(conversation, outcome.state)
    await _store(session, registry, contact, info, message, outcome)
    if finish and not await queue.finish(session, InboxItem, item.id, token, **_done()):
        raise LostClaim(item.id)
    return outcome


async def with_context(session: AsyncSession, registry: Registry, turn: Turn,
                       pure: Callable[[Turn], Outcome]) -> Outcome:
    """``pure(turn)``, again after loading each on-demand key it asks for (few turns ask);
    ``turn.context`` must be the dict the keys are loaded into."""
    context = typing.cast(dict[str, Any], turn.context)
    context.setdefault(ON_DEMAND, registry.on_demand_loaders.keys())
    while True:
        try:
            return pure(turn)
        except NeedsContext as need:
            if need.key in context or need.key not in registry.on_demand_loaders:
                raise  # a flow asking for a key nobody loads: a bug, not a retry
            context[need.key] = await registry.on_demand_loaders[need.key](
                session, turn.message, turn.contact)


async def finish_group(session: AsyncSession, row_ids: list[int], token: str) -> None:
    """Mark a group's turns done in one statement; ``LostClaim`` if any claim was lost (the
    group is rolled back and each turn runs alone, finding out which)."""
    if await queue.finish_many(session, InboxItem, row_ids, token, **_done()) != len(row_ids):
        raise LostClaim(row_ids[0])


async def _contact(session: AsyncSession, message: Inbound, preloaded: Preloaded | None) -> Contact:
    if preloaded is None:
        return await upsert_contact(session=session, channel=message.channel,
                                    external_id=message.user_id, display_name=message.user_name)
    return await _fresh(session, preloaded.contacts[message.channel, message.user_id])


async def _conversation(
    session: AsyncSession, message: Inbound, contact: Contact, preloaded: Preloaded | None
) -> Conversation:
    if preloaded is None:
        return await load_conversation(session=session, contact=contact,
                                       chat_id=message.chat_id, account=message.account)
    return await _fresh(session, preloaded.conversations[contact.id, message.chat_id])


async def _fresh(session: AsyncSession, row: Loaded) -> Loaded:
    """``row``, reloaded if a rolled-back savepoint of an earlier turn expired it (a lazy
    load would need a greenlet the turn does not run in)."""
    if inspect(row).expired_attributes:
        await session.refresh(row)
    return row


def _hinted(
    language: str | None, source: str | None, message: Inbound
) -> tuple[str | None, str | None]:
    """A contact's ``(language, source)`` once the message's platform hint is applied: a hint
    replaces only an earlier hint or the default, never a choice or a detection."""
    hint = (message.language_hint or "").split("-")[0].lower()
    if hint in LANGUAGES and source in (None, "hint", "default"):
        return hint, "hint"
    return language, source


def _apply_hint(contact: Contact, message: Inbound) -> None:
    hinted = _hinted(contact.language, contact.language_source, message)
    if hinted != (contact.language, contact.language_source):
        contact.language, contact.language_source = hinted


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
        # a short message does not move a contact between Russian and Bulgarian, but one in a
        # script their language is never written in (Greek from a Russian speaker) does.
        guess = settle(parse.language, message.text or "", contact.language)
        words = len((message.text or "").split())
        if (guess.code in LANGUAGES and guess.code != contact.language
                and guess.confidence >= DETECTION_MIN_CONFIDENCE
                and (words >= DETECTION_MIN_WORDS or contact.language is None
                     or foreign_script(message.text or "", contact.language))):
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
    # Queued, not session.add: a group's rows go in one statement per table (storage.bulk).
    add_later(session, MessageLog, {
        "contact_id": contact.id, "direction": "in", "channel": message.channel,
        "chat_id": message.chat_id, "platform_message_id": message.message_id,
        "text": message.text, "payload": message.payload,
        # Photos and files are kept (ids, not bytes) even when no feature takes them: the
        # customer sent them.
        "body": {"attachments": [a.to_dict() for a in message.attachments]}
        if message.attachments else None,
    })
    for record in outcome.records:
        await _apply_record(session, registry, contact, info, record)
    here = Outgoing(message.channel, message.chat_id, outcome.replies[0], message.account) \
        if outcome.replies else None
    outgoing = [replace(here, reply=r) for r in outcome.replies] if here else []
    for out in [*outgoing, *outcome.sends]:
        add_later(session, OutboxItem, {
            "channel": out.channel, "account": out.account, "chat_id": out.chat_id,
            "chat_key": chat_key(out.channel, out.account, out.chat_id),
            "contact_id": contact.id if out.chat_id == message.chat_id else None,
            "reply": out.reply.to_json(),
        })


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
