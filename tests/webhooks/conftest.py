"""A local receiving server that checks each delivery with standardwebhooks' own verifier."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.api.conftest import api, sqlite_api

__all__ = ["Receiver", "api", "closed_port_url", "receiver", "sqlite_api"]


class _Server(uvicorn.Server):
    """The test owns shutdown; uvicorn must not take over the runner's signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Receiver:
    """What the receiver got; ``mode`` decides its answer: ok, error (500) or hang."""

    url: str
    secret: str | None = None
    mode: str = "ok"
    verified: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        if self.mode == "hang":
            await self.release.wait()  # answers only after the sender gave up
            return Response(status_code=204)
        if self.mode == "error":
            return Response("down for maintenance", status_code=503)
        self.headers.append(dict(request.headers))
        try:
            assert self.secret is not None
            self.verified.append(Webhook(self.secret).verify(raw, dict(request.headers)))
        except (WebhookVerificationError, AssertionError) as exc:
            self.rejected.append(str(exc))
            return Response(status_code=400)
        return Response(status_code=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real HTTP server on a free 127.0.0.1 port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    receiver = Receiver(url=f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                    timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    yield receiver
    receiver.release.set()
    server.should_exit = True
    await task
    listener.close()


def closed_port_url() -> str:
    """A URL nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
