"""A group's batch loaders give each turn exactly what its own loader would (SQLite and
PostgreSQL), and a contact with two turns in one group loads its own context each time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.registry import build_registry
from bot.feedback.records import DUPLICATE
from bot.feedback.store import text_hash
from bot.feedback.tables import FeedbackItem
from bot.messages import Inbound
from bot.storage.base import utcnow
from bot.storage.contacts import info_of
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, MessageLog
from bot.storage.session import SessionMaker
from bot.support.handoff_records import RECENT, TICKET, TICKET_COUNT
from bot.support.tickets import CLOSED, OPEN, WAITING, Ticket
from bot.surveys.records import DONE, PROMOTER_ASKED
from bot.surveys.tables import ABANDONED, COMPLETED, RUNNING, SurveyResponse
from tests.engine.helpers import Counting, open_db, processor

REGISTRY = build_registry()


def _said(chat: str, user: str, chat_type: str = "private") -> Inbound:
    return Inbound(channel="test", update_id=f"u-{chat}-{user}", user_id=user, chat_id=chat,
                   text="hi", chat_type=chat_type)


async def _history(session: AsyncSession) -> list[Contact]:
    """Contacts with tickets in several chats and states, long and empty logs, surveys."""
    contacts = [Contact(channel="test", external_id=f"p{n}") for n in range(5)]
    session.add_all(contacts)
    await session.flush()
    first, second, *_ = contacts
    for n, (owner, chat, status) in enumerate([(first, "a", CLOSED), (first, "a", WAITING),
                                              (first, "b", OPEN), (second, "c", CLOSED)]):
        session.add(Ticket(ref=f"t{n}", contact_id=owner.id, channel="test", chat_id=chat,
                           language="en", status=status, reason="request"))
    for n in range(12):  # more than an operator is shown; some rows without text (photos)
        session.add(MessageLog(contact_id=first.id, direction="in" if n % 2 else "out",
                               channel="test", chat_id="a", text=None if n % 5 == 0 else f"a{n}"))
    for n in range(3):
        session.add(MessageLog(contact_id=second.id, direction="in", channel="test",
                               chat_id="c", text=f"c{n}"))
    session.add(MessageLog(contact_id=first.id, direction="in", channel="other", chat_id="c",
                           text="another channel's chat with the same id"))
    for n, (owner, status, asked) in enumerate([(first, COMPLETED, False),
                                                (first, RUNNING, True),
                                                (second, ABANDONED, False)]):
        session.add(SurveyResponse(key=f"k{n}", survey_id=f"s{n}", version="1",
                                   contact_id=owner.id, channel="test", language="en",
                                   status=status, promoter_asked=asked))
    filed = [(first, "Hi", 1), (second, "hi", 30), (first, "no", 0)]  # (who, text, days ago)
    for n, (owner, text, age) in enumerate(filed):
        session.add(FeedbackItem(key=f"f{n}", contact_id=owner.id, channel="test", language="en",
                                 origin="detected", text=text, text_hash=text_hash(text),
                                 sentiment="neutral", created_at=utcnow() - timedelta(days=age)))
    await session.flush()
    return contacts


async def test_batch_loaders_give_what_each_turn_would_load(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    try:
        await _compare(sessionmaker)
    finally:
        await engine.dispose()


async def _compare(sessionmaker: SessionMaker) -> None:
    assert REGISTRY.batch_loaders  # support's customer context at least
    async with sessionmaker.begin() as session:
        first, second, third, fourth, _ = await _history(session)
        turns = [(_said("a", "p0"), first), (_said("b", "p0"), first), (_said("c", "p1"), second),
                 (_said("d", "p2"), third), (_said("g", "p3", chat_type="group"), fourth)]
        for index, many in REGISTRY.batch_loaders.items():
            loader = REGISTRY.loaders[index]
            batch = await many(session, [(m, contact.id) for m, contact in turns])
            for (message, contact), got in zip(turns, batch, strict=True):
                alone: dict[str, Any] = {}
                await loader(session, message, info_of(contact, "en"), alone)
                assert got == alone, (loader.__name__, message.chat_id)
        support = REGISTRY.batch_loaders[REGISTRY.loaders.index(_loader("load_customer_context"))]
        [in_a, in_b, *_] = await support(session, [(m, c.id) for m, c in turns])
        assert (in_a[TICKET].ref, in_a[TICKET_COUNT], in_b[TICKET].ref) == ("t1", 3, "t2")
        assert RECENT not in in_a  # loaded only when a ticket opens
        recent = REGISTRY.on_demand_loaders[RECENT]
        # the last eight rows of chat a, oldest first, those without text left out
        assert await recent(session, turns[0][0], info_of(first, "en")) == (
            ("bot", "a4"), ("bot", "a6"), ("customer", "a7"),
            ("bot", "a8"), ("customer", "a9"), ("customer", "a11"))
        # chat c of another channel is not chat c
        assert await recent(session, turns[2][0], info_of(second, "en")) == tuple(
            ("customer", f"c{n}") for n in range(3))
        assert await recent(session, turns[4][0], info_of(fourth, "en")) == ()  # a group
        mine = info_of(first, "en")
        assert await REGISTRY.on_demand_loaders[DONE](session, turns[0][0], mine) == {"s0"}
        assert await REGISTRY.on_demand_loaders[PROMOTER_ASKED](session, turns[0][0], mine)
        theirs = info_of(second, "en")  # abandoned, never asked
        assert await REGISTRY.on_demand_loaders[DONE](session, turns[2][0], theirs) == set()
        assert not await REGISTRY.on_demand_loaders[PROMOTER_ASKED](session, turns[2][0], theirs)
        duplicate = REGISTRY.on_demand_loaders[DUPLICATE]
        seen = [await duplicate(session, m, info_of(c, "en")) for m, c in turns]
        assert seen == [True, True, False, False, False]


def _loader(name: str) -> Any:
    return next(loader for index, loader in enumerate(REGISTRY.loaders)
                if index in REGISTRY.batch_loaders and loader.__name__ == name)


async def test_a_contact_in_two_chats_of_a_group_loads_its_own_context(
        database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    calls: list[str] = []

    async def per_turn(session: AsyncSession, message: Inbound, contact: Any,
                       context: dict[str, Any]) -> None:
        calls.append(f"one:{message.chat_id}")

    async def many(session: AsyncSession, turns: Any) -> list[dict[str, Any]]:
        calls.extend(f"many:{message.chat_id}" for message, _ in turns)
        return [{} for _ in turns]

    worker = processor(sessionmaker, Counting())
    worker.registry.loader(per_turn, many=many)
    for chat, user in [("x", "same"), ("y", "same"), ("z", "other")]:
        await enqueue(sessionmaker, Inbound(channel="test", update_id=f"u{chat}", user_id=user,
                                            chat_id=chat, text="hi"))
    assert await worker.run_once() == 3
    assert sorted(calls) == ["many:z", "one:x", "one:y"]
    await engine.dispose()
