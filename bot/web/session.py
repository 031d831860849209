"""``POST /chat/api/session`` and the check every other chat call makes: which chat a request
speaks for, refused unless this server issued its id (see :mod:`bot.web.identity`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.storage.outage import is_outage, outage_log
from bot.web.errors import Refused, unavailable
from bot.web.identity import ChatIds, chat_ids, presented, set_cookie
from bot.web.state import AppState

NO_CHAT = ("no chat id: POST /chat/api/session for one, then send its cookie or the "
           "X-Sarafan-Chat header")
UNKNOWN_CHAT = "this chat id was not issued here: POST /chat/api/session for a new one"


async def session(request: Request) -> Response:
    """The caller's chat: the one it presents when this server issued it, else a new one."""
    try:
        ids = await _signer(request.app.state.sarafan)
    except Refused as refused:
        return refused.response()
    carried = presented(request)
    known = ids.first_chat(carried[1]) if carried is not None else None
    if carried is not None and known is not None:
        response = JSONResponse({"new": False})
        if carried[0] == "cookie":  # a visit renews the cookie's year
            set_cookie(response, request, known[1])
        return response
    token = ids.issue()
    response = JSONResponse({"new": True, "token": token}, status_code=201)
    set_cookie(response, request, token)
    return response


async def chat_of(request: Request) -> str:
    """The chat ``request`` speaks for; :class:`Refused` (401) unless this server issued it."""
    carried = presented(request)
    if carried is None:
        raise Refused(NO_CHAT, "no_chat", 401)
    known = (await _signer(request.app.state.sarafan)).first_chat(carried[1])
    if known is None:
        raise Refused(UNKNOWN_CHAT, "unknown_chat", 401)
    return known[0]


async def _signer(state: AppState) -> ChatIds:
    try:
        return await chat_ids(state)
    except Exception as exc:  # a process's first call reads the secret from the database
        if not is_outage(exc):
            raise
        outage_log(state.sessionmaker).failed(exc)
        raise unavailable() from exc
