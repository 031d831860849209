"""Webhook endpoints and their deliveries: add, list, change, remove — one query layer for the
CLI, the API and the dashboard."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.events import EVENT_NAMES
from bot.webhooks.tables import DELIVERED, FAILED, PENDING, WebhookDelivery, WebhookEndpoint

STATUSES = (PENDING, DELIVERED, FAILED)


class EndpointError(ValueError):
    """A bad endpoint setting (URL, event name, secret) or an unknown endpoint."""


@dataclass(frozen=True, slots=True)
class EndpointView:
    """An endpoint as listings show it; the secret only as a hint."""

    id: int
    url: str
    events: tuple[str, ...]
    enabled: bool
    description: str | None
    secret_hint: str
    created_at: datetime
    pending: int
    delivered: int
    failed: int


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One event's delivery to one endpoint."""

    id: int
    endpoint_id: int
    event_id: int
    event_name: str
    message_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL, else :class:`EndpointError`."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 \
            or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise EndpointError(f"not an http(s) URL: {url[:200]!r}")
    return url


def check_events(events: list[str]) -> list[str]:
    """``events`` if every name is a known event (empty means all)."""
    unknown = sorted(set(events) - set(EVENT_NAMES))
    if unknown:
        raise EndpointError(f"unknown event {', '.join(unknown)}; use {', '.join(EVENT_NAMES)}")
    return sorted(set(events), key=EVENT_NAMES.index)


def check_secret(secret: str) -> str:
    """``secret`` if it is a ``whsec_`` base64 key of 24 to 64 bytes."""
    if not secret.startswith("whsec_"):
        raise EndpointError("a secret starts with whsec_")
    try:
        key = base64.b64decode(secret[6:], validate=True)
    except ValueError:
        raise EndpointError("a secret is whsec_ and base64") from None
    if not 24 <= len(key) <= 64:
        raise EndpointError("a secret holds 24 to 64 bytes")
    if len(secret) > 128:
        raise EndpointError("a secret is at most 128 characters")
    return secret


async def add_endpoint(
    session: AsyncSession, url: str, *, events: list[str] | None = None,
    secret: str | None = None, description: str | None = None, enabled: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (shown to the caller once)."""
    secret = check_secret(secret) if secret else new_secret()
    endpoint = WebhookEndpoint(url=check_url(url), secret=secret,
                               events=check_events(list(events or [])), enabled=enabled,
                               description=(description or None) and description[:200],
                               job_seq=0)
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, or :class:`EndpointError`."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise EndpointError(f"no webhook endpoint #{endpoint_id}")
    return endpoint


async def update_endpoint(
    session: AsyncSession, endpoint_id: int, *, url: str | None = None,
    events: list[str] | None = None, enabled: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change what is given; re-enabling also ends a pause after failures."""
    endpoint = await get_endpoint(session, endpoint_id)
    if url is not None:
        endpoint.url = check_url(url)
    if events is not None:
        endpoint.events = check_events(events)
    if enabled is not None:
        endpoint.enabled = enabled
        if enabled:
            endpoint.paused_until = None
    if description is not None:
        endpoint.description = description[:200] or None
    await session.flush()
    return endpoint


async def remove_endpoint(session: AsyncSession, endpoint_id: int) -> None:
    """Delete the endpoint and its delivery history."""
    await get_endpoint(session, endpoint_id)
    await session.execute(delete(WebhookDelivery)
                          .where(WebhookDelivery.endpoint_id == endpoint_id))
    await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))


async def list_endpoints(
    session: AsyncSession, *, before_id: int | None = None, limit: int = 100
) -> list[EndpointView]:
    """Endpoints newest first, with their delivery counts per status."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(WebhookEndpoint.id < before_id)
    endpoints = (await session.scalars(query)).all()
    counts: dict[tuple[int, str], int] = {}
    if endpoints:
        rows = await session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.endpoint_id.in_([e.id for e in endpoints]))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status))
        counts = {(endpoint_id, status): int(n) for endpoint_id, status, n in rows.all()}
    return [endpoint_view(e, counts) for e in endpoints]


def endpoint_view(endpoint: WebhookEndpoint, counts: dict[tuple[int, str], int] | None = None
                  ) -> EndpointView:
    """The listing view of ``endpoint``."""
    counts = counts or {}
    return EndpointView(endpoint.id, endpoint.url, tuple(endpoint.events or ()), endpoint.enabled,
                        endpoint.description, endpoint.secret[:10] + "…", endpoint.created_at,
                        counts.get((endpoint.id, PENDING), 0),
                        counts.get((endpoint.id, DELIVERED), 0),
                        counts.get((endpoint.id, FAILED), 0))


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """Which deliveries a list shows."""

    endpoint_id: int | None = None
    status: str | None = None
    event_name: str | None = None


async def list_deliveries(
    session: AsyncSession, flt: DeliveryFilter, *, before_id: int | None = None,
    limit: int = 50,
) -> list[DeliveryView]:
    """Deliveries newest first (keyset on id): what was sent, how often, what came back."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    for column, value in ((WebhookDelivery.endpoint_id, flt.endpoint_id),
                          (WebhookDelivery.status, flt.status),
                          (WebhookDelivery.event_name, flt.event_name)):
        if value is not None:
            query = query.where(column == value)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return [DeliveryView(d.id, d.endpoint_id, d.event_id, d.event_name, d.message_id, d.status,
                         d.attempts, d.next_attempt_at if d.status == PENDING else None,
                         d.last_status_code, d.last_error, d.created_at, d.finished_at)
            for d in (await session.scalars(query)).all()]
