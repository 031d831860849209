"""The overview: feedback, NPS/CSAT, tickets, the beta funnel and sources over a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from bot.dashboard import charts, panels
from bot.dashboard.attribution import contacts_by_source
from bot.dashboard.web import Ctx, page
from bot.i18n import gettext
from bot.storage.base import utcnow
from bot.support.tickets import ticket_stats

PERIODS = (7, 30, 90)


@dataclass(frozen=True, slots=True)
class Period:
    """The days a page looks at, ending now."""

    days: int
    since: datetime
    until: datetime

    @classmethod
    def from_query(cls, raw: str | None, now: datetime) -> Period:
        """``?days=7|30|90`` (anything else: 30)."""
        days = int(raw) if raw in {str(p) for p in PERIODS} else 30
        start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0,
                                                         microsecond=0)
        return cls(days, start, now)


@page()
async def overview(ctx: Ctx) -> Response:
    """Everything at a glance for the chosen period."""
    period = Period.from_query(ctx.request.query_params.get("days"), utcnow())
    tickets = await ticket_stats(session=ctx.db, since=period.since, until=period.until)
    buckets = panels.Buckets.of(period.since, period.until)
    per_day = charts.stacked_bars(buckets.labels(), [(gettext(ctx.language, "Tickets opened"),
                                                      buckets.add_up(tickets.opened_per_day))])
    sources = await contacts_by_source(session=ctx.db, since=period.since, until=period.until)
    no_link = gettext(ctx.language, "(no entry link)")
    source_chart = charts.hbars([(name or no_link, count) for name, count in sources])
    feedback = await panels.feedback_panels(ctx.db, period.since, period.until, ctx.language)
    scores = await panels.score_trends(ctx.db, period.since, period.until, ctx.language)
    funnels = [(summary, panels.funnel(summary, ctx.language))
               for summary in await panels.campaign_summaries(ctx.db, campaigns(ctx))]
    return ctx.page("overview.html", title="Overview", period=period, periods=PERIODS,
                    tickets=tickets, tickets_chart=per_day, sources=source_chart,
                    feedback=feedback, scores=scores, funnels=funnels)


def campaigns(ctx: Ctx) -> dict[str, Any]:
    """The beta campaigns of the content folder, read once per app."""
    extras = ctx.state.extras
    if "dashboard.campaigns" not in extras:
        from bot.beta.loader import load_campaigns
        settings = extras.get("settings")
        extras["dashboard.campaigns"] = load_campaigns(getattr(settings, "content_dir", None))
    found: dict[str, Any] = extras["dashboard.campaigns"]
    return found
