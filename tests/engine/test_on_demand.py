"""Context loaded on demand: only for the turns whose flow asks for it, once per turn, and
the same answer as if it had been loaded up front (SQLite and PostgreSQL, alone and grouped)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.replies import say
from bot.engine.types import ON_DEMAND, ContactInfo, DialogueState, NeedsContext, Outcome, Turn
from bot.messages import Inbound
from bot.storage.base import utcnow
from bot.storage.inbox import enqueue
from tests.engine.helpers import Counting, message, open_db, outbox_texts, processor

KEY = "test.costly"


def _feature(loads: list[str]) -> Counting:
    feature = Counting()

    async def costly(_session: AsyncSession, message: Inbound, contact: ContactInfo) -> str:
        loads.append(message.chat_id)
        return f"costly for {contact.external_id}"

    def ask(turn: Turn) -> Outcome | None:
        if turn.text != "ask":
            return None
        return say(turn, "{value}", value=turn.needs(KEY, "nothing"))

    feature.registry.on_demand(KEY, costly)
    feature.registry.text("ask", ask, priority=10)
    return feature


@pytest.mark.parametrize("chats", [1, 3], ids=["alone", "group"])
async def test_only_turns_that_ask_load_it_once(database_url: str, chats: int) -> None:
    engine, sessionmaker = await open_db(database_url)
    loads: list[str] = []
    worker = processor(sessionmaker, _feature(loads))
    for n in range(chats):
        await enqueue(sessionmaker, message(f"ask{n}", "ask"))
        await enqueue(sessionmaker, message(f"other{n}", "hello"))
    assert await worker.run_once() == 2 * chats
    assert sorted(loads) == [f"ask{n}" for n in range(chats)]
    for n in range(chats):
        assert await outbox_texts(sessionmaker, f"ask{n}") == [f"costly for ask{n}"]
        assert await outbox_texts(sessionmaker, f"other{n}") == ["1:hello"]
    await engine.dispose()


def test_a_turn_built_without_the_marker_gets_the_default() -> None:
    turn = Turn(message("c", "ask"), ContactInfo(1, "test", "c", "en"), DialogueState(), utcnow())
    assert turn.needs(KEY, "nothing") == "nothing"
    asked = Turn(turn.message, turn.contact, turn.state, turn.now,
                 context={ON_DEMAND: {KEY}})
    with pytest.raises(NeedsContext):
        asked.needs(KEY)
    loaded = Turn(turn.message, turn.contact, turn.state, turn.now,
                  context={ON_DEMAND: {KEY}, KEY: "here"})
    assert loaded.needs(KEY) == "here"

