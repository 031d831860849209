"""Beta campaigns: their funnels and applicants; admins accept, decline and invite."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from bot.audit import audit
from bot.beta.invites import queue_invites
from bot.beta.queries import DecisionError, applicants, set_status
from bot.beta.tables import ACCEPTED, REJECTED, STATUSES
from bot.dashboard import panels
from bot.dashboard.overview import campaigns
from bot.dashboard.tables import ADMIN
from bot.dashboard.web import Ctx, page, problem, redirect
from bot.i18n import N_
from bot.storage.models import Contact

MAX_IDS = 500


@page()
async def beta(ctx: Ctx) -> Response:
    """Every campaign with its counts per status and its funnel."""
    found = await panels.campaign_summaries(ctx.db, campaigns(ctx))
    return ctx.page("beta.html", title="Beta", campaigns=[
        (summary, panels.funnel(summary, ctx.language)) for summary in found],
        statuses=STATUSES)


@page()
async def campaign(ctx: Ctx) -> Response:
    """One campaign's applicants, optionally of one status."""
    campaign_id = ctx.request.path_params["campaign"][:64]
    summary = next((s for s in await panels.campaign_summaries(ctx.db, campaigns(ctx))
                    if s.id == campaign_id), None)
    if summary is None:
        return problem(ctx.request, 404, N_("No such campaign"),
                       N_("Pick one from the list of campaigns."), ctx.who)
    status = ctx.request.query_params.get("status")
    status = status if status in STATUSES else None
    rows = await applicants(session=ctx.db, campaign=campaign_id, status=status)
    ids = {row.contact_id for row in rows if row.contact_id is not None}
    people = {c.id: c for c in (await ctx.db.scalars(
        select(Contact).where(Contact.id.in_(ids)))).all()} if ids else {}
    return ctx.page("campaign.html", title="Beta", summary=summary, rows=rows, people=people,
                    chosen=status, statuses=STATUSES,
                    notice=ctx.request.query_params.get("notice"))


@page(ADMIN)
async def decide(ctx: Ctx) -> Response:
    """Accept or decline the ticked applicants."""
    campaign_id = ctx.request.path_params["campaign"][:64]
    back = f"/dashboard/beta/{campaign_id}"
    decision = ctx.posted("decision")
    ids = [int(v) for v in ctx.form.getlist("id") if isinstance(v, str) and v.isdigit()
           and len(v) < 12][:MAX_IDS] if ctx.form is not None else []
    if decision not in (ACCEPTED, REJECTED) or not ids:
        return redirect(back, "none")
    try:
        changed = await set_status(session=ctx.db, campaign=campaign_id, ids=ids,
                                   status=decision)
    except DecisionError:
        return redirect(back, "already")
    await audit(ctx.db, _actor(ctx), f"beta.{'accept' if decision == ACCEPTED else 'reject'}",
                f"beta:{campaign_id}", {"application_ids": changed})
    return redirect(back, "accepted" if decision == ACCEPTED else "rejected")


@page(ADMIN)
async def invite(ctx: Ctx) -> Response:
    """Queue invitations to every accepted applicant whose beta consent is in force."""
    campaign_id = ctx.request.path_params["campaign"][:64]
    if campaign_id not in campaigns(ctx):
        return problem(ctx.request, 404, N_("No such campaign"),
                       N_("Pick one from the list of campaigns."), ctx.who)
    queued = await queue_invites(session=ctx.db, campaign=campaign_id)
    await audit(ctx.db, _actor(ctx), "beta.invite", f"beta:{campaign_id}", {"queued": queued})
    return redirect(f"/dashboard/beta/{campaign_id}", "invited" if queued else "already")


def _actor(ctx: Ctx) -> str:
    return f"dashboard:{ctx.who.user.email}"
