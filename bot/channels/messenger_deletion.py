"""Meta's data-deletion callback: a signed request asks us to erase a user's data.

Meta POSTs ``signed_request=<signature>.<payload>`` (both base64url without padding; the
signature is HMAC-SHA256 of the payload part with the app secret; the payload is JSON with
``algorithm``, ``user_id`` and ``issued_at``). We answer ``{"url", "confirmation_code"}``;
the URL is a status page the person can open. The erasure itself is the same scheduled job as
``/forget``.

Meta sends the app-scoped user id. Contacts are stored under the page-scoped id (PSID) the
webhook gives, so the two match only where the ids coincide; a request that matches no contact
is logged and reported as "nothing stored".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import logging
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.consent.erase import request_erasure
from bot.consent.tables import Erasure
from bot.storage.models import Contact

log = logging.getLogger("sarafan.messenger")
CALLBACK_PATH = "/messenger/data-deletion"
STATUS_PATH = "/privacy/deletion/{code}"
MAX_SIGNED_REQUEST = 8192


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def parse_signed_request(signed: str, secret: bytes) -> dict[str, Any] | None:
    """The payload if ``signed`` is well formed and signed with ``secret``; None otherwise."""
    if not secret or len(signed) > MAX_SIGNED_REQUEST or signed.count(".") != 1:
        return None
    signature_part, payload_part = signed.split(".")
    try:
        signature = _b64(signature_part)
        payload = json.loads(_b64(payload_part))
    except (binascii.Error, ValueError):
        return None
    expected = hmac.new(secret, payload_part.encode("ascii", "replace"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected) or not isinstance(payload, dict):
        return None
    if str(payload.get("algorithm", "")).upper() != "HMAC-SHA256" or not payload.get("user_id"):
        return None
    return payload


def sign_request(payload: dict[str, Any], secret: bytes) -> str:
    """What Meta sends for ``payload`` (tests and local trials)."""
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    signature = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode() + "." + body


async def callback(request: Request) -> Response:
    """``POST /messenger/data-deletion``: schedule the erasure, answer the status URL and code."""
    state = request.app.state.sarafan
    secret_value = state.extras["settings"].messenger.app_secret
    secret = secret_value.get_secret_value().encode() if secret_value else b""
    try:
        form = await request.form()
    except Exception:  # a body that is not a form at all
        return JSONResponse({"error": "send signed_request as a form field"}, status_code=400)
    signed = form.get("signed_request")
    payload = parse_signed_request(signed, secret) if isinstance(signed, str) else None
    if payload is None:
        return JSONResponse({"error": "invalid signed_request"}, status_code=400)
    user_id = str(payload["user_id"])[:128]
    async with state.sessionmaker.begin() as session:
        contacts = (await session.scalars(select(Contact.id).where(
            Contact.channel == "messenger", Contact.external_id == user_id))).all()
        erasures = [await request_erasure(session, contact_id, origin="messenger")
                    for contact_id in contacts] or [
            await request_erasure(session, None, origin="messenger")]
        code = erasures[0].code
    if not contacts:
        log.info("data-deletion request matched no contact (code %s)", code)
    url = str(request.url_for("privacy-deletion-status", code=code))
    return JSONResponse({"url": url, "confirmation_code": code})


STATUS_TEXT = {
    "pending": "Your request is being processed; your data will be erased within a minute.",
    "done": "Your data has been erased.",
}


async def status(request: Request) -> Response:
    """``GET /privacy/deletion/{code}``: where an erasure request stands (no personal data)."""
    code = request.path_params["code"][:32]
    async with request.app.state.sarafan.sessionmaker() as session:
        erasure = await session.scalar(select(Erasure).where(Erasure.code == code))
    if erasure is None:
        return HTMLResponse(_page("Unknown confirmation code", "We have no erasure request with "
                                  "this code."), status_code=404)
    body = STATUS_TEXT.get(erasure.status, erasure.status)
    if erasure.status == "done" and not erasure.counts:
        body = "We found no data stored about you; nothing was kept."
    when = f"Requested {erasure.requested_at:%Y-%m-%d %H:%M} UTC."
    return HTMLResponse(_page(f"Data deletion request {code}", f"{body} {when}"))


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p></html>")


def routes() -> list[BaseRoute]:
    """The callback Meta calls and the status page it links to."""
    return [Route(CALLBACK_PATH, callback, methods=["POST"]),
            Route(STATUS_PATH, status, methods=["GET"], name="privacy-deletion-status")]
