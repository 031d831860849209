"""Telegram's share-contact key: the reply keyboard out, the shared contact back in.

The ``contact`` updates are written from the Bot API reference (Message.contact: Contact with
``phone_number``, ``first_name`` and the optional ``user_id``), in the shape of the dataset's
private messages (tests/channels/telegram_updates/w05_sticker.json).
"""

from __future__ import annotations

from typing import Any

from bot.channels.aiogram_api import InlineKeyboardMarkup, ReplyKeyboardMarkup
from bot.channels.telegram_inbound import to_inbound
from bot.channels.telegram_render import render
from bot.messages import Button, Kind, Link, Reply


def contact_update(user_id: int | None, phone: str = "+447700900123") -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Ann"}
    if user_id is not None:
        contact["user_id"] = user_id
    return {
        "update_id": 500101,
        "message": {
            "message_id": 1501,
            "from": {"id": 7003, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "chat": {"id": 7003, "first_name": "Ann", "type": "private"},
            "date": 1732600400,
            "contact": contact,
        },
    }


def test_request_contact_renders_a_one_time_reply_keyboard() -> None:
    reply = Reply("And a phone number?", buttons=(Button("Skip", "beta:skip:box"),),
                  links=(Link("Privacy", "https://example.org/p"),),
                  request_contact="Share my phone number")
    [call] = render(7003, reply)
    markup = call.reply_markup
    assert isinstance(markup, ReplyKeyboardMarkup)
    assert markup.one_time_keyboard is True
    [[share], [skip]] = markup.keyboard
    assert (share.text, share.request_contact) == ("Share my phone number", True)
    # One keyboard per message: the other buttons are plain keys that send their title.
    assert (skip.text, skip.request_contact) == ("Skip", None)
    assert call.text == "And a phone number?\nPrivacy: https://example.org/p"


def test_without_request_contact_the_keyboard_stays_inline() -> None:
    [call] = render(7003, Reply("Pick", buttons=(Button("Skip", "beta:skip:box"),)))
    assert isinstance(call.reply_markup, InlineKeyboardMarkup)


def test_reply_rows_from_before_the_field_still_read_back() -> None:
    old_row = ('{"text": "hi", "buttons": [], "links": [], "language": "en", '
               '"reply_to_message_id": null, "meta": {}}')
    assert Reply.from_json(old_row).request_contact == ""
    new = Reply("hi", request_contact="Share")
    assert Reply.from_json(new.to_json()) == new


def test_own_shared_contact_becomes_text_with_the_number() -> None:
    message = to_inbound(contact_update(user_id=7003))
    assert message is not None
    assert (message.kind, message.text, message.user_id) == (Kind.TEXT, "+447700900123", "7003")
    bare = to_inbound(contact_update(user_id=7003, phone="447700900123"))
    assert bare is not None and bare.text == "+447700900123"  # Telegram often omits the "+"


def test_someone_elses_contact_card_stays_unsupported() -> None:
    for user_id in (1234, None):
        message = to_inbound(contact_update(user_id=user_id))
        assert message is not None
        assert message.kind is Kind.UNSUPPORTED and message.text is None
