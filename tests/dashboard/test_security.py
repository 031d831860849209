"""Sign-in, roles, CSRF, cookies and headers of the dashboard, over HTTP against the real app."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.api.tables import AuditEntry
from bot.app import Bot
from bot.dashboard.account import safe_next
from bot.dashboard.auth import COOKIE, Throttle
from bot.dashboard.users import set_disabled
from bot.storage.models import OutboxItem
from bot.support.tickets import list_tickets
from tests.dashboard.conftest import Browser, csrf_of


async def _open_ticket(bot: Bot) -> str:
    async with bot.sessionmaker() as session:
        tickets = await list_tickets(session=session, status="open", limit=1)
    return tickets[0].ref


async def test_signed_out_pages_send_to_sign_in_and_keep_the_address(web: Browser) -> None:
    response = await web.client.get("/dashboard/inbox?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login?next=/dashboard/inbox%3Fx%3D1"


async def test_wrong_password_is_refused_without_a_session(web: Browser) -> None:
    response = await web.sign_in("admin", password="not the password at all")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert COOKIE not in response.cookies
    assert (await web.client.get("/dashboard/")).status_code == 303


async def test_unknown_email_gets_the_same_answer(web: Browser) -> None:
    form = await web.client.get("/dashboard/login")
    response = await web.client.post("/dashboard/login", data={
        "csrf": csrf_of(form.text), "email": "nobody@example.com", "password": "whatever12345"})
    assert response.status_code == 401
    assert "Wrong email or password." in response.text


async def test_session_cookie_flags_and_secure_behind_https(web: Browser) -> None:
    https = await web.client.get("https://testserver/dashboard/login")
    assert "Secure" in https.headers["set-cookie"] and "HttpOnly" in https.headers["set-cookie"]
    web.client.cookies.clear()
    response = await web.sign_in("viewer")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http in this test


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/login", "/dashboard/nope",
                                  "/dashboard/static/dashboard.css"])
async def test_every_response_sends_csp_and_framing_headers(web: Browser, path: str) -> None:
    await web.sign_in("viewer")
    response = await web.client.get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_pages_have_no_inline_script_or_style(web: Browser) -> None:
    await web.sign_in("admin")
    for path in ("/dashboard/", "/dashboard/inbox", "/dashboard/account"):
        html = (await web.client.get(path)).text
        assert "<script" not in html and "style=" not in html and "<style" not in html, path


async def test_a_form_replayed_without_its_csrf_token_is_refused(bot: Bot, web: Browser) -> None:
    await web.sign_in("operator")
    ref = await _open_ticket(bot)
    for data in ({"text": "hello"}, {"text": "hello", "csrf": "forged"}):
        response = await web.client.post(f"/dashboard/inbox/{ref}/reply", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 0


async def test_sign_in_form_needs_its_token_too(web: Browser) -> None:
    response = await web.client.post("/dashboard/login", data={
        "email": "ada@example.com", "password": "correct horse battery staple"})
    assert response.status_code == 403


async def test_viewer_cannot_reply_or_close(bot: Bot, web: Browser) -> None:
    await web.sign_in("viewer")
    ref = await _open_ticket(bot)
    page = await web.client.get(f"/dashboard/inbox/{ref}")
    assert page.status_code == 200 and "Send reply" not in page.text
    for action in ("reply", "close"):
        response = await web.client.post(f"/dashboard/inbox/{ref}/{action}",
                                         data={"csrf": csrf_of(page.text), "text": "hi"})
        assert response.status_code == 403
        assert "Not allowed for your role" in response.text


async def test_operator_reply_queues_a_message_and_is_audited(bot: Bot, web: Browser) -> None:
    await web.sign_in("operator")
    ref = await _open_ticket(bot)
    response = await web.post_form(f"/dashboard/inbox/{ref}", f"/dashboard/inbox/{ref}/reply",
                                   text="<b>We are on it</b>")
    assert response.status_code == 303 and response.headers["location"].endswith("=replied")
    page = await web.client.get(response.headers["location"])
    assert "&lt;b&gt;We are on it&lt;/b&gt;" in page.text  # shown as text, never as markup
    closed = await web.post_form(f"/dashboard/inbox/{ref}", f"/dashboard/inbox/{ref}/close")
    assert closed.headers["location"].endswith("=closed")
    again = await web.post_form(f"/dashboard/inbox/{ref}", f"/dashboard/inbox/{ref}/close")
    assert again.headers["location"].endswith("=already")
    async with bot.sessionmaker() as session:
        outbox = (await session.scalars(select(OutboxItem))).all()
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert len(outbox) == 2  # the reply and the closing notice
    assert sorted(actions) == ["ticket.close", "ticket.reply"]


async def test_unknown_ticket_and_empty_reply_are_polite(web: Browser) -> None:
    await web.sign_in("operator")
    assert (await web.client.get("/dashboard/inbox/999-9")).status_code == 404
    missing = await web.post_form("/dashboard/inbox", "/dashboard/inbox/999-9/reply", text="x")
    assert missing.status_code == 404


async def test_signing_out_ends_the_session_on_the_server(web: Browser) -> None:
    await web.sign_in("viewer")
    cookie = web.client.cookies.get(COOKIE)
    out = await web.post_form("/dashboard/", "/dashboard/logout")
    assert out.status_code == 303
    web.client.cookies.set(COOKIE, cookie or "", path="/dashboard")
    assert (await web.client.get("/dashboard/")).status_code == 303


async def test_a_disabled_user_is_out_at_once(bot: Bot, web: Browser) -> None:
    await web.sign_in("viewer")
    async with bot.sessionmaker() as session, session.begin():
        await set_disabled(session=session, email="vera@example.com", disabled=True)
    assert (await web.client.get("/dashboard/")).status_code == 303
    assert (await web.sign_in("viewer")).status_code == 401


async def test_too_many_failures_are_throttled_with_retry_after(web: Browser) -> None:
    for _ in range(5):
        assert (await web.sign_in("admin", password="wrong password!!")).status_code == 401
    blocked = await web.sign_in("admin")  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_throttle_forgets_old_failures() -> None:
    now = [0.0]
    throttle = Throttle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("k")
    throttle.failed("k")
    assert throttle.retry_after("k") == 61
    now[0] = 61
    assert throttle.retry_after("k") == 0


@pytest.mark.parametrize(("target", "expected"), [
    ("/dashboard/inbox", "/dashboard/inbox"), ("https://evil.example/", "/dashboard/"),
    ("//evil.example/dashboard", "/dashboard/"), ("/chat", "/dashboard/"), (None, "/dashboard/"),
    ("/dashboard\\@evil", "/dashboard/"),
])
def test_after_sign_in_only_dashboard_addresses(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


async def test_language_follows_the_browser_then_the_users_choice(web: Browser) -> None:
    russian = {"accept-language": "ru-RU,ru;q=0.9,en;q=0.5"}
    login = await web.client.get("/dashboard/login", headers=russian)
    assert '<html lang="ru"' in login.text
    await web.sign_in("viewer")
    saved = await web.post_form("/dashboard/account", "/dashboard/account", language="fa")
    assert saved.status_code == 303
    page = await web.client.get("/dashboard/", headers=russian)
    assert re.search(r'<html lang="fa" dir="rtl"', page.text)


HOSTILE = ("?days=<script>alert(1)</script>", "?days=30' OR '1'='1", "?status=<b>x</b>",
           "?language=';DROP TABLE contacts;--&channel=<i>", "?notice=<script>x</script>",
           "?days=" + "9" * 5000)


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/inbox", "/dashboard/beta/tasting_box",
                                  "/dashboard/webhooks", "/dashboard/surveys/support_csat",
                                  "/dashboard/themes", "/dashboard/account"])
async def test_hostile_query_parameters_are_ignored(web: Browser, path: str) -> None:
    await web.sign_in("viewer")
    for query in HOSTILE:
        response = await web.client.get(path + query)
        assert response.status_code == 200, query
        assert "<script>" not in response.text and "<b>x</b>" not in response.text
        assert "<i>" not in response.text


async def test_a_too_long_reply_and_a_huge_form_are_refused_politely(bot: Bot,
                                                                   web: Browser) -> None:
    await web.sign_in("operator")
    ref = await _open_ticket(bot)
    long = await web.post_form(f"/dashboard/inbox/{ref}", f"/dashboard/inbox/{ref}/reply",
                               text="x" * 4001)
    assert long.headers["location"].endswith("notice=toolong")
    page = await web.client.get(f"/dashboard/inbox/{ref}")
    huge = await web.client.post(f"/dashboard/inbox/{ref}/reply",
                                 data={"csrf": csrf_of(page.text), "text": "y" * 400_000})
    assert huge.status_code in (403, 413)
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxItem)) == 0


async def test_not_found_keeps_the_signed_in_header(web: Browser) -> None:
    await web.sign_in("viewer")
    page = await web.client.get("/dashboard/no-such-page")
    assert page.status_code == 404
    assert "Sign out" in page.text and "Back to the dashboard" in page.text
