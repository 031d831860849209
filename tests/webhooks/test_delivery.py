"""Events reach endpoints signed per Standard Webhooks; down and slow endpoints are retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.scheduler import Job
from bot.storage.base import utcnow
from bot.storage.events import emit
from bot.webhooks import dispatch as dispatch_module
from bot.webhooks.dispatch import BACKOFF, MAX_ATTEMPTS
from bot.webhooks.endpoints import DeliveryFilter, add_endpoint, list_deliveries
from bot.webhooks.tables import DELIVERED, FAILED, PENDING
from tests.api.conftest import Api
from tests.webhooks.conftest import Receiver, closed_port_url


async def _emit(api: Api, name: str, **payload: object) -> None:
    async with api.harness.bot.sessionmaker() as session:
        await emit(session, name, dict(payload))
        await session.commit()


async def _deliveries(api: Api) -> list:  # type: ignore[type-arg]
    async with api.harness.bot.sessionmaker() as session:
        return list(reversed(await list_deliveries(session, DeliveryFilter(), limit=500)))


async def test_endpoint_added_through_the_api_gets_verified_signed_events(
    api: Api, receiver: Receiver
) -> None:
    admin = await api.token("admin")
    created = await api.post("/webhooks/endpoints", admin,
                             {"url": receiver.url, "events": ["ticket.opened", "ticket.closed"]})
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    await api.harness.say("/human")  # a real ticket: ticket.opened from support's own code
    await _emit(api, "feedback.created", feedback_id=1)  # not subscribed
    await api.harness.drain()
    assert receiver.rejected == []
    assert [body["type"] for body in receiver.verified] == ["ticket.opened"]
    data = receiver.verified[0]["data"]
    assert data["ref"] and data["ticket_id"] >= 1
    assert receiver.headers[0]["webhook-id"].startswith("msg_")
    assert receiver.headers[0]["webhook-signature"].startswith("v1,")
    listed = (await api.get("/webhooks/deliveries", admin)).json()["items"]
    assert [(d["event_name"], d["status"], d["attempts"]) for d in listed] == [
        ("ticket.opened", DELIVERED, 1)]
    endpoints = (await api.get("/webhooks/endpoints", admin)).json()["items"]
    assert endpoints[0]["delivered"] == 1 and "secret" not in endpoints[0]
    audit = (await api.get("/audit", admin)).json()["items"]
    assert [entry["action"] for entry in audit] == ["webhook.add"]


async def test_a_down_endpoint_is_retried_with_backoff_then_delivered(
    api: Api, receiver: Receiver
) -> None:
    async with api.harness.bot.sessionmaker() as session:
        endpoint, secret = await add_endpoint(session, closed_port_url())
        await session.commit()
    receiver.secret = secret
    for n in range(3):
        await _emit(api, "beta.applied", application_id=n)
    start = utcnow() + timedelta(seconds=1)
    await api.harness.drain(start)
    first = await _deliveries(api)
    assert [d.status for d in first] == [PENDING] * 3
    # The first failure pauses the endpoint: one connection attempt, not three.
    assert [d.attempts for d in first] == [1, 0, 0]
    assert "ConnectError" in (first[0].last_error or "")
    # Before the backoff nothing is tried again.
    await api.harness.drain(start + timedelta(seconds=BACKOFF[0] - 1))
    assert [d.attempts for d in await _deliveries(api)] == [1, 0, 0]
    # The endpoint comes back (same secret, now listening).
    async with api.harness.bot.sessionmaker() as session:
        row = await session.get(type(endpoint), endpoint.id)
        assert row is not None
        row.url = receiver.url
        await session.commit()
    await api.harness.drain(start + timedelta(seconds=BACKOFF[0] + 6))
    after = await _deliveries(api)
    assert [d.status for d in after] == [DELIVERED] * 3
    assert [d.attempts for d in after] == [2, 1, 1]
    assert [body["data"]["application_id"] for body in receiver.verified] == [0, 1, 2]
    # Retries keep the message id, so the receiver can de-duplicate.
    assert receiver.headers[0]["webhook-id"] == first[0].message_id


async def test_a_slow_endpoint_times_out_without_blocking_and_finally_fails(
    api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch_module, "TOTAL_SECONDS", 0.3)
    receiver.mode = "hang"
    async with api.harness.bot.sessionmaker() as session:
        slow, _ = await add_endpoint(session, receiver.url, events=["ticket.closed"])
        await session.commit()
    await _emit(api, "ticket.closed", ticket_id=7)
    moment = utcnow() + timedelta(seconds=1)
    await api.harness.drain(moment)
    [delivery] = await _deliveries(api)
    assert delivery.status == PENDING and delivery.attempts == 1
    assert "timeout" in (delivery.last_error or "")
    for wait in BACKOFF:
        moment += timedelta(seconds=wait + 6)
        await api.harness.drain(moment)
    [delivery] = await _deliveries(api)
    assert delivery.status == FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    admin = await api.token("admin")
    failed = (await api.get("/webhooks/deliveries", admin, status="failed")).json()["items"]
    assert [d["id"] for d in failed] == [delivery.id]
    # Never two delivery jobs for one endpoint at a time, and every job finished.
    async with api.harness.bot.sessionmaker() as session:
        jobs = (await session.scalars(select(Job).where(Job.kind == "webhooks.deliver"))).all()
    assert jobs and all(job.status == "done" for job in jobs)
    assert len({job.key for job in jobs}) == len(jobs)
    # An operator retries it by hand once the receiver is fixed.
    receiver.mode = "ok"
    monkeypatch.setattr(dispatch_module, "TOTAL_SECONDS", 10.0)  # a busy machine is not slow
    async with api.harness.bot.sessionmaker() as session:
        endpoint = await session.get(type(slow), slow.id)
        assert endpoint is not None
        receiver.secret = endpoint.secret
    retried = await api.post(f"/webhooks/deliveries/{delivery.id}/retry", admin)
    assert retried.status_code == 200 and retried.json()["status"] == PENDING
    await api.harness.drain(moment + timedelta(seconds=10))
    [delivery] = await _deliveries(api)
    assert delivery.status == DELIVERED
    assert receiver.verified[0]["data"]["ticket_id"] == 7


async def test_an_error_answer_is_recorded_and_other_endpoints_are_not_held_up(
    api: Api, receiver: Receiver
) -> None:
    async with api.harness.bot.sessionmaker() as session:
        _, secret = await add_endpoint(session, receiver.url)
        broken, _ = await add_endpoint(session, closed_port_url())
        await session.commit()
    receiver.secret = secret
    await _emit(api, "contact.erased")
    await api.harness.drain(utcnow() + timedelta(seconds=1))
    by_endpoint = {d.endpoint_id: d for d in await _deliveries(api)}
    assert by_endpoint[broken.id].status == PENDING
    assert [d.status for k, d in by_endpoint.items() if k != broken.id] == [DELIVERED]
    assert [body["type"] for body in receiver.verified] == ["contact.erased"]


async def test_bad_endpoint_settings_are_422_and_unknown_ids_404(api: Api) -> None:
    admin = await api.token("admin")
    for body in ({"url": "ftp://example.com/x"}, {"url": "javascript:alert(1)"},
                 {"url": "https://example.com/h", "events": ["nope"]},
                 {"url": "https://example.com/h", "secret": "plain"}):
        response = await api.post("/webhooks/endpoints", admin, body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await api.client.delete("/api/v1/webhooks/endpoints/999",
                                       headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 404
    scoped = await api.token("feedback:read")
    assert (await api.get("/webhooks/deliveries", scoped)).status_code == 403


async def test_endpoints_are_changed_through_the_api_and_disabled_ones_get_nothing(
    api: Api, receiver: Receiver
) -> None:
    admin = await api.token("admin")
    created = (await api.post("/webhooks/endpoints", admin, {"url": receiver.url})).json()
    receiver.secret = created["secret"]
    patch = await api.client.patch(f"/api/v1/webhooks/endpoints/{created['id']}",
                                   headers={"Authorization": f"Bearer {admin}"},
                                   json={"enabled": False, "events": ["survey.completed"]})
    assert patch.status_code == 200
    assert patch.json()["enabled"] is False and patch.json()["events"] == ["survey.completed"]
    await _emit(api, "survey.completed", survey="support_csat")
    await api.harness.drain(utcnow() + timedelta(seconds=1))
    assert receiver.verified == [] and await _deliveries(api) == []
    await api.client.patch(f"/api/v1/webhooks/endpoints/{created['id']}",
                           headers={"Authorization": f"Bearer {admin}"}, json={"enabled": True})
    await _emit(api, "survey.completed", survey="tea_discovery")
    await _emit(api, "ticket.opened", ref="1-1")
    await api.harness.drain(utcnow() + timedelta(seconds=20))  # the next dispatch is due
    assert [b["data"]["survey"] for b in receiver.verified] == ["tea_discovery"]
    shown = (await api.get(f"/webhooks/endpoints/{created['id']}", admin)).json()
    assert shown["delivered"] == 1 and shown["secret_hint"].endswith("…")
    actions = [e["action"] for e in (await api.get("/audit", admin)).json()["items"]]
    assert actions == ["webhook.update", "webhook.update", "webhook.add"]
