"""What every dashboard page shares: who is signed in, their role, CSRF, the page's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.dashboard.auth import COOKIE, SignedIn, signed_in, tokens_match
from bot.dashboard.render import negotiate, render
from bot.dashboard.tables import VIEWER
from bot.engine.registry import Registry
from bot.i18n import N_
from bot.storage.base import utcnow
from bot.web.state import AppState

MAX_FIELDS = 20
MAX_FIELD_BYTES = 64 * 1024


@dataclass
class Ctx:
    """One request to a signed-in page: the database session, the user, the form if posted."""

    request: Request
    db: AsyncSession
    who: SignedIn
    language: str
    form: FormData | None
    _after: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None] | None) -> None:
        """Run ``callback`` (e.g. wake the sender) once the change is committed."""
        if callback is not None:
            self._after.append(callback)

    @property
    def state(self) -> AppState:
        """The web app's shared state."""
        state: AppState = self.request.app.state.sarafan
        return state

    @property
    def registry(self) -> Registry | None:
        """The feature registry (hooks for ticket.closed …), when the app was built with one."""
        registry: Registry | None = self.state.extras.get("registry")
        return registry

    def posted(self, name: str) -> str:
        """A posted text field ('' when absent)."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def page(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        """A full page for the signed-in user."""
        return HTMLResponse(render(template, language=self.language, request=self.request,
                                   who=self.who, csrf=self.who.csrf_token, **values),
                            status_code=status)


View = Callable[[Ctx], Awaitable[Response]]


def language_of(request: Request, preferred: str | None = None) -> str:
    """The page's language: the user's setting, else the browser's."""
    return negotiate(preferred, request.headers.get("accept-language", ""))


def problem(request: Request, status: int, title: str, detail: str,
            who: SignedIn | None = None) -> HTMLResponse:
    """A polite error page (403, 404 …); ``title`` and ``detail`` are msgids."""
    language = language_of(request, who.user.language if who else None)
    body = render("problem.html", language=language, request=request, who=who,
                  csrf=who.csrf_token if who else "", title=title, detail=detail, status=status)
    return HTMLResponse(body, status_code=status)


def page(role: str = VIEWER) -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Wrap a view: sign-in required, ``role`` at least, a valid CSRF token on every POST."""
    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            state: AppState = request.app.state.sarafan
            async with state.sessionmaker() as db:
                who = await signed_in(session=db, token=request.cookies.get(COOKIE), now=utcnow())
                refused = await _refusal(request, who, role)
                if refused is not None:
                    return refused
                assert who is not None  # _refusal answered otherwise
                form = await read_form(request) if request.method == "POST" else None
                if form is not None and not tokens_match(who.csrf_token, form.get("csrf")):
                    return problem(request, 403, N_("This form has expired"),
                                   N_("Please go back, reload the page and try again."), who)
                ctx = Ctx(request, db, who, language_of(request, who.user.language), form)
                response = await view(ctx)
                await db.commit()
            for callback in ctx._after:
                callback()
            return response
        endpoint.__name__ = getattr(view, "__name__", "view")
        endpoint.__doc__ = view.__doc__
        return endpoint
    return wrap


async def _refusal(request: Request, who: SignedIn | None, role: str) -> Response | None:
    if who is None:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/dashboard/login?next={quote(target)}", status_code=303)
        return problem(request, 403, N_("You are signed out"),
                       N_("Please sign in again, then repeat what you were doing."))
    if not who.may(role):
        return problem(request, 403, N_("Not allowed for your role"),
                       N_("Ask an administrator if you need to do this."), who)
    return None


async def read_form(request: Request) -> FormData:
    """The posted form, bounded: no files, few fields, small values."""
    try:
        return await request.form(max_files=0, max_fields=MAX_FIELDS,
                                  max_part_size=MAX_FIELD_BYTES)
    except HTTPException:
        return FormData()


def redirect(path: str, notice: str | None = None) -> RedirectResponse:
    """Post/redirect/get, with an optional notice key shown on the next page."""
    return RedirectResponse(path + (f"?notice={notice}" if notice else ""), status_code=303)
