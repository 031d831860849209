"""The inbox and outbox JSON of ``Inbound`` and ``Reply``: built field by field for speed, it
must stay what ``dataclasses.asdict`` gives (rows already stored read back the same)."""

from __future__ import annotations

import json
from dataclasses import asdict

from bot.messages import Attachment, AttachmentKind, Button, Inbound, Kind, Link, Reply


def test_a_reply_serializes_as_asdict_does_and_reads_back() -> None:
    reply = Reply("Привет — هل", buttons=(Button("Yes", "y"), Button("Нет", "n")),
                  links=(Link("Docs", "https://example.com"),), language="ru",
                  reply_to_message_id="7", meta={"entry": "delivery"}, request_contact="Share")
    assert reply.to_json() == json.dumps(asdict(reply), ensure_ascii=False)
    assert Reply.from_json(reply.to_json()) == reply
    assert Reply.from_json(Reply("plain").to_json()) == Reply("plain")


def test_an_inbound_serializes_as_asdict_does_and_reads_back() -> None:
    photo = Attachment(AttachmentKind.PHOTO, "f1", "image/jpeg", 1200, None, "album")
    inbound = Inbound("telegram", "9", "u1", "c1", Kind.TEXT, "καλημέρα", None, "el",
                      "m1", "private", "Ada", "main", None, (photo,))
    expected = asdict(inbound)
    expected["attachments"] = [photo.to_dict()]
    assert inbound.to_json() == json.dumps(expected, ensure_ascii=False)
    assert Inbound.from_json(inbound.to_json()) == inbound
