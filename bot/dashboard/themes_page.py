"""Themes: what people talk about across languages, down to the messages and the people."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from bot.config import LANGUAGES
from bot.dashboard.web import Ctx, page, problem
from bot.feedback.queries import FeedbackFilter, list_feedback, list_themes, theme_detail
from bot.i18n import N_
from bot.storage.models import Contact

MESSAGES = 100


@page()
async def themes(ctx: Ctx) -> Response:
    """Themes by mentions over the last 30 days, with their trend."""
    language = ctx.request.query_params.get("language")
    language = language if language in LANGUAGES else None
    found = await list_themes(ctx.db, days=30, where=FeedbackFilter(language=language))
    return ctx.page("themes.html", title="Themes", themes=found, chosen_language=language,
                    survey_languages=LANGUAGES)


@page()
async def theme(ctx: Ctx) -> Response:
    """One theme: its numbers, every message in it and who wrote them."""
    raw = ctx.request.path_params["theme_id"]
    found = await theme_detail(ctx.db, int(raw), days=30) if raw.isdigit() and len(raw) < 12 \
        else None
    if found is None:
        return problem(ctx.request, 404, N_("No such theme"),
                       N_("Themes change when feedback is regrouped. Pick one from the list."),
                       ctx.who)
    items = await list_feedback(ctx.db, FeedbackFilter(theme_id=found.id), limit=MESSAGES)
    ids = {item.contact_id for item in items if item.contact_id is not None}
    people = {c.id: c for c in (await ctx.db.scalars(
        select(Contact).where(Contact.id.in_(ids)))).all()} if ids else {}
    return ctx.page("theme.html", title="Themes", theme=found, items=items, people=people)
