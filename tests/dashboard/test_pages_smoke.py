"""Every page renders for a signed-in user."""

from __future__ import annotations

from tests.dashboard.conftest import Browser


async def test_pages_render(web: Browser) -> None:
    signed = await web.sign_in("admin")
    assert signed.status_code == 303, signed.text
    for path in ("/dashboard/", "/dashboard/inbox", "/dashboard/account"):
        page = await web.client.get(path)
        assert page.status_code == 200, page.text
        open(f"/tmp/dash{path.replace('/', '_')}.html", "w").write(page.text)
