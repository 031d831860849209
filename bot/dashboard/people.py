"""One person: who they are and their timeline across support, surveys, feedback and beta."""

from __future__ import annotations

from starlette.responses import Response

from bot.api.timeline import contact_timeline
from bot.dashboard.web import Ctx, page, problem
from bot.i18n import N_, is_rtl
from bot.storage.models import Contact

ENTRIES = 100


@page()
async def person(ctx: Ctx) -> Response:
    """A contact's newest timeline entries."""
    raw = ctx.request.path_params["contact_id"]
    contact = await ctx.db.get(Contact, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if contact is None:
        return problem(ctx.request, 404, N_("No such person"),
                       N_("They may have asked to be forgotten."), ctx.who)
    timeline = await contact_timeline(ctx.db, contact.id, limit=ENTRIES)
    return ctx.page("person.html", title="Person", contact=contact, timeline=timeline,
                    rtl=is_rtl(contact.language or ""))
