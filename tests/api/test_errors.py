"""Bad input: malformed filters and cursors are 422s naming the parameter, page sizes are
capped, SQL and HTML in text parameters are plain text, nothing gives a 5xx."""

from __future__ import annotations

from bench.api.seed import seed
from tests.api.conftest import Api

NASTY = ("' OR 1=1 --", "\"; DROP TABLE contacts; --", "<script>alert(1)</script>",
         "%", "_", "\\", "😀" * 50, "ـــ ی ک", "a" * 200)


async def test_malformed_parameters_are_422_naming_the_parameter(sqlite_api: Api) -> None:
    api = sqlite_api
    token = await api.token("admin")
    cases = {
        "cursor": {"cursor": "not-a-cursor"},
        "limit": {"limit": "0"},
        "since": {"since": "yesterday"},
        "until": {"until": "1700000000"},
        "theme": {"theme": "-3"},
        "contact_id": {"contact_id": str(2**70)},
        "chanel": {"chanel": "telegram"},  # misspelt: would otherwise silently match all
        "channel": {"channel": "a\x00b"},
        "format": {"format": "xlsx"},
    }
    paths = {"cursor": "/feedback", "limit": "/feedback", "since": "/feedback",
             "until": "/consent", "theme": "/feedback", "contact_id": "/tickets",
             "chanel": "/feedback", "channel": "/feedback", "format": "/feedback/export"}
    for name, params in cases.items():
        response = await api.get(paths[name], token, **params)
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert name in [p["name"] for p in body["invalid_params"]], (name, body)
        assert name in body["detail"]
    repeated = await api.client.get("/api/v1/feedback?channel=a&channel=b",
                                    headers={"Authorization": f"Bearer {token}"})
    assert repeated.status_code == 422 and "channel" in repeated.json()["detail"]
    # A cursor of another list (a timeline cursor on /tickets) is refused too.
    assert (await api.get("/tickets", token, cursor="WyJ4Il0")).status_code == 422


async def test_huge_page_size_is_capped(sqlite_api: Api) -> None:
    api = sqlite_api
    async with api.harness.bot.sessionmaker() as session:
        await seed(session, contacts=620, feedback=620)
        await session.commit()
    token = await api.token("admin")
    for path in ("/feedback", "/contacts"):
        page = (await api.get(path, token, limit=10**12)).json()
        assert len(page["items"]) == 500 and page["next_cursor"], path
        rest = (await api.get(path, token, limit=10**12, cursor=page["next_cursor"])).json()
        assert len(rest["items"]) == 120 and rest["next_cursor"] is None, path


async def test_sql_and_html_in_text_parameters_are_just_text(api: Api) -> None:
    async with api.harness.bot.sessionmaker() as session:
        await seed(session, contacts=30, feedback=60, responses=20, applicants=5)
        await session.commit()
    token = await api.token("admin")
    for text in NASTY:
        for path, name in (("/feedback", "q"), ("/feedback", "channel"), ("/contacts", "q"),
                           ("/tickets", "source"), ("/consent", "purpose"), ("/audit", "actor"),
                           ("/themes", "product"), ("/surveys/support_csat/results", "source"),
                           ("/surveys/support_csat/responses", "language"),
                           ("/webhooks/deliveries", "event_name")):
            response = await api.get(path, token, **{name: text})
            assert response.status_code == 200, (path, name, text, response.text)
    # The search matches its text literally: % and _ are not wildcards.
    assert (await api.get("/feedback", token, q="%"))\
        .json()["items"] == []
    assert len((await api.get("/feedback", token, q="box was damaged", limit=500))
               .json()["items"]) == 12
    counted = (await api.get("/feedback/counts", token, by="language")).json()
    assert sum(row["items"] for row in counted) == 60


async def test_unknown_paths_and_methods_get_problem_bodies(sqlite_api: Api) -> None:
    api = sqlite_api
    token = await api.token("admin")
    for path in ("/nope", "/tickets/1-1/nope", "/contacts/abc"):
        response = await api.get(path, token)
        assert response.status_code in (404, 422)
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await api.client.put("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.client.get("/api/v1/openapi.json")).json()["openapi"].startswith("3.1")
    docs = await api.client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/tickets/{ref}/reply" in docs.text
    assert "<script" not in docs.text and "https://" not in docs.text  # nothing from a CDN
