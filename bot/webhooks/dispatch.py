"""Dispatch and delivery: events become signed POSTs, retried with backoff, outcomes recorded.

``webhooks.dispatch`` (periodic) reads the ``events`` table after its cursor, writes one
delivery row per (event, subscribed endpoint) and schedules one ``webhooks.deliver`` job per
endpoint with due work (a scheduler key per endpoint and sequence number, so never two at once).
A delivery job posts that endpoint's due deliveries in event order with short timeouts; the
first failure pauses the endpoint until the delivery's next attempt, so a dead or slow receiver
costs one timeout per retry, never a queue of them, and other endpoints are not held up.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from bot.engine.registry import JobContext
from bot.scheduler import Job, schedule
from bot.storage.base import utcnow
from bot.storage.events import Event
from bot.webhooks.tables import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookCursor,
    WebhookDelivery,
    WebhookEndpoint,
)

DISPATCH_EVERY = 5.0
EVENTS_PER_RUN = 500
DELIVERIES_PER_JOB = 20
GAP_GRACE = 60.0
"""Seconds the dispatcher waits for a missing event id to commit before skipping past it."""
TIMEOUT = httpx.Timeout(5.0, connect=3.0)
TOTAL_SECONDS = 10.0
"""A whole request (however slowly the receiver trickles its answer) gives up after this."""
BACKOFF = (5, 300, 1800, 7200, 18000, 36000)
"""Seconds before attempts 2..7 (the Standard Webhooks / Svix schedule); then it has failed."""
MAX_ATTEMPTS = len(BACKOFF) + 1
DELIVER = "webhooks.deliver"


def job_key(endpoint_id: int, seq: int) -> str:
    """The scheduler key of an endpoint's ``seq``-th delivery job."""
    return f"{DELIVER}:{endpoint_id}:{seq}"


def subscribed(endpoint: WebhookEndpoint, name: str) -> bool:
    """Whether ``endpoint`` wants events called ``name`` (no filter: every event)."""
    return not endpoint.events or name in endpoint.events


async def dispatch(session: AsyncSession, ctx: JobContext) -> None:
    """Turn new events into deliveries, then schedule delivery jobs for endpoints with work."""
    cursor = await session.get(WebhookCursor, 1)
    if cursor is None:
        cursor = WebhookCursor(id=1, last_event_id=0)
        session.add(cursor)
    events = (await session.scalars(
        select(Event).where(Event.id > cursor.last_event_id).order_by(Event.id)
        .limit(EVENTS_PER_RUN))).all()
    endpoints = (await session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)))).all()
    expected = cursor.last_event_id + 1
    for event in events:
        if event.id != expected and event.created_at > ctx.now - timedelta(seconds=GAP_GRACE):
            # A lower id may belong to a transaction that has not committed yet (PostgreSQL
            # hands out ids before commit): wait for it, unless the gap is old (a rollback).
            break
        expected = event.id + 1
        for endpoint in endpoints:
            if subscribed(endpoint, event.name) and event.created_at >= endpoint.created_at:
                session.add(WebhookDelivery(
                    endpoint_id=endpoint.id, event_id=event.id, event_name=event.name,
                    message_id=f"msg_{event.id}_{endpoint.id}", status=PENDING, attempts=0,
                    next_attempt_at=ctx.now))
        cursor.last_event_id = event.id
    await session.flush()
    for endpoint in endpoints:
        if endpoint.paused_until is not None and endpoint.paused_until > ctx.now:
            continue
        due = await session.scalar(
            select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id,
                                             WebhookDelivery.status == PENDING,
                                             WebhookDelivery.next_attempt_at <= ctx.now)
            .limit(1))
        if due is None:
            continue
        running = await session.scalar(
            select(Job.id).where(Job.key == job_key(endpoint.id, endpoint.job_seq),
                                 Job.status.in_(("pending", "running"))))
        if running is not None:
            continue
        endpoint.job_seq += 1
        await schedule(session, DELIVER, {"endpoint_id": endpoint.id}, run_at=ctx.now,
                       key=job_key(endpoint.id, endpoint.job_seq))


def body(event: Event) -> str:
    """The JSON body: Standard Webhooks' ``type``, ``timestamp`` and ``data``."""
    return json.dumps({"type": event.name, "timestamp": event.created_at.isoformat(),
                       "data": {"event_id": event.id, "contact_id": event.contact_id,
                                **(event.payload or {})}},
                      ensure_ascii=False, separators=(",", ":"), default=str)


def signed_headers(secret: str, message_id: str, payload: str, now: datetime | None = None
                   ) -> dict[str, str]:
    """``webhook-id``, ``webhook-timestamp`` and the HMAC-SHA256 ``webhook-signature``."""
    moment = now or utcnow()
    return {"webhook-id": message_id, "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, moment, payload),
            "content-type": "application/json", "user-agent": "Sarafan-Webhooks/1"}


async def post(client: httpx.AsyncClient, url: str, headers: dict[str, str], payload: str
               ) -> tuple[int | None, str | None]:
    """POST once: (status code, error text); error None means a 2xx answer."""
    try:
        async with asyncio.timeout(TOTAL_SECONDS):
            response = await client.post(url, content=payload.encode(), headers=headers)
    except TimeoutError:
        return None, f"timeout after {TOTAL_SECONDS:g} s"
    except httpx.TimeoutException as exc:
        return None, f"timeout: {type(exc).__name__}"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


async def deliver(session: AsyncSession, ctx: JobContext) -> None:
    """Post the endpoint's due deliveries in order; record each outcome, stop at a failure."""
    endpoint = await session.get(WebhookEndpoint, int(ctx.payload.get("endpoint_id", 0)))
    if endpoint is None or not endpoint.enabled:
        return
    due = (await session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id,
                                      WebhookDelivery.status == PENDING,
                                      WebhookDelivery.next_attempt_at <= ctx.now)
        .order_by(WebhookDelivery.id).limit(DELIVERIES_PER_JOB))).all()
    if not due:
        return
    events = {event.id: event for event in (await session.scalars(
        select(Event).where(Event.id.in_([d.event_id for d in due])))).all()}
    outcomes: list[tuple[WebhookDelivery, int | None, str | None]] = []
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        for delivery in due:
            event = events.get(delivery.event_id)
            if event is None:
                outcomes.append((delivery, None, "the event no longer exists"))
                continue
            payload = body(event)
            code, error = await post(client, endpoint.url,
                                     signed_headers(endpoint.secret, delivery.message_id,
                                                    payload), payload)
            outcomes.append((delivery, code, error))
            if error is not None:
                break
    # Writes only after the HTTP calls, so no database write lock is held while waiting.
    for delivery, code, error in outcomes:
        record(delivery, code, error, ctx.now)
        if error is not None and delivery.status == PENDING:
            endpoint.paused_until = delivery.next_attempt_at


def record(delivery: WebhookDelivery, code: int | None, error: str | None, now: datetime
           ) -> None:
    """Write one attempt's outcome: delivered, retried later, or failed for good."""
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_error = error
    if error is None:
        delivery.status, delivery.finished_at = DELIVERED, utcnow()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.finished_at = FAILED, utcnow()
    else:
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF[delivery.attempts - 1])


async def retry_now(session: AsyncSession, delivery_id: int, now: datetime | None = None
                    ) -> bool:
    """Make a pending or failed delivery due again at once (and wake its endpoint)."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status == DELIVERED:
        return False
    moment = now or utcnow()
    if delivery.status == FAILED:
        delivery.attempts = 0
    delivery.status, delivery.next_attempt_at, delivery.finished_at = PENDING, moment, None
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is not None:
        endpoint.paused_until = None
    return True


