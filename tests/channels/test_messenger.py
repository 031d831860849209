"""The Messenger channel end to end: signed webhook -> inbox -> engine -> outbox -> Graph API."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update
from starlette.applications import Starlette

from bot.channels.base import PermanentFailure
from bot.channels.messenger import runtime
from bot.channels.messenger_signature import sign
from bot.channels.messenger_webhook import Webhook
from bot.config import Settings
from bot.engine.ratelimit import RateLimiter
from bot.i18n import gettext
from bot.messages import Reply
from bot.storage.base import utcnow
from bot.storage.models import InboxItem, OutboxItem
from bot.storage.outage import Unavailable
from tests.channels.messenger_harness import (
    APP_SECRET,
    PAGE_A,
    PAGE_B,
    VERIFY_TOKEN,
    WEBHOOK,
    MessengerHarness,
    dataset,
    envelope,
    messenger_bot,
    text_event,
)
from tests.fakes.botapi import eventually
from tests.fakes.graphapi import graph_error

PSID = "6543210987654321"
HELLO = "Hello! I can answer your questions. Just type one, or send /help."


@pytest.fixture
async def messenger(sqlite_url: str) -> AsyncIterator[MessengerHarness]:
    async with messenger_bot(sqlite_url) as harness:
        yield harness


async def outbox(harness: MessengerHarness) -> list[OutboxItem]:
    async with harness.bot.sessionmaker() as session:
        return list((await session.scalars(select(OutboxItem).order_by(OutboxItem.id))).all())


async def test_verification_answers_the_challenge_only_with_our_token(
        messenger: MessengerHarness) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
             "hub.challenge": "1158201444"}
    ok = await messenger.http.get(WEBHOOK, params=query)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrongs = ({"hub.verify_token": "guess"}, {"hub.mode": "unsubscribe"}, {"hub.challenge": ""})
    for wrong in wrongs:
        response = await messenger.http.get(WEBHOOK, params={**query, **wrong})
        assert response.status_code == 403
    assert (await messenger.http.get(WEBHOOK)).status_code == 403


async def test_text_is_answered_through_the_send_api_of_its_page(
        messenger: MessengerHarness) -> None:
    assert await messenger.say(PSID, "/start") == [HELLO]
    [sent] = messenger.graph.sent
    assert (sent.page_id, sent.psid, sent.body["messaging_type"]) == (PAGE_A, PSID, "RESPONSE")
    assert await messenger.say("7000000000000002", "/start", page=PAGE_B) == [HELLO]
    assert messenger.graph.sent[-1].page_id == PAGE_B


async def test_a_batched_delivery_is_stored_whole_and_every_message_answered(
        messenger: MessengerHarness) -> None:
    echo = text_event(PSID, "echo of our reply")
    echo["message"]["is_echo"] = True
    delivery = envelope(
        (PAGE_A, [text_event("111", "/start"), echo, dataset("message_reads.event.json"),
                  dataset("message_deliveries.event.json"), text_event("222", "/help")]),
        (PAGE_B, [text_event("333", "/nope", page=PAGE_B)]),
    )
    response = await messenger.deliver(delivery)
    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    assert await messenger.inbox_count() == 3  # echo, read and delivery are not stored
    await messenger.drain()
    by_chat = {(s.page_id, s.psid): s.text for s in messenger.graph.sent}
    assert by_chat[(PAGE_A, "111")] == HELLO
    assert "/language" in by_chat[(PAGE_A, "222")]
    assert "/nope" in by_chat[(PAGE_B, "333")]


async def test_quick_reply_payload_switches_the_language(messenger: MessengerHarness) -> None:
    event = dataset("messages_text_quick_reply.event.json", psid=PSID)
    event["message"]["quick_reply"]["payload"] = "lang:ru"
    assert (await messenger.deliver(envelope((PAGE_A, [event])))).status_code == 200
    await messenger.drain()
    assert messenger.graph.texts(PSID) == [
        gettext("ru", "I will write to you in English from now on.")]


async def test_language_picker_arrives_as_quick_replies(messenger: MessengerHarness) -> None:
    await messenger.say(PSID, "/language")
    replies = messenger.graph.sent[-1].body["message"]["quick_replies"]
    assert [r["payload"] for r in replies] == [f"lang:{c}" for c in ("en", "ru", "fa", "bg", "el")]


async def test_postback_with_referral_and_attachments(messenger: MessengerHarness) -> None:
    postback = dataset("messaging_postbacks.notification.json")["value"]
    postback["sender"], postback["recipient"] = {"id": PSID}, {"id": PAGE_A}
    attachment = dataset("messages_attachment.entry.json", psid="8000000000000008")
    delivery = {"object": "page", "entry": [*envelope((PAGE_A, [postback]))["entry"], attachment]}
    assert (await messenger.deliver(delivery)).status_code == 200
    await messenger.drain()
    assert messenger.graph.texts(PSID) == [HELLO]  # an unknown ref falls back to the greeting
    [polite] = messenger.graph.texts("8000000000000008")
    assert polite == "Sorry, I can only read text messages. Please type your question."


@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature-256": "sha256=" + "0" * 64},
    {"X-Hub-Signature": "sha1=" + "0" * 40},
    {"X-Hub-Signature-256": "md5=abc"},
])
async def test_forged_deliveries_are_refused_and_nothing_is_stored(
        messenger: MessengerHarness, headers: dict[str, str]) -> None:
    body = envelope((PAGE_A, [text_event(PSID, "/start")]))
    response = await messenger.http.post(WEBHOOK, json=body, headers=headers)
    assert response.status_code == 403
    assert await messenger.inbox_count() == 0


async def test_a_tampered_body_fails_its_signature(messenger: MessengerHarness) -> None:
    original = b'{"object":"page","entry":[]}'
    tampered = original.replace(b"[]", b'[{"id":"1","messaging":[]}]')
    response = await messenger.deliver(tampered, signature=sign(original, APP_SECRET.encode()))
    assert response.status_code == 403


async def test_malformed_signed_bodies_get_400_and_huge_ones_413(
        messenger: MessengerHarness) -> None:
    for body in (b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"object": "page"}', b"[" * 100_000):
        assert (await messenger.deliver(body)).status_code == 400
    assert (await messenger.deliver(b" " * (3 * 1024 * 1024))).status_code == 413
    assert await messenger.inbox_count() == 0
    assert await messenger.say(PSID, "/start") == [HELLO]  # and the channel still works


async def test_a_redelivered_event_is_handled_once(messenger: MessengerHarness) -> None:
    delivery = envelope((PAGE_A, [text_event(PSID, "/start", mid="m_same")]))
    assert (await messenger.deliver(delivery)).status_code == 200
    await messenger.drain()
    assert (await messenger.deliver(delivery)).status_code == 200
    await messenger.drain()
    assert await messenger.inbox_count() == 1
    assert messenger.graph.texts(PSID) == [HELLO]


async def test_a_blocked_person_is_a_permanent_failure(messenger: MessengerHarness) -> None:
    messenger.graph.blocked.add(PSID)
    assert await messenger.say(PSID, "/start") == []
    [row] = await outbox(messenger)
    assert row.status == "failed" and "551" in (row.error or "")
    assert messenger.graph.calls == 1


async def test_transient_errors_are_retried_later(messenger: MessengerHarness) -> None:
    messenger.graph.fail_next(500, graph_error(2, "An unexpected error has occurred."))
    assert await messenger.say(PSID, "/start") == []
    [row] = await outbox(messenger)
    assert row.status == "pending" and "error 2/" in (row.error or "")
    assert row.not_before > utcnow().replace(tzinfo=row.not_before.tzinfo)
    async with messenger.bot.sessionmaker.begin() as session:
        await session.execute(update(OutboxItem).values(not_before=utcnow() - timedelta(seconds=1)))
    await messenger.drain()
    assert messenger.graph.texts(PSID) == [HELLO]
    [row] = await outbox(messenger)
    assert (row.status, row.platform_message_id) == ("sent", "m_fake1")


async def test_a_long_reply_is_several_messages_and_returns_the_last_id(
        messenger: MessengerHarness) -> None:
    channel = messenger.bot.sender.channels["messenger"]
    text = " ".join(f"слово{i}" for i in range(900))
    message_id = await channel.send(chat_id=PSID, reply=Reply(text), account=PAGE_A)
    texts = messenger.graph.texts(PSID)
    assert len(texts) == 4 and " ".join(texts) == text
    assert message_id == "m_fake4"


async def test_an_unknown_page_cannot_be_sent_from(messenger: MessengerHarness) -> None:
    channel = messenger.bot.sender.channels["messenger"]
    with pytest.raises(PermanentFailure, match="999"):
        await channel.send(chat_id=PSID, reply=Reply("hi"), account="999")


async def test_limits_are_per_thread(messenger: MessengerHarness) -> None:
    channel = messenger.bot.sender.channels["messenger"]
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    for _ in range(5):
        assert limiter.delay(channel.limits(PSID)) == 0
        limiter.record(channel.limits(PSID))
    assert limiter.delay(channel.limits(PSID)) > 0
    assert limiter.delay(channel.limits("another-psid")) == 0
    now[0] = 5.0
    assert limiter.delay(channel.limits(PSID)) == 0


async def test_the_send_api_cap_is_per_page(messenger: MessengerHarness) -> None:
    channel = messenger.bot.sender.channels["messenger"]
    limiter = RateLimiter(clock=lambda: 0.0)
    for n in range(250):
        limiter.record(channel.limits(f"psid-{n}", "page-a"))
    assert limiter.delay(channel.limits("psid-new", "page-a")) > 0
    assert limiter.delay(channel.limits("psid-new", "page-b")) == 0


async def test_the_webhook_runs_on_postgresql_too(database_url: str) -> None:
    async with messenger_bot(database_url) as harness:
        delivery = envelope((PAGE_A, [text_event(PSID, "/start", mid="m_" + "é" * 200)]))
        assert (await harness.deliver(delivery)).status_code == 200
        assert (await harness.deliver(delivery)).status_code == 200
        await harness.drain()
        assert harness.graph.texts(PSID) == [HELLO]
        async with harness.bot.sessionmaker() as session:
            [row] = (await session.scalars(select(InboxItem))).all()
        assert row.status == "done"


async def test_runtime_needs_a_secret_and_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    async def ingest(_message: object) -> bool:
        return True

    bare = Settings(environment="test", _env_file=None)  # type: ignore[call-arg]
    assert runtime(bare, ingest) is None
    monkeypatch.setenv("SARAFAN_MESSENGER__APP_SECRET", "")
    monkeypatch.setenv("SARAFAN_MESSENGER__PAGES", '[{"page_id": "1", "access_token": "t"}]')
    assert runtime(Settings(environment="test", _env_file=None), ingest) is None  # type: ignore[call-arg]
    monkeypatch.setenv("SARAFAN_MESSENGER__APP_SECRET", "s3cret")
    monkeypatch.setenv("SARAFAN_MESSENGER__PAGES",
                       '[{"page_id": "123", "access_token": "EAAG-token"}]')
    configured = Settings(environment="test", _env_file=None)  # type: ignore[call-arg]
    built = runtime(configured, ingest)
    assert built is not None and built.channel.name == "messenger"
    assert [route.path for route in built.routes] == [WEBHOOK, WEBHOOK]  # type: ignore[attr-defined]
    await built.close()


@pytest.mark.parametrize("error", [Unavailable("connection refused"), RuntimeError("a bug")])
async def test_a_storage_failure_is_a_503_so_meta_redelivers(error: Exception) -> None:
    async def database_down(_message: object) -> bool:
        raise error

    webhook = Webhook(app_secret="s", verify_token=None, ingest=database_down)
    transport = httpx.ASGITransport(app=Starlette(routes=webhook.routes()),
                                    raise_app_exceptions=False)
    body = b'{"object":"page","entry":[{"id":"1","messaging":[' + \
        b'{"sender":{"id":"2"},"recipient":{"id":"1"},"message":{"mid":"m_1","text":"hi"}}]}]}'
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(WEBHOOK, content=body,
                                     headers={"X-Hub-Signature-256": sign(body, b"s")})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_a_failed_later_piece_is_retried_alone(messenger: MessengerHarness) -> None:
    channel = messenger.bot.sender.channels["messenger"]
    messenger.graph.fail_next(503, graph_error(1200, "Temporary send message failure."), after=1)
    text = " ".join(f"word{i}" for i in range(500))
    assert await channel.send(chat_id=PSID, reply=Reply(text), account=PAGE_A) == "m_fake2"
    assert " ".join(messenger.graph.texts(PSID)) == text  # the first piece was not sent twice
    assert messenger.graph.calls == 3


async def test_a_delivery_over_real_http_through_uvicorn(messenger: MessengerHarness) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(messenger.bot.http, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await eventually(lambda: server.started)
        port = sock.getsockname()[1]
        body = json.dumps(envelope((PAGE_A, [text_event(PSID, "/start")]))).encode()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            forged = await client.post(WEBHOOK, content=body)
            signed = await client.post(WEBHOOK, content=body, headers={
                "X-Hub-Signature-256": sign(body, APP_SECRET.encode())})
        assert (forged.status_code, signed.status_code) == (403, 200)
    finally:
        server.should_exit = True
        await serving
        sock.close()
    await messenger.drain()
    assert messenger.graph.texts(PSID) == [HELLO]
