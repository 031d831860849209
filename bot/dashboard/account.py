"""Sign in, sign out and the user's own settings (language)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard.auth import (
    COOKIE,
    LIFETIME,
    LOGIN_CSRF_COOKIE,
    PATH,
    Throttle,
    end_session,
    is_https,
    set_cookie,
    signed_in,
    start_session,
    tokens_match,
)
from bot.dashboard.render import LANGUAGES, render
from bot.dashboard.users import MAX_PASSWORD, authenticate, set_language
from bot.dashboard.web import Ctx, language_of, page, problem, read_form, redirect
from bot.i18n import N_
from bot.storage.base import utcnow
from bot.web.state import AppState

HOME = "/dashboard/"
TOO_MANY = N_("Too many failed attempts. Please wait a few minutes and try again.")


def _throttle(state: AppState) -> Throttle:
    throttle: Throttle = state.extras.setdefault("dashboard.throttle", Throttle())
    return throttle


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a dashboard path on this site (no open redirect)."""
    if not target or len(target) > 2000:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(PATH) or "\\" in target:
        return HOME
    return target


def _login_page(request: Request, *, error: str | None = None, email: str = "",
                status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    body = render("login.html", language=language_of(request), request=request, who=None,
                  csrf=token, error=error, email=email,
                  next=safe_next(request.query_params.get("next")))
    response = HTMLResponse(body, status_code=status)
    set_cookie(response, LOGIN_CSRF_COOKIE, token, secure=is_https(request), max_age=3600)
    return response


async def login(request: Request) -> Response:
    """GET: the sign-in form. POST: check the password and start a session."""
    state: AppState = request.app.state.sarafan
    if request.method == "GET":
        async with state.sessionmaker() as db:
            who = await signed_in(session=db, token=request.cookies.get(COOKIE), now=utcnow())
        if who is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        return _login_page(request)
    form = await read_form(request)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf")):
        return problem(request, 403, N_("This form has expired"),
                       N_("Please go back, reload the page and try again."))
    email = str(form.get("email", ""))[:254].strip()
    password = str(form.get("password", ""))[:MAX_PASSWORD + 1]
    keys = (f"email:{email.lower()}", f"ip:{request.client.host if request.client else '?'}")
    throttle = _throttle(state)
    wait = throttle.retry_after(*keys)
    if wait:
        response = _login_page(request, error=TOO_MANY, email=email, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    async with state.sessionmaker() as db:
        user = await authenticate(session=db, email=email, password=password)
        if user is None:
            throttle.failed(*keys)
            await db.commit()
            return _login_page(request, error=N_("Wrong email or password."), email=email,
                               status=401)
        throttle.succeeded(*keys)
        token, _row = await start_session(session=db, user=user, now=utcnow())
        await db.commit()
    done: Response = RedirectResponse(safe_next(str(form.get("next", ""))), 303)
    set_cookie(done, COOKIE, token, secure=is_https(request),
               max_age=int(LIFETIME.total_seconds()))
    done.delete_cookie(LOGIN_CSRF_COOKIE, path=PATH)
    return done


@page()
async def logout(ctx: Ctx) -> Response:
    """Sign this browser out."""
    await end_session(session=ctx.db, session_id=ctx.who.session_id)
    response = RedirectResponse("/dashboard/login", 303)
    response.delete_cookie(COOKIE, path=PATH, secure=is_https(ctx.request), httponly=True,
                           samesite="lax")
    return response


@page()
async def account(ctx: Ctx) -> Response:
    """The user's own settings: the dashboard's language."""
    if ctx.form is not None:
        choice = ctx.posted("language")
        await set_language(session=ctx.db, user=ctx.who.user,
                           language=choice if choice in LANGUAGES else None)
        return redirect("/dashboard/account", "saved")
    return ctx.page("account.html", title="Your account", choices=LANGUAGES,
                    notice=ctx.request.query_params.get("notice"))
