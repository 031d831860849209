"""Survey, theme, beta, webhook and people pages: content, numbers from the query layer, roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.api.tables import AuditEntry
from bot.app import Bot
from bot.beta.queries import applicants
from bot.dashboard.render import Formats
from bot.feedback.queries import list_themes
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.support.tickets import ticket_stats
from bot.surveys.results import survey_results
from tests.dashboard.conftest import Browser, csrf_of

EN = Formats("en")


async def test_overview_shows_the_query_layers_numbers(bot: Bot, web: Browser) -> None:
    await web.sign_in("viewer")
    page = (await web.client.get("/dashboard/?days=30")).text
    async with bot.sessionmaker() as session:
        from datetime import timedelta
        now = utcnow()
        since = (now - timedelta(days=29)).replace(hour=0, minute=0, second=0, microsecond=0)
        stats = await ticket_stats(session=session, since=since, until=now)
    assert f'<p class="value">{stats.open}</p>' in page
    assert f"{stats.answered} of {stats.opened} tickets answered" in page
    for heading in ("Feedback by category", "Feedback by sentiment", "NPS and CSAT",
                    "Beta funnel", "Where new people came from"):
        assert heading in page
    assert "Not available yet" not in page
    assert "Samovar Tasting Box" in page and "ig-spring-tea" in page


async def test_survey_results_match_the_survey_query(bot: Bot, web: Browser) -> None:
    await web.sign_in("viewer")
    page = (await web.client.get("/dashboard/surveys/support_csat")).text
    async with bot.sessionmaker() as session:
        results = await survey_results(session, "support_csat")
    assert results is not None
    nps = next(q.nps for q in results.questions if q.nps)
    csat = next(q.csat for q in results.questions if q.csat)
    assert nps is not None and csat is not None
    assert f"NPS <strong>{EN.number(nps.score)}</strong>" in page
    assert f"CSAT <strong>{EN.percent(csat.percent / 100)}</strong>" in page
    assert f'<p class="value">{results.responses}</p>' in page
    assert 'dir="auto">یک روز منتظر پاسخ ماندم.' in page  # Persian answers keep their direction


async def test_theme_drill_down_reaches_messages_and_people(bot: Bot, web: Browser) -> None:
    await web.sign_in("viewer")
    async with bot.sessionmaker() as session:
        top = (await list_themes(session, days=30))[0]
    listing = (await web.client.get("/dashboard/themes")).text
    assert f'href="/dashboard/themes/{top.id}"' in listing
    detail = (await web.client.get(f"/dashboard/themes/{top.id}")).text
    assert detail.count('class="quote"') == top.mentions
    person = re.search(r'href="(/dashboard/people/\d+)"', detail)
    assert person is not None
    timeline = await web.client.get(person.group(1))
    assert timeline.status_code == 200 and "feedback.created" in timeline.text


@pytest.mark.parametrize("path", ["/dashboard/surveys/nope", "/dashboard/themes/999999",
                                  "/dashboard/themes/abc", "/dashboard/people/999999",
                                  "/dashboard/people/1%27%20OR%201=1", "/dashboard/beta/nope",
                                  "/dashboard/inbox/%3Cscript%3E"])
async def test_unknown_ids_are_404_pages(web: Browser, path: str) -> None:
    await web.sign_in("viewer")
    response = await web.client.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.text


async def test_webhook_deliveries_are_listed_and_filtered(web: Browser) -> None:
    await web.sign_in("viewer")
    every = (await web.client.get("/dashboard/webhooks")).text
    failed = (await web.client.get("/dashboard/webhooks?status=failed")).text
    assert "https://hooks.example.com/sarafan" in every
    assert every.count('class="badge delivered"') > 0
    assert failed.count('class="badge failed"') > 0 and 'class="badge delivered"' not in failed


async def _ids(bot: Bot, status: str) -> list[int]:
    async with bot.sessionmaker() as session:
        return [a.id for a in await applicants(session=session, campaign="tasting_box",
                                               status=status)]


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_only_admins_decide_on_applicants(bot: Bot, web: Browser, role: str) -> None:
    await web.sign_in(role)
    waiting = await _ids(bot, "applied")
    page = await web.client.get("/dashboard/beta/tasting_box")
    assert "Accept selected" not in page.text
    response = await web.client.post("/dashboard/beta/tasting_box/decide", data={
        "csrf": csrf_of(page.text), "decision": "accepted", "id": str(waiting[0])})
    assert response.status_code == 403
    assert await _ids(bot, "applied") == waiting


async def test_admin_accepts_declines_and_invites_with_audit(bot: Bot, web: Browser) -> None:
    await web.sign_in("admin")
    waiting = await _ids(bot, "applied")
    page = await web.client.get("/dashboard/beta/tasting_box")
    accepted = await web.client.post("/dashboard/beta/tasting_box/decide", data={
        "csrf": csrf_of(page.text), "decision": "accepted", "id": [str(i) for i in waiting[:2]]})
    assert accepted.headers["location"].endswith("notice=accepted")
    declined = await web.post_form("/dashboard/beta/tasting_box",
                                   "/dashboard/beta/tasting_box/decide",
                                   decision="rejected", id=str(waiting[2]))
    assert declined.headers["location"].endswith("notice=rejected")
    nothing = await web.post_form("/dashboard/beta/tasting_box",
                                  "/dashboard/beta/tasting_box/decide", decision="accepted")
    assert nothing.headers["location"].endswith("notice=none")
    invited = await web.post_form("/dashboard/beta/tasting_box",
                                  "/dashboard/beta/tasting_box/invite")
    assert invited.headers["location"].endswith("notice=invited")
    again = await web.post_form("/dashboard/beta/tasting_box",
                                "/dashboard/beta/tasting_box/invite")
    assert again.headers["location"].endswith("notice=already")  # never invited twice
    async with bot.sessionmaker() as session:
        audit = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        jobs = (await session.scalars(select(Job).where(Job.kind == "beta.invite"))).all()
    assert set(waiting[:2]) <= set(await _ids(bot, "accepted"))
    assert waiting[2] in await _ids(bot, "rejected")
    assert [a.action for a in audit] == ["beta.accept", "beta.reject", "beta.invite",
                                         "beta.invite"]
    assert all(a.actor == "dashboard:ada@example.com" for a in audit)
    assert len(jobs) == len(await _ids(bot, "accepted"))


@pytest.mark.parametrize("action", ["/dashboard/logout", "/dashboard/account",
                                    "/dashboard/beta/tasting_box/decide",
                                    "/dashboard/beta/tasting_box/invite"])
async def test_every_form_refuses_a_missing_token(web: Browser, action: str) -> None:
    await web.sign_in("admin")
    response = await web.client.post(action, data={"decision": "accepted", "id": "1"})
    assert response.status_code == 403
    assert (await web.client.get("/dashboard/")).status_code == 200  # still signed in


async def test_survey_filters_use_the_survey_query(bot: Bot, web: Browser) -> None:
    from bot.surveys.results import Filters
    await web.sign_in("viewer")
    page = (await web.client.get("/dashboard/surveys/support_csat?language=fa&channel=x")).text
    async with bot.sessionmaker() as session:
        persian = await survey_results(session, "support_csat", Filters(language="fa"))
    assert persian is not None and persian.responses < 30
    assert f'<p class="value">{persian.responses}</p>' in page
    assert '<option value="fa" lang="fa" selected>' in page


async def test_admins_read_the_audit_log_others_cannot(bot: Bot, web: Browser) -> None:
    await web.sign_in("admin")
    await web.post_form("/dashboard/beta/tasting_box", "/dashboard/beta/tasting_box/invite")
    log = await web.client.get("/dashboard/audit")
    assert log.status_code == 200
    assert "beta.invite" in log.text and "dashboard:ada@example.com" in log.text
    mine = await web.client.get("/dashboard/audit?actor=dashboard:nobody")
    assert "beta.invite" not in mine.text
    web.client.cookies.clear()
    await web.sign_in("operator")
    assert (await web.client.get("/dashboard/audit")).status_code == 403
    assert "Audit log" not in (await web.client.get("/dashboard/")).text


async def test_themes_of_one_language(bot: Bot, web: Browser) -> None:
    from bot.feedback.queries import FeedbackFilter
    await web.sign_in("viewer")
    page = (await web.client.get("/dashboard/themes?language=ru")).text
    async with bot.sessionmaker() as session:
        russian = await list_themes(session, days=30, where=FeedbackFilter(language="ru"))
    assert russian and page.count('href="/dashboard/themes/') == len(russian)
