"""The product team's dashboard at /dashboard (issue 11): sign-in, overview, inbox, results."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.dashboard import (
    account,
    audit_page,
    beta_page,
    inbox,
    overview,
    people,
    surveys_page,
    themes_page,
    webhooks_page,
)
from bot.dashboard.auth import COOKIE, signed_in
from bot.dashboard.headers import SecurityHeaders
from bot.dashboard.render import HERE
from bot.dashboard.web import problem
from bot.engine.registry import Registry
from bot.i18n import N_
from bot.storage.base import utcnow

MAX_BODY = 256 * 1024
"""Dashboard forms are short; anything bigger is refused before it is read."""


async def not_found(request: Request) -> Response:
    """An unknown dashboard address (with the usual header for someone signed in)."""
    async with request.app.state.sarafan.sessionmaker() as session:
        who = await signed_in(session=session, token=request.cookies.get(COOKIE), now=utcnow())
    return problem(request, 404, N_("Page not found"),
                   N_("The address may be mistyped or out of date."), who)


def routes() -> list[Route | Mount]:
    """Every dashboard route, relative to /dashboard."""
    return [
        Route("/", overview.overview),
        Route("/login", account.login, methods=["GET", "POST"]),
        Route("/logout", account.logout, methods=["POST"]),
        Route("/account", account.account, methods=["GET", "POST"]),
        Route("/inbox", inbox.inbox),
        Route("/inbox/{ref}", inbox.ticket_page),
        Route("/inbox/{ref}/reply", inbox.reply, methods=["POST"]),
        Route("/inbox/{ref}/close", inbox.close, methods=["POST"]),
        Route("/surveys", surveys_page.surveys),
        Route("/surveys/{survey_id}", surveys_page.survey),
        Route("/themes", themes_page.themes),
        Route("/themes/{theme_id}", themes_page.theme),
        Route("/people/{contact_id}", people.person),
        Route("/beta", beta_page.beta),
        Route("/beta/{campaign}", beta_page.campaign),
        Route("/beta/{campaign}/decide", beta_page.decide, methods=["POST"]),
        Route("/beta/{campaign}/invite", beta_page.invite, methods=["POST"]),
        Route("/webhooks", webhooks_page.webhooks),
        Route("/audit", audit_page.audit_log),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="dashboard-static"),
        Route("/{rest:path}", not_found, methods=["GET", "POST"]),
    ]


def register(registry: Registry) -> None:
    """Mount the dashboard, every response with its security headers."""
    registry.route(Mount("/dashboard", routes=routes(), middleware=[Middleware(SecurityHeaders)],
                         max_body_size=MAX_BODY))
