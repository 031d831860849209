"""Contacts and conversations: uniqueness, first/last seen, aware timestamps, versioned state."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from bot.engine.types import DialogueState
from bot.storage.contacts import (
    LAST_SEEN_STEP,
    load_conversation,
    save_state,
    state_of,
    upsert_contact,
)
from bot.storage.models import Contact
from bot.storage.session import SessionMaker
from tests.engine.helpers import open_db


async def _upsert(sessionmaker: SessionMaker, channel: str, external_id: str,
                  name: str | None = None) -> Contact:
    async with sessionmaker.begin() as session:
        return await upsert_contact(session=session, channel=channel, external_id=external_id,
                                    display_name=name)


async def test_one_contact_per_channel_user_with_first_and_last_seen(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    first = await _upsert(sessionmaker, "telegram", "42", "Ada")
    again = await _upsert(sessionmaker, "telegram", "42", "Ada L.")
    other = await _upsert(sessionmaker, "messenger", "42")
    assert again.id == first.id != other.id
    async with sessionmaker() as session:
        stored = await session.get(Contact, first.id)
    assert stored is not None
    assert stored.display_name == "Ada L."
    assert stored.first_seen == first.first_seen
    # Within a minute last_seen stays (one UPDATE a minute for a chatty customer, not one a
    # message); later it moves.
    assert stored.last_seen == first.last_seen
    async with sessionmaker.begin() as session:
        await session.execute(update(Contact).where(Contact.id == first.id).values(
            last_seen=first.last_seen - LAST_SEEN_STEP))
    await _upsert(sessionmaker, "telegram", "42")
    async with sessionmaker() as session:
        stored = await session.get(Contact, first.id)
    assert stored is not None
    assert stored.last_seen > stored.first_seen
    assert stored.first_seen.tzinfo is not None and stored.last_seen.utcoffset() is not None
    await engine.dispose()


async def test_the_database_refuses_a_second_contact_for_the_same_user(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await _upsert(sessionmaker, "telegram", "42")
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            session.add(Contact(channel="telegram", external_id="42"))
    await engine.dispose()


async def test_dialogue_state_round_trips_and_a_concurrent_write_is_refused(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    contact = await _upsert(sessionmaker, "telegram", "42")
    state = DialogueState("survey", "q2", {"answers": {"q1": "да"}, "count": 1})
    async with sessionmaker.begin() as session:
        conversation = await load_conversation(session=session, contact=contact, chat_id="42")
        save_state(conversation, state)
    async with sessionmaker() as first, sessionmaker() as second:
        mine = await load_conversation(session=first, contact=contact, chat_id="42")
        theirs = await load_conversation(session=second, contact=contact, chat_id="42")
        assert state_of(mine) == state
        save_state(theirs, state.at("q3"))
        await second.commit()
        save_state(mine, state.at("q9"))
        with pytest.raises(StaleDataError):  # the version column caught the lost update
            await first.commit()
    async with sessionmaker() as session:
        stored = await load_conversation(session=session, contact=contact, chat_id="42")
        assert state_of(stored).step == "q3"
    await engine.dispose()
