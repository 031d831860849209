"""Photos and files as neutral ``Attachment`` metadata: Telegram and Messenger translation.

Real payloads: Telegram's webhook-guide examples 08 (audio), 09 (voice), 10 (document) and our
w05 (sticker) / w06 (photo with caption) from ``tests/channels/telegram_updates`` (copied from
/work/shared/datasets/telegram_updates, see PROVENANCE.md: core.telegram.org/bots/webhooks);
Meta's "message with attachment" example from ``tests/channels/messenger_webhooks``
(/work/shared/datasets/messenger_webhooks/PROVENANCE.md: the Messenger webhook reference), whose
``type`` is Meta's own placeholder ``<image|video|audio|file|reel|ig_reel>``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.channels.messenger_inbound import parse_delivery
from bot.channels.messenger_media import MAX_ATTACHMENTS
from bot.channels.telegram_inbound import to_inbound
from bot.messages import Attachment, AttachmentKind, Inbound, Kind
from tests.channels.messenger_harness import dataset
from tests.fakes.botapi import dataset_update

PHOTO, DOCUMENT, OTHER = AttachmentKind.PHOTO, AttachmentKind.DOCUMENT, AttachmentKind.OTHER


def telegram(name: str, **message: Any) -> Inbound:
    update = dataset_update(name)
    update["message"].update(message)
    found = to_inbound(update)
    assert found is not None
    return found


@pytest.mark.parametrize(("name", "expected"), [
    ("08_message_with_audio.json", Attachment(AttachmentKind.AUDIO,
                                              "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "audio/mpeg",
                                              3897500)),
    ("09_voice_message.json", Attachment(AttachmentKind.VOICE, "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
                                         "audio/ogg", 23000)),
    ("10_message_with_document.json", Attachment(DOCUMENT, "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX",
                                                 "application/pdf", 536392, "Testfile.pdf")),
    ("w05_sticker.json", Attachment(AttachmentKind.STICKER, "CAACAgIAAxkBAAEBsticker")),
])
def test_telegram_media_without_caption_is_unsupported_with_its_metadata(
        name: str, expected: Attachment) -> None:
    message = telegram(name)
    assert (message.kind, message.text, message.attachments) == (Kind.UNSUPPORTED, None,
                                                                 (expected,))


def test_telegram_photo_caption_is_text_and_the_largest_size_is_kept() -> None:
    message = telegram("w06_photo_with_caption.json")
    assert (message.kind, message.text) == (Kind.TEXT, "Το δέμα ήρθε σπασμένο")
    assert message.attachments == (Attachment(PHOTO, "AgACAgIAAxkBphoto-m", size=15000),)
    # Sizes out of order still give the biggest picture.
    shuffled = telegram("w06_photo_with_caption.json", photo=[
        {"file_id": "big", "width": 1280, "height": 960},
        {"file_id": "small", "width": 90, "height": 67, "file_size": 1200}])
    assert shuffled.attachments[0].file_id == "big"


def test_telegram_album_photos_share_their_group() -> None:
    parts = [telegram("w06_photo_with_caption.json", media_group_id="13579", caption=None),
             telegram("w06_photo_with_caption.json", media_group_id=13579, caption=None)]
    assert [m.kind for m in parts] == [Kind.UNSUPPORTED, Kind.UNSUPPORTED]
    assert {m.attachments[0].group for m in parts} == {"13579"}


@pytest.mark.parametrize(("size", "kept"), [(0, 0), (4_000_000_000, 4_000_000_000), (-5, None),
                                            ("12", None), (True, None), (None, None)])
def test_telegram_document_sizes_zero_huge_and_nonsense(size: object, kept: int | None) -> None:
    document = {"file_id": "doc-1", "file_name": "x" * 1000, "mime_type": 7, "file_size": size}
    message = telegram("10_message_with_document.json", document=document)
    [attachment] = message.attachments
    assert (attachment.size, attachment.mime_type, len(attachment.file_name or "")) == (
        kept, None, 255)


@pytest.mark.parametrize(("field", "value"), [
    ("photo", "not a list"), ("photo", []), ("photo", [1, 2]), ("document", "a string"),
    ("location", {"latitude": 1.0, "longitude": 2.0}), ("poll", {"id": "1"}),
    ("story", {"chat": {"id": 1}, "id": 3}), ("dice", {"emoji": "🎲", "value": 3}),
])
def test_telegram_unknown_or_malformed_media_keep_the_message(field: str, value: object) -> None:
    update = dataset_update("02_message_text.json")
    del update["message"]["text"]
    update["message"][field] = value
    message = to_inbound(update)
    assert message is not None and message.kind is Kind.UNSUPPORTED
    [attachment] = message.attachments
    assert attachment.kind in (PHOTO, DOCUMENT, OTHER)


def test_telegram_animation_is_one_attachment_not_two() -> None:
    gif = {"file_id": "anim-1", "mime_type": "video/mp4", "file_size": 100}
    message = telegram("10_message_with_document.json", animation=gif, document=gif)
    assert message.attachments == (Attachment(OTHER, "anim-1", "video/mp4", 100),)


def messenger(attachments: object, text: str | None = None) -> Inbound:
    entry = copy.deepcopy(dataset("messages_attachment.entry.json", psid="8000000000000001"))
    message = entry["messaging"][0]["message"]
    message["attachments"] = attachments
    if text is not None:
        message["text"] = text
    [found] = parse_delivery({"object": "page", "entry": [entry]})
    return found


def test_messenger_documented_example_keeps_the_url_of_an_unknown_type() -> None:
    entry = dataset("messages_attachment.entry.json", psid="8000000000000001")
    [message] = parse_delivery({"object": "page", "entry": [entry]})
    assert message.kind is Kind.UNSUPPORTED
    assert message.attachments == (Attachment(OTHER, "<ATTACHMENT_URL>"),)


def test_messenger_types_map_to_neutral_kinds() -> None:
    message = messenger([
        {"type": "image", "payload": {"url": "https://cdn/1.jpg"}},
        {"type": "image", "payload": {"url": "https://cdn/s.png", "sticker_id": 369239263222822}},
        {"type": "sticker", "payload": {"url": "https://cdn/t.png", "sticker_id": 1}},
        {"type": "file", "payload": {"url": "https://cdn/a.pdf"}},
        {"type": "video", "payload": {"url": "https://cdn/v.mp4"}},
        {"type": "audio", "payload": {"url": "https://cdn/a.mp4"}},
        {"type": "reel", "payload": {"url": "https://cdn/r", "reel_video_id": 5}},
        {"type": "fallback", "title": "A shared link", "url": "https://example.com/p"},
        {"type": "fallback"},
    ])
    assert [(a.kind.value, a.file_id) for a in message.attachments] == [
        ("photo", "https://cdn/1.jpg"), ("sticker", "https://cdn/s.png"),
        ("sticker", "https://cdn/t.png"), ("document", "https://cdn/a.pdf"),
        ("video", "https://cdn/v.mp4"), ("audio", "https://cdn/a.mp4"),
        ("other", "https://cdn/r"), ("other", "https://example.com/p"), ("other", "")]
    assert message.attachments[7].file_name == "A shared link"


def test_messenger_several_photos_are_one_message_and_text_stays_text() -> None:
    photos = [{"type": "image", "payload": {"url": f"https://cdn/{n}.jpg"}} for n in range(3)]
    message = messenger(photos, text="the box was crushed")
    assert (message.kind, message.text, len(message.attachments)) == (
        Kind.TEXT, "the box was crushed", 3)


@pytest.mark.parametrize("attachments", [None, "junk", {"type": "image"}, [1, "x", None]])
def test_messenger_malformed_attachments_are_none_not_an_error(attachments: object) -> None:
    message = messenger(attachments)
    assert (message.kind, message.attachments) == (Kind.UNSUPPORTED, ())


def test_messenger_attachment_flood_is_bounded() -> None:
    many = [{"type": "image", "payload": {"url": f"u{n}"}} for n in range(MAX_ATTACHMENTS + 10)]
    assert len(messenger(many).attachments) == MAX_ATTACHMENTS


def test_inbox_round_trip_and_rows_from_before_attachments() -> None:
    message = telegram("10_message_with_document.json", media_group_id="g1")
    assert Inbound.from_json(message.to_json()) == message
    old = ('{"channel": "telegram", "update_id": "1", "user_id": "2", "chat_id": "2", '
           '"kind": "unsupported", "text": null}')
    assert Inbound.from_json(old).attachments == ()
    future = message.to_json().replace('"document"', '"hologram"')
    assert Inbound.from_json(future).attachments[0].kind is OTHER
