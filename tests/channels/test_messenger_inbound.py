"""Published Messenger event shapes -> neutral Inbound messages (no server needed)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.messenger_inbound import (
    GET_STARTED,
    MalformedDelivery,
    parse_delivery,
    to_inbound,
)
from bot.messages import Inbound, Kind
from tests.channels.messenger_harness import PAGE_A, PAGE_B, dataset, envelope, text_event

PSID = "6543210987654321"


def one(event: dict[str, Any], page: str = PAGE_A) -> list[Inbound]:
    return parse_delivery(envelope((page, [event])))


def test_text_message_with_reply_to() -> None:
    event = dataset("messages_reply_to.event.json", psid=PSID)
    [message] = parse_delivery(envelope((PAGE_A, [event])))
    assert (message.kind, message.text, message.user_id, message.chat_id, message.account) == (
        Kind.TEXT, "hello, world!", PSID, PSID, PAGE_A)
    assert message.update_id == message.message_id == "m_1457764197618:41d102a3e1ae206a38"
    assert message.reply_to_message_id == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    assert message.channel == "messenger"


def test_quick_reply_becomes_a_button_with_its_payload() -> None:
    [message] = one(dataset("messages_text_quick_reply.event.json", psid=PSID))
    assert message.kind is Kind.BUTTON
    assert message.payload == "<DEVELOPER_DEFINED_PAYLOAD>"
    assert message.text == "hello, world!"


def test_attachment_entry_is_unsupported() -> None:
    entry = dataset("messages_attachment.entry.json", psid=PSID)
    [message] = parse_delivery({"object": "page", "entry": [entry]})
    assert message.kind is Kind.UNSUPPORTED
    assert message.account == PAGE_A  # recipient id wins over the entry id
    assert message.update_id == "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c"


def test_postback_with_referral_starts_with_the_ref() -> None:
    event = dataset("messaging_postbacks.notification.json")["value"]
    event["sender"] = {"id": PSID}  # the dashboard sample uses a user_ref; real pages send PSIDs
    [message] = one(event, page="PAGE-ID")
    assert (message.kind, message.payload) == (Kind.START, "USER-DEFINED-REFERRAL-PARAM")
    assert message.update_id == "m_MESSAGE-ID"


def test_postback_from_a_user_ref_guest_is_skipped() -> None:
    event = dataset("messaging_postbacks.notification.json")["value"]
    assert one(event, page="PAGE-ID") == []


def test_get_started_and_menu_postbacks() -> None:
    start = {"sender": {"id": PSID}, "recipient": {"id": PAGE_A}, "timestamp": 1527459824,
             "postback": {"title": "Get Started", "payload": GET_STARTED}}
    menu = {**start, "postback": {"title": "Language", "payload": "lang:fa"}}
    [started, tapped] = parse_delivery(envelope((PAGE_A, [start, menu])))
    assert (started.kind, started.payload) == (Kind.START, "")
    assert (tapped.kind, tapped.payload, tapped.text) == (Kind.BUTTON, "lang:fa", "Language")
    assert started.update_id != tapped.update_id
    # Without a mid, a redelivered postback maps to the same key.
    assert parse_delivery(envelope((PAGE_A, [menu])))[0].update_id == tapped.update_id


def test_mme_referral_starts_a_flow_and_is_keyed_stably() -> None:
    # Meta's m.me example (messenger_webhooks/DOCS_SNIPPETS_VERBATIM.md) is not valid JSON as
    # published (unquoted ref, trailing comma); this is the same shape, made valid.
    referral = {"sender": {"id": PSID}, "recipient": {"id": PAGE_A}, "timestamp": 1458692752478,
                "referral": {"ref": "survey-coffee", "source": "SHORTLINK",
                             "type": "OPEN_THREAD"}}
    [first] = one(referral)
    [again] = one(referral)
    assert (first.kind, first.payload) == (Kind.START, "survey-coffee")
    assert first.update_id == again.update_id
    no_ref = {**referral, "referral": {"source": "ADS", "type": "OPEN_THREAD"}}
    assert one(no_ref) == []


def test_echo_delivery_and_read_are_ignored() -> None:
    # The echo follows the message_echoes snippet of DOCS_SNIPPETS_VERBATIM.md: page -> PSID.
    echo = text_event(PAGE_A, "our own reply")
    echo["sender"], echo["recipient"] = {"id": PAGE_A}, {"id": PSID}
    echo["message"]["is_echo"] = True
    events = [echo, dataset("message_deliveries.event.json", psid=PSID),
              dataset("message_reads.event.json", psid=PSID)]
    assert parse_delivery(envelope((PAGE_A, events))) == []


def test_batched_entries_keep_every_event_in_order() -> None:
    delivery = envelope(
        (PAGE_A, [text_event("1", "one"), dataset("message_reads.event.json"),
                  text_event("2", "two")]),
        (PAGE_B, [text_event("3", "three", page=PAGE_B)]),
    )
    messages = parse_delivery(delivery)
    assert [(m.text, m.account) for m in messages] == [
        ("one", PAGE_A), ("two", PAGE_A), ("three", PAGE_B)]


def test_long_mids_nul_bytes_and_lone_surrogates_fit_storage() -> None:
    event = text_event(PSID, "a\x00b\ud800c", mid="m_" + "x" * 300)
    message = to_inbound(PAGE_A, event)
    assert message is not None
    assert message.text == "ab?c"
    assert len(message.update_id) <= 128 and message.message_id is None


@pytest.mark.parametrize("data", [[], "page", {"object": "page"}, {"entry": {}}])
def test_not_a_delivery(data: object) -> None:
    with pytest.raises(MalformedDelivery):
        parse_delivery(data)


def test_other_objects_and_junk_events_are_skipped() -> None:
    assert parse_delivery({"object": "instagram", "entry": []}) == []
    junk = {"object": "page", "entry": [7, {"id": PAGE_A}, {"id": PAGE_A, "messaging": [
        "x", {"sender": {}, "recipient": {"id": PAGE_A}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_A}, "message": {"text": "no mid"}},
        text_event(PSID, "kept")]}]}
    assert [m.text for m in parse_delivery(junk)] == ["kept"]
