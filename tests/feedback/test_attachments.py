"""Photos and files with feedback, on SQLite and PostgreSQL: nothing the customer sent is lost.

Attachments are the neutral metadata the channel adapters produce (tests/channels/
test_attachments_adapters.py covers the translation from real Telegram/Messenger payloads).
"""

from __future__ import annotations

import itertools

from sqlalchemy import select

from bot.consent.export import export_core
from bot.messages import Attachment, AttachmentKind, Inbound, Kind, Reply
from bot.storage.models import MessageLog
from tests.feedback.conftest import items
from tests.harness import BotHarness

PHOTO = AttachmentKind.PHOTO
SORRY = "Sorry, I can only read text messages. Please type your question."
ATTACHED = "Thank you, I have attached it."
_ids = itertools.count(1)


def photo(file_id: str = "AgAC-photo-1", group: str | None = None) -> Attachment:
    return Attachment(PHOTO, file_id, "image/jpeg", 15000, group=group)


async def send(fb: BotHarness, *attachments: Attachment, caption: str | None = None,
               chat: str = "c1") -> list[Reply]:
    """One photo/file message as an adapter hands it over (the caption, if any, is text)."""
    message = Inbound(channel="test", update_id=f"att-{next(_ids)}", user_id=chat, chat_id=chat,
                      kind=Kind.TEXT if caption else Kind.UNSUPPORTED, text=caption,
                      attachments=attachments)
    await fb.bot.ingest(message)
    return await fb.drain()


def kept(*found: Attachment) -> list[dict[str, object]]:
    return [a.to_dict() for a in found]


async def test_a_photo_with_a_feedback_caption_files_an_item_with_it(fb: BotHarness) -> None:
    [thanks] = await send(fb, photo(), caption="Please add a decaf Earl Grey, I can't drink "
                                               "caffeine at night")
    assert "Thank you for the idea" in thanks.text
    [item] = await items(fb)
    assert item.category == "feature_request" and item.attachments == kept(photo())


async def test_feedback_command_as_a_caption(fb: BotHarness) -> None:
    await send(fb, photo(), caption="/feedback the teapot lid arrived cracked")
    [item] = await items(fb)
    assert item.text == "the teapot lid arrived cracked" and item.attachments == kept(photo())


async def test_photo_after_feedback_command_then_words_make_one_item(fb: BotHarness) -> None:
    await fb.say("/feedback")
    [attached] = await send(fb, photo())  # a photo without caption
    assert ATTACHED in attached.text
    [item] = await items(fb)
    assert (item.text, item.attachments) == ("", kept(photo()))
    [thanks] = await fb.say("Please add a decaf Earl Grey, I can't drink caffeine at night")
    assert "Thank you for the idea" in thanks.text
    [item] = await items(fb)
    assert item.category == "feature_request" and item.theme_id is not None
    assert item.text.startswith("Please add") and item.attachments == kept(photo())


async def test_photo_during_the_follow_up_question_joins_that_item(fb: BotHarness) -> None:
    await fb.say("/feedback")
    [question] = await fb.say("the teapot")  # unclear: the bot asks what it is
    assert question.buttons and "what is it" in question.text
    added, asked_again = await send(fb, photo())
    assert "added it to your message" in added.text
    assert [b.payload for b in asked_again.buttons] == [b.payload for b in question.buttons]
    await fb.say(payload=question.buttons[0].payload)  # still answerable
    [item] = await items(fb)
    assert (item.text, item.category, item.attachments) == ("the teapot", "bug", kept(photo()))


async def test_a_photo_outside_feedback_gets_the_polite_reply_and_is_logged(
        fb: BotHarness) -> None:
    assert [r.text for r in await send(fb, photo())] == [SORRY]
    assert await items(fb) == []
    async with fb.bot.sessionmaker() as session:
        logged = await session.scalar(select(MessageLog).where(MessageLog.direction == "in"))
    assert logged is not None and logged.body == {"attachments": kept(photo())}
    async with fb.bot.sessionmaker() as session:  # /mydata shows it to the customer
        exported = await export_core(session, int(logged.contact_id or 0))
    assert {"direction": "in", "text": None, "attachments": kept(photo())}.items() <= \
        exported["messages"][0].items()


async def test_an_album_after_feedback_is_one_item_and_one_reply(fb: BotHarness) -> None:
    await fb.say("/feedback")
    album = [photo(f"AgAC-{n}", group="album-7") for n in range(3)]
    replies = [await send(fb, part) for part in album]
    assert [len(r) for r in replies] == [1, 0, 0]  # the rest of an album is taken silently
    await fb.say("the teapot lid arrived cracked")
    [item] = await items(fb)
    assert item.attachments == kept(*album) and item.category == "bug"


async def test_an_album_whose_caption_is_feedback_keeps_every_photo(fb: BotHarness) -> None:
    first = photo("AgAC-a", group="album-8")
    await send(fb, first, caption="Please add a decaf Earl Grey, I can't drink caffeine at "
                                  "night")
    rest = [photo("AgAC-b", group="album-8"), photo("AgAC-c", group="album-8")]
    assert [await send(fb, part) for part in rest] == [[], []]
    [item] = await items(fb)
    assert item.attachments == kept(first, *rest)
    # Another album later is not feedback: the polite reply, nothing filed.
    assert [r.text for r in await send(fb, photo("AgAC-d", group="album-9"))] == [SORRY]


async def test_empty_huge_and_unknown_attachments_are_kept_as_sent(fb: BotHarness) -> None:
    await fb.say("/feedback")
    empty = Attachment(AttachmentKind.DOCUMENT, "doc-0", "application/pdf", 0, "empty.pdf")
    huge = Attachment(AttachmentKind.DOCUMENT, "doc-2", "video/mp4", 4_000_000_000, "big.mp4")
    unknown = Attachment(AttachmentKind.OTHER, "")
    await send(fb, empty)
    await send(fb, huge, unknown)
    await send(fb, empty)  # the same file twice is kept once
    [item] = await items(fb)
    assert item.attachments == kept(empty, huge, unknown)


async def test_photo_with_a_caption_that_is_not_feedback_goes_to_support(fb: BotHarness) -> None:
    replies = await send(fb, photo(), caption="How long does delivery take?")
    assert replies and all(r.text != SORRY for r in replies)
    assert await items(fb) == []
    async with fb.bot.sessionmaker() as session:
        logged = await session.scalar(select(MessageLog).where(MessageLog.direction == "in"))
    assert logged is not None and logged.body == {"attachments": kept(photo())}


async def test_mydata_exports_and_forget_drops_attachments(fb: BotHarness) -> None:
    await send(fb, photo(), caption="/feedback the teapot lid arrived cracked")
    [item] = await items(fb)
    assert item.contact_id is not None
    registry = fb.bot.registry
    async with fb.bot.sessionmaker() as session, session.begin():
        exported = await registry.exporters["feedback"](session, item.contact_id)
        assert exported[0]["attachments"] == kept(photo())
        await registry.erasers["feedback"](session, item.contact_id)
    [erased] = await items(fb)
    assert erased.erased and erased.attachments == []
