"""Outbound webhooks: endpoints and the deliveries of events to them, failures first to see."""

from __future__ import annotations

from starlette.responses import Response

from bot.dashboard.web import Ctx, page
from bot.webhooks.endpoints import DeliveryFilter, list_deliveries, list_endpoints

DELIVERIES = 100
STATUSES = ("pending", "delivered", "failed")


@page()
async def webhooks(ctx: Ctx) -> Response:
    """Endpoints with their counts, then the newest deliveries (``?status=failed``)."""
    status = ctx.request.query_params.get("status")
    status = status if status in STATUSES else None
    return ctx.page("webhooks.html", title="Webhooks", endpoints=await list_endpoints(ctx.db),
                    deliveries=await list_deliveries(ctx.db, DeliveryFilter(status=status),
                                                     limit=DELIVERIES),
                    chosen=status, statuses=STATUSES)
