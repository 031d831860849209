"""The audit log for admins: who changed what through the dashboard or the API, and when."""

from __future__ import annotations

from starlette.responses import Response

from bot.audit import list_audit
from bot.dashboard.tables import ADMIN
from bot.dashboard.web import Ctx, page

ENTRIES = 200


@page(ADMIN)
async def audit_log(ctx: Ctx) -> Response:
    """The newest entries, optionally of one actor (``?actor=dashboard:ann@example.com``)."""
    actor = ctx.request.query_params.get("actor", "")[:160] or None
    entries = await list_audit(ctx.db, limit=ENTRIES, actor=actor)
    return ctx.page("audit.html", title="Audit log", entries=entries, actor=actor)
