"""Survey results, themes, beta campaigns and webhook deliveries."""

from __future__ import annotations

from starlette.responses import Response

from bot.dashboard.web import Ctx, page


@page()
async def surveys(ctx: Ctx) -> Response:
    """Every survey with its results."""
    return ctx.page("pending.html", title="Surveys",
                    what="Survey results appear here once the surveys feature is installed.")


@page()
async def themes(ctx: Ctx) -> Response:
    """What people talk about, with drill-down to messages."""
    return ctx.page("pending.html", title="Themes",
                    what="Themes appear here once the feedback feature is installed.")


@page()
async def beta(ctx: Ctx) -> Response:
    """Beta campaigns and their applicants."""
    return ctx.page("pending.html", title="Beta",
                    what="Beta campaigns appear here once the beta feature is installed.")


@page()
async def webhooks(ctx: Ctx) -> Response:
    """Outbound webhook deliveries and failures."""
    return ctx.page("pending.html", title="Webhooks",
                    what="Webhook deliveries appear here once webhooks are installed.")
