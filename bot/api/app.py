"""The FastAPI application mounted at /api/v1, and its server-rendered reference page.

FastAPI because it generates the OpenAPI 3.1 document from the same pydantic models and
type hints that validate each request, so the document cannot drift from the code, and
malformed parameters become 422s naming the parameter before any handler runs. Its bundled
Swagger UI loads from a CDN, so it is switched off; /api/v1/docs renders the generated
document as plain HTML instead (no script at all).
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.api import problems
from bot.api.deps import check_query
from bot.api.routes import admin, contacts, tickets

DESCRIPTION = """\
The product team's API. Send `Authorization: Bearer <token>` (from `sarafan tokens create`).
Lists are newest first with cursor pagination (`next_cursor`); every list has an `/export`
that streams CSV or JSON Lines. Errors are RFC 9457 problem details.
"""


def build_api() -> FastAPI:
    """The API application (mount it at /api/v1)."""
    api = FastAPI(title="Sarafan API", version="1.0.0", description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                  responses=problems.COMMON_RESPONSES, dependencies=[Depends(check_query)])
    problems.install(api)
    for module in (tickets, contacts, admin):
        api.include_router(module.router)
    for name in ("bot.api.routes.webhooks", "bot.api.routes.feedback",
                 "bot.api.routes.surveys", "bot.api.routes.beta"):
        _include_if_present(api, name)

    @api.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(render_reference(api.openapi()), headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    return api


def _include_if_present(api: FastAPI, name: str) -> None:
    """Routers for resources whose query functions may not exist yet in this checkout."""
    import importlib

    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return
    api.include_router(module.router)


class WithBotState:
    """Hands the bot's state (``request.app.state.sarafan`` outside) to the mounted API."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "sarafan" not in scope:
            outer = scope.get("app")
            state = getattr(getattr(outer, "state", None), "sarafan", None)
            if state is not None:
                scope = {**scope, "sarafan": state}
        await self.app(scope, receive, send)


def render_reference(spec: dict[str, Any]) -> str:
    """The OpenAPI document as one readable HTML page."""
    esc = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{esc(spec['info']['title'])}</title><style>{_CSS}</style></head><body>"
             f"<main><h1>{esc(spec['info']['title'])} {esc(spec['info']['version'])}</h1>"
             f"<p>{esc(spec['info'].get('description', ''))}</p>"
             f"<p><a href='openapi.json'>OpenAPI 3.1 document (JSON)</a></p>"]
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            parts.append(f"<section><h2><span class='m'>{esc(method.upper())}</span> "
                         f"<code>{esc(path)}</code></h2><p>{esc(op.get('summary', ''))}</p>"
                         f"<p>{esc(op.get('description', ''))}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<table><tr><th>Parameter</th><th>In</th><th>Type</th></tr>")
                for param in params:
                    schema = json.dumps(param.get("schema", {}), ensure_ascii=False)
                    parts.append(f"<tr><td><code>{esc(param['name'])}</code></td>"
                                 f"<td>{esc(param['in'])}</td><td><code>{esc(schema)}</code>"
                                 f"</td></tr>")
                parts.append("</table>")
            codes = ", ".join(esc(str(code)) for code in op.get("responses", {}))
            parts.append(f"<p>Responses: {codes}</p></section>")
    parts.append("</main></body></html>")
    return "".join(parts)


_CSS = ("body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#fafafa;color:#222}"
        "main{max-width:60rem;margin:auto;padding:1rem}section{background:#fff;border:1px solid"
        " #ddd;border-radius:6px;padding:0 1rem;margin:1rem 0}h2{font-size:1.05rem}"
        ".m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;"
        "text-align:left;vertical-align:top}code{font-size:.85rem;word-break:break-all}")
