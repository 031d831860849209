"""Issue 15 item 8: a flood on the web chat gets 429 with Retry-After, per chat and per client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.storage.models import InboxItem
from bot.web.rate_limit import MAX_KEYS, TokenBuckets
from tests.harness import BotHarness, make_harness
from tests.web.chat_ids import chat_headers

API = "/chat/api/messages"


@pytest.fixture
async def limited(sqlite_url: str) -> AsyncIterator[BotHarness]:
    """A real bot whose limits are small and whose window is an hour (no refill mid-test)."""
    settings = Settings(database_url=sqlite_url, environment="test",  # type: ignore[call-arg]
                        _env_file=None, webchat_chat_limit=3, webchat_ip_limit=5,
                        webchat_limit_seconds=3600)
    bot = await make_harness(settings)
    yield bot
    await bot.close()


def client_from(bot: BotHarness, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=bot.bot.http, client=(address, 4711))
    return httpx.AsyncClient(transport=transport, base_url="http://chat.test")


async def as_chat(bot: BotHarness, chat_id: str) -> dict[str, str]:
    """The header a web-chat request of ``chat_id`` carries."""
    return await chat_headers(bot.bot.http, chat_id)


async def stored(bot: BotHarness) -> int:
    async with bot.bot.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


async def test_one_chat_flooding_gets_429_with_retry_after_and_nothing_stored(
    limited: BotHarness,
) -> None:
    async with client_from(limited, "10.0.0.1") as http:
        codes = [(await http.post(API, json={"text": f"hi {n}"},
                                  headers=await as_chat(limited, "chat-flood-1")))
                 for n in range(4)]
        other = await http.post(API, json={"text": "hello"},
                                headers=await as_chat(limited, "chat-other-1"))
    assert [r.status_code for r in codes] == [202, 202, 202, 429]
    refused = codes[-1]
    assert refused.json()["code"] == "too_many"
    # one token comes back every 3600/3 s
    assert 1 <= int(refused.headers["Retry-After"]) <= 1200
    assert other.status_code == 202  # another chat from the same client still gets through
    assert await stored(limited) == 4


async def test_one_client_flooding_many_chats_is_limited_per_address(limited: BotHarness) -> None:
    async with client_from(limited, "10.0.0.2") as flood, client_from(limited, "10.0.0.3") as ok:
        codes = [(await flood.post(API, json={"text": "x"},
                                   headers=await as_chat(limited, f"chat-fresh-{n}")))
                 .status_code for n in range(7)]
        calm = await ok.post(API, json={"text": "hello"},
                             headers=await as_chat(limited, "chat-calm-01"))
        bad = await flood.post(API, content=b"not json", headers={"content-type": "text/plain"})
    assert codes == [202] * 5 + [429] * 2
    assert calm.status_code == 202
    assert bad.status_code == 429  # refused before the body is even read
    assert await stored(limited) == 6


async def test_default_limits_let_an_ordinary_conversation_through(harness: BotHarness) -> None:
    async with client_from(harness, "10.0.0.4") as http:
        codes = {(await http.post(API, json={"text": f"q{n}"},
                                  headers=await as_chat(harness, "chat-normal-1")))
                 .status_code for n in range(20)}
    assert codes == {202}


def test_buckets_refill_with_time_and_forget_idle_keys() -> None:
    now = [0.0]
    buckets = TokenBuckets(limit=2, seconds=10, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("a") == pytest.approx(5.0)
    now[0] = 5.0
    assert buckets.take("a") == 0.0
    for n in range(MAX_KEYS):
        buckets.take(f"k{n}")
    now[0] = 100.0
    buckets.take("new")  # over MAX_KEYS: the idle (refilled) ones are dropped
    assert len(buckets._buckets) < MAX_KEYS


@pytest.fixture
async def any_database(database_url: str) -> AsyncIterator[BotHarness]:
    """A real bot on SQLite and on PostgreSQL."""
    settings = Settings(database_url=database_url, environment="test",  # type: ignore[call-arg]
                        _env_file=None)
    bot = await make_harness(settings)
    yield bot
    await bot.close()


async def test_a_flood_of_web_chats_does_not_starve_another_channel(
    any_database: BotHarness,
) -> None:
    from bot.messages import Inbound, Kind
    from bot.storage import queue
    from bot.storage.inbox import enqueue

    def message(channel: str, chat: str, n: int) -> Inbound:
        return Inbound(channel=channel, update_id=f"{chat}:{n}", user_id=chat, chat_id=chat,
                       kind=Kind.TEXT, text="hi")

    sessionmaker = any_database.bot.sessionmaker
    for n in range(30):  # 30 fresh web chats, two messages each, all older than the other one
        await enqueue(sessionmaker, message("webchat", f"flood-{n:03d}", 0))
        await enqueue(sessionmaker, message("webchat", f"flood-{n:03d}", 1))
    await enqueue(sessionmaker, message("test", "patient", 0))
    async with sessionmaker() as session:
        rows = await queue.candidates(session, InboxItem, skip_chats=set(), limit=4)
        everything = await queue.candidates(session, InboxItem, skip_chats=set(), limit=100)
    assert any(row.channel == "test" for row in rows)  # its turn comes within the first round
    # still one row per chat, the oldest of each, and each channel in its own order
    assert len(everything) == 31
    assert len({row.chat_key for row in everything}) == 31
    flood = [row.id for row in everything if row.channel == "webchat"]
    assert flood == sorted(flood)
