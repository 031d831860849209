"""Feedback, surveys and beta through the API show the query layer's own numbers (the same
functions the CLI and the dashboard call), and beta status changes are audited."""

from __future__ import annotations

import dataclasses
import json

from bench.api.seed import seed
from bot.feedback.queries import FeedbackFilter, count_feedback, list_themes
from bot.surveys.results import Filters, survey_results
from tests.api.conftest import Api


async def test_feedback_counts_and_filters_match_the_query_layer(api: Api) -> None:
    async with api.harness.bot.sessionmaker() as session:
        await seed(session, contacts=40, feedback=300)
        await session.commit()
        direct = await count_feedback(session, "category", FeedbackFilter(language="ru"))
        themes = await list_themes(session)
    token = await api.token("feedback:read")
    counted = (await api.get("/feedback/counts", token, by="category", language="ru")).json()
    assert counted == [dataclasses.asdict(row) for row in direct]
    bugs = (await api.get("/feedback", token, category="bug", sentiment="neutral",
                          limit=500)).json()["items"]
    expected = next(row.items for row in await _counts(api, "sentiment", category="bug")
                    if row.value == "neutral")
    assert len(bugs) == expected and {b["category"] for b in bugs} == {"bug"}
    listed = (await api.get("/themes", token)).json()["items"]
    assert len(listed) == len(themes)
    assert (await api.get("/themes/987654", token)).status_code == 404
    assert (await api.get("/feedback/counts", token, by="nope")).status_code == 422
    assert (await api.get("/surveys", token)).status_code == 403


async def _counts(api: Api, by: str, **where: str) -> list:  # type: ignore[type-arg]
    async with api.harness.bot.sessionmaker() as session:
        return await count_feedback(session, by, FeedbackFilter(**where))


async def test_survey_results_and_responses_match_the_query_layer(api: Api) -> None:
    async with api.harness.bot.sessionmaker() as session:
        await seed(session, contacts=30, responses=250)
        await session.commit()
        direct = await survey_results(session, "support_csat", Filters(language="fa"))
    assert direct is not None
    token = await api.token("surveys:read")
    results = (await api.get("/surveys/support_csat/results", token, language="fa")).json()
    assert results == json.loads(json.dumps(dataclasses.asdict(direct), default=str))
    assert results["responses"] == 50
    surveys = {s["id"]: s for s in (await api.get("/surveys", token)).json()}
    assert surveys["support_csat"]["responses"] == 250
    walked, cursor = [], None
    while True:
        params = {"limit": 40, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/surveys/support_csat/responses", token, **params)).json()
        walked += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(walked) == 250 and len({r["id"] for r in walked}) == 250
    assert {"csat", "nps"} <= set(walked[1]["answers"])
    assert (await api.get("/surveys/no_such_survey/results", token)).status_code == 404


async def test_beta_status_changes_are_audited_and_personal_data_needs_contacts_read(
    api: Api
) -> None:
    async with api.harness.bot.sessionmaker() as session:
        await seed(session, contacts=6, applicants=6)
        await session.commit()
    beta = await api.token("beta:write")
    both = await api.token("beta:write", "contacts:read")
    summary = {c["id"]: c for c in (await api.get("/beta/campaigns", beta)).json()}
    assert summary["tasting_box"]["counts"] == {"applied": 6}
    plain = (await api.get("/beta/campaigns/tasting_box/applicants", beta)).json()["items"]
    assert len(plain) == 6 and all(a["email"] is None for a in plain)
    personal = (await api.get("/beta/campaigns/tasting_box/applicants", both)).json()["items"]
    assert all(a["email"].endswith("@example.com") for a in personal)
    ids = [a["id"] for a in plain[:2]]
    changed = await api.post("/beta/campaigns/tasting_box/applicants/status", beta,
                             {"ids": ids, "status": "accepted"})
    assert changed.status_code == 200 and changed.json() == {"changed": sorted(ids)}
    accepted = (await api.get("/beta/campaigns/tasting_box/applicants", beta,
                              status="accepted")).json()["items"]
    assert [a["id"] for a in accepted] == sorted(ids)
    missing = await api.post("/beta/campaigns/tasting_box/applicants/status", beta,
                             {"ids": [999999], "status": "rejected"})
    assert missing.status_code == 409
    invalid = await api.post("/beta/campaigns/tasting_box/applicants/status", beta,
                             {"ids": ids, "status": "invited"})
    assert invalid.status_code == 422
    invited = await api.post("/beta/campaigns/tasting_box/invite", beta)
    assert invited.status_code == 200 and invited.json()["queued"] == 0  # no beta consent yet
    assert (await api.post("/beta/campaigns/nope/invite", beta)).status_code == 404
    admin = await api.token("admin")
    audit = (await api.get("/audit", admin)).json()["items"]
    assert [e["action"] for e in audit] == ["beta.invite", "beta.accept"]
    assert audit[1]["details"] == {"application_ids": sorted(ids)}
    feedback_only = await api.token("feedback:read")
    assert (await api.post("/beta/campaigns/tasting_box/invite", feedback_only)
            ).status_code == 403
