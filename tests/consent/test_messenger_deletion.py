"""Meta's data-deletion callback: signed request, confirmation code, status page, erasure."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.messenger_deletion import parse_signed_request, sign_request
from bot.storage.base import utcnow
from tests.channels.messenger_harness import APP_SECRET, messenger_bot
from tests.consent.test_forget import traces

PSID = "7000111222333444"
MARKER = "Quetzal-9031"


async def test_signed_request_erases_the_messenger_contact(database_url: str) -> None:
    async with messenger_bot(database_url) as messenger:
        await messenger.say(PSID, f"my address is {MARKER} street 5")
        signed = sign_request({"algorithm": "HMAC-SHA256", "user_id": PSID,
                               "issued_at": 1764547200}, APP_SECRET.encode())
        response = await messenger.http.post("/messenger/data-deletion",
                                             data={"signed_request": signed})
        assert response.status_code == 200, response.text
        answer = response.json()
        assert set(answer) == {"url", "confirmation_code"}
        assert answer["url"].endswith(f"/privacy/deletion/{answer['confirmation_code']}")
        pending = await messenger.http.get(answer["url"])
        assert "being processed" in pending.text

        await messenger.bot.jobs.run_once(utcnow() + timedelta(seconds=60))
        await messenger.drain()
        assert await traces(messenger, MARKER) == []  # type: ignore[arg-type]
        done = await messenger.http.get(answer["url"])
        assert done.status_code == 200 and "has been erased" in done.text
        assert messenger.graph.sent[-1].text.startswith("Your data has been erased")


async def test_bad_signatures_and_unknown_users(database_url: str) -> None:
    async with messenger_bot(database_url) as messenger:
        post = messenger.http.post
        good = sign_request({"algorithm": "HMAC-SHA256", "user_id": "404"}, APP_SECRET.encode())
        forged = sign_request({"algorithm": "HMAC-SHA256", "user_id": "404"}, b"not-the-secret")
        for body in ({"signed_request": forged}, {"signed_request": "x.y.z"},
                     {"signed_request": "%%%.%%%"}, {"other": "1"}):
            assert (await post("/messenger/data-deletion", data=body)).status_code == 400
        assert (await post("/messenger/data-deletion", content=b"\xff\x00",
                           headers={"content-type": "application/json"})).status_code == 400
        unknown = (await post("/messenger/data-deletion", data={"signed_request": good})).json()
        page = await messenger.http.get(unknown["url"])
        assert "found no data" in page.text
        missing = await messenger.http.get("/privacy/deletion/nope")
        assert missing.status_code == 404


def test_parse_signed_request_checks_algorithm_and_secret() -> None:
    secret = b"s3cret"
    assert parse_signed_request(sign_request({"algorithm": "HMAC-SHA256", "user_id": "1"},
                                             secret), secret) == {"algorithm": "HMAC-SHA256",
                                                                  "user_id": "1"}
    assert parse_signed_request(sign_request({"algorithm": "none", "user_id": "1"}, secret),
                                secret) is None
    assert parse_signed_request(sign_request({"algorithm": "HMAC-SHA256"}, secret), secret) is None
    assert parse_signed_request(sign_request({"user_id": "1"}, secret), b"") is None
    assert parse_signed_request("a" * 9000, secret) is None
