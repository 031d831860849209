"""Telegram adapter without a network: Update JSON -> Inbound, Reply -> sendMessage, limits.

Update payloads come from ``tests/channels/telegram_updates/`` — Telegram's own webhook-guide
examples (01–13, copied from /work/shared/datasets/telegram_updates, see PROVENANCE.md there:
https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates) with their quirks (no
``is_bot``, no ``chat.type`` in 01, ``type`` inside ``from``, numeric ``inline_query.id``), plus
w01–w09 written by us from the Bot API reference (group, callback, edit, sticker, photo …).
"""

from __future__ import annotations

import pytest

from bot.channels.telegram_inbound import callback_query_id, to_inbound
from bot.channels.telegram_render import MAX_TEXT_UNITS, render, split_text
from bot.channels.telegram_send import TelegramChannel
from bot.channels.telegram_webhook import public_url
from bot.messages import Button, Kind, Link, Reply
from tests.fakes.botapi import UPDATES, dataset_update

EXPECTED_KINDS: dict[str, Kind | None] = {
    "01_message_text_minimal.json": Kind.TEXT,
    "02_message_text.json": Kind.TEXT,
    "03_forwarded_message.json": Kind.TEXT,
    "04_forwarded_channel_message.json": Kind.TEXT,
    "05_message_with_reply.json": Kind.TEXT,
    "06_edited_message.json": Kind.IGNORED,
    "07_message_with_entities.json": Kind.TEXT,
    "08_message_with_audio.json": Kind.UNSUPPORTED,
    "09_voice_message.json": Kind.UNSUPPORTED,
    "10_message_with_document.json": Kind.UNSUPPORTED,
    "11_inline_query.json": None,
    "12_chosen_inline_result.json": None,
    "13_callback_query.json": Kind.BUTTON,
    "w01_group_message.json": Kind.TEXT,
    "w02_group_reply.json": Kind.TEXT,
    "w03_callback_query.json": Kind.BUTTON,
    "w04_edited_group_message.json": Kind.IGNORED,
    "w05_sticker.json": Kind.UNSUPPORTED,
    "w06_photo_with_caption.json": Kind.TEXT,  # the caption is the text
    "w07_new_chat_members.json": Kind.IGNORED,
    "w08_my_chat_member_blocked.json": None,
    "w09_start_deep_link.json": Kind.TEXT,
}


def test_every_update_in_the_dataset_is_covered() -> None:
    assert {path.name for path in UPDATES.glob("*.json")} == set(EXPECTED_KINDS)


@pytest.mark.parametrize(("name", "kind"), EXPECTED_KINDS.items())
def test_each_update_has_the_expected_kind(name: str, kind: Kind | None) -> None:
    message = to_inbound(dataset_update(name))
    assert (message.kind if message else None) is kind
    if message is not None:
        assert message.channel == "telegram"
        assert message.update_id == str(dataset_update(name)["update_id"])


def test_minimal_message_without_chat_type_is_a_private_text() -> None:
    message = to_inbound(dataset_update("01_message_text_minimal.json"))
    assert message is not None
    assert (message.chat_id, message.user_id) == ("1111111", "1111111")
    assert (message.chat_type, message.text, message.message_id) == ("private", "/start", "1365")
    assert message.user_name == "Test Test Lastname"


def test_group_message_keeps_chat_type_language_and_reply_target() -> None:
    group = to_inbound(dataset_update("w01_group_message.json"))
    reply = to_inbound(dataset_update("w02_group_reply.json"))
    assert group is not None and reply is not None
    assert (group.chat_id, group.user_id) == ("-1001234567890", "7001")
    assert (group.chat_type, group.language_hint) == ("supergroup", "ru")
    assert reply.reply_to_message_id == "77"
    quoted = to_inbound(dataset_update("05_message_with_reply.json"))
    assert quoted is not None and quoted.reply_to_message_id == "1334"


def test_callback_queries_become_button_payloads() -> None:
    tapped = to_inbound(dataset_update("w03_callback_query.json"))
    assert tapped is not None
    assert (tapped.payload, tapped.chat_id, tapped.message_id) == ("lang:fa", "7002", "1401")
    assert tapped.language_hint == "fa" and tapped.text is None
    inline = to_inbound(dataset_update("13_callback_query.json"))
    # An inline-mode message has no chat: the answer goes to the user's private chat.
    assert inline is not None and inline.chat_id == inline.user_id == "1111111"
    assert callback_query_id(dataset_update("13_callback_query.json")) == "4382bfdwdsb323b2d9"
    assert callback_query_id(dataset_update("02_message_text.json")) is None


def test_media_keeps_its_caption_and_deep_links_stay_text() -> None:
    photo = to_inbound(dataset_update("w06_photo_with_caption.json"))
    start = to_inbound(dataset_update("w09_start_deep_link.json"))
    assert photo is not None and photo.text == "Το δέμα ήρθε σπασμένο"
    assert start is not None and start.text == "/start beta-spring"


@pytest.mark.parametrize("raw", [
    {"update_id": 1, "message": {"message_id": 1, "text": "no chat"}},
    {"update_id": 2, "message": "not an object"},
    {"update_id": 3, "callback_query": {"id": "x", "data": "no sender"}},
    {"update_id": 4},
    {"update_id": 5, "poll": {"id": "1"}},
])
def test_unreadable_or_foreign_updates_are_not_stored(raw: dict[str, object]) -> None:
    assert to_inbound(raw) is None


def test_buttons_become_callback_data_and_links_url_buttons() -> None:
    reply = Reply("Pick one", buttons=(Button("Yes", "survey:yes"), Button("No", "survey:no")),
                  links=(Link("Shop", "https://example.com/shop"), Link("Desk", "desk-7")),
                  reply_to_message_id="55")
    [call] = render(7001, reply)
    assert call.reply_markup is not None
    rows = call.reply_markup.inline_keyboard  # type: ignore[union-attr]
    assert [(b.text, b.callback_data, b.url) for [b] in rows] == [
        ("Yes", "survey:yes", None), ("No", "survey:no", None),
        ("Shop", None, "https://example.com/shop")]
    assert call.text == "Pick one\nDesk: desk-7"  # not a URL Telegram accepts: shown as text
    assert call.reply_parameters is not None and call.reply_parameters.message_id == 55


def test_a_payload_over_64_bytes_sends_the_choices_as_text() -> None:
    reply = Reply("Pick", buttons=(Button("Long", "x:" + "я" * 40), Button("Short", "x:1")))
    [call] = render(1, reply)
    assert call.reply_markup is None
    assert call.text == "Pick\n1. Long\n2. Short"


def test_long_text_is_split_at_4096_units_with_the_keyboard_last() -> None:
    text = ("word " * 1000).strip() + "\n" + "ف" * 3000
    calls = render(1, Reply(text, buttons=(Button("OK", "ok:1"),), reply_to_message_id="9"))
    assert len(calls) == 2
    assert "".join(call.text for call in calls) == text
    assert calls[0].reply_markup is None and calls[1].reply_markup is not None
    assert calls[0].reply_parameters is not None and calls[1].reply_parameters is None


def test_split_counts_utf16_units_and_never_breaks_a_surrogate_pair() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units, 3000 code points
    chunks = split_text(text)
    assert "".join(chunks) == text
    assert [len(c.encode("utf-16-le")) // 2 for c in chunks] == [4096, 1904]
    assert split_text("a" * MAX_TEXT_UNITS) == ["a" * MAX_TEXT_UNITS]
    assert split_text("   ") == ["…"]


def test_limits_per_chat_per_group_and_overall() -> None:
    channel = TelegramChannel(bot=None)  # type: ignore[arg-type]  # limits never call the API
    private = {limit.key: (limit.count, limit.period) for limit in channel.limits("7001")}
    group = {limit.key: (limit.count, limit.period) for limit in channel.limits("-100123")}
    assert private == {"telegram:chat:7001": (1, 1.0)}  # replies: no bot-wide limit
    bulk = [(x.key, x.count, x.period) for x in channel.bulk_limits()]
    assert bulk == [("telegram:all", 30, 1.0)]
    assert group["telegram:group:-100123"] == (20, 60.0)
    assert group["telegram:chat:-100123"] == (1, 1.0)


def test_webhook_url_is_a_base_or_the_full_route() -> None:
    assert public_url("https://bot.example.com") == "https://bot.example.com/telegram/webhook"
    assert public_url("https://x.org/app/") == "https://x.org/app/telegram/webhook"
    assert public_url("https://x.org/telegram/webhook") == "https://x.org/telegram/webhook"
