"""Tickets through the API: list, show, reply (reaches the customer's chat), close."""

from __future__ import annotations

from tests.api.conftest import Api


async def _ticket_ref(api: Api, token: str) -> str:
    await api.harness.say("hello, I need help with my order")
    await api.harness.say("/human")
    items = (await api.get("/tickets", token)).json()["items"]
    assert len(items) == 1
    return str(items[0]["ref"])


async def test_reply_reaches_the_customer_and_joins_the_transcript(api: Api) -> None:
    token = await api.token("tickets:write")
    ref = await _ticket_ref(api, token)
    shown = (await api.get(f"/tickets/{ref}", token)).json()
    assert shown["status"] == "open" and shown["transcript"]
    text = "<script>alert(1)</script> '; DROP TABLE tickets; -- we are on it"
    replied = await api.post(f"/tickets/{ref}/reply", token, {"text": text})
    assert replied.status_code == 200, replied.text
    body = replied.json()
    assert body["status"] == "waiting" and body["first_response_at"]
    assert body["transcript"][-1] == {**body["transcript"][-1], "author": "operator",
                                      "text": text, "delivered": True}
    sent = await api.harness.drain()
    assert [reply.text for reply in sent] == [f"Our team: {text}"]
    assert api.harness.channel.sent[-1][0] == "c1"  # the customer's own chat
    closed = await api.post(f"/tickets/{ref}/close", token)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    notices = await api.harness.drain()
    assert any(f"#{ref}" in reply.text for reply in notices)
    again = await api.post(f"/tickets/{ref}/close", token)
    assert again.status_code == 409
    late = await api.post(f"/tickets/{ref}/reply", token, {"text": "hello?"})
    assert late.status_code == 409 and "closed" in late.json()["detail"]
    admin = await api.token("admin")
    audit = (await api.get("/audit", admin)).json()["items"]
    assert [(e["action"], e["target"]) for e in audit] == [
        ("ticket.close", f"ticket:{ref}"), ("ticket.reply", f"ticket:{ref}")]
    assert all(e["actor"].startswith("token:") for e in audit)
    events = (await api.get("/events", admin)).json()["items"]
    assert [e["name"] for e in events][:2] == ["ticket.closed", "ticket.opened"]


async def test_ticket_filters_unknown_refs_and_empty_replies(api: Api) -> None:
    token = await api.token("tickets:write")
    ref = await _ticket_ref(api, token)
    assert len((await api.get("/tickets", token, status="open")).json()["items"]) == 1
    assert (await api.get("/tickets", token, status="closed")).json()["items"] == []
    assert (await api.get("/tickets", token, channel="messenger")).json()["items"] == []
    assert (await api.get("/tickets", token, status="nope")).status_code == 422
    assert (await api.get("/tickets/999-9", token)).status_code == 404
    assert (await api.post("/tickets/999-9/reply", token, {"text": "x"})).status_code == 404
    blank = await api.post(f"/tickets/{ref}/reply", token, {"text": "   "})
    assert blank.status_code == 409
    assert (await api.post(f"/tickets/{ref}/reply", token, {"text": ""})).status_code == 422
    huge = await api.post(f"/tickets/{ref}/reply", token, {"text": "x" * 5000})
    assert huge.status_code == 422
    assert (await api.post(f"/tickets/{ref}/reply", token, None)).status_code == 422
