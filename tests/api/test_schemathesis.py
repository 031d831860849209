"""Schemathesis drives the real app (SQLite, live server) from its generated OpenAPI document:
no 5xx, and every response matches the document (status codes, content types, bodies)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
import uvicorn
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from bench.api.seed import seed as seed_rows
from bot.api.tokens import create_token
from bot.app import build_bot
from bot.config import Settings
from bot.consent.tables import ConsentEvent
from bot.storage.events import emit
from bot.storage.models import Contact
from bot.support.tickets import Ticket, TicketMessage
from bot.webhooks.endpoints import add_endpoint

EXAMPLES = 7
"""Per operation and mode: bounded (and derandomized) so the test stays under a minute and
gives the same verdict on every run; runs with 40 random examples passed while writing it."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LiveApi:
    """The bot serving HTTP on a free port from its own thread and event loop."""

    def __init__(self, database: Path) -> None:
        self.settings = Settings(database_url=f"sqlite+aiosqlite:///{database}",
                                 environment="test", _env_file=None)  # type: ignore[call-arg]
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.token = ""
        self.ready = threading.Event()
        self.server: _Server | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test, which fails with it
            self.error = exc
            self.ready.set()

    async def _main(self) -> None:
        bot = await build_bot(self.settings)
        try:
            async with bot.sessionmaker() as session:
                self.token, _ = await create_token(session, "schemathesis", ["admin"],
                                                   rate_per_minute=1_000_000)
                await seed(session)
                await session.commit()
            self.server = _Server(uvicorn.Config(bot.http, log_level="warning", lifespan="off",
                                                 timeout_graceful_shutdown=1))
            task = asyncio.create_task(self.server.serve(sockets=[self.listener]))
            while not self.server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
                await asyncio.sleep(0.01)
            self.ready.set()
            await task
        finally:
            await bot.close()

    def __enter__(self) -> LiveApi:
        self.thread.start()
        self.ready.wait(60)
        if self.error:
            raise self.error
        return self

    def __exit__(self, *_: object) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(30)
        self.listener.close()


async def seed(session: Any) -> None:
    """A little of everything, so generated requests find rows as well as misses."""
    contact = Contact(channel="webchat", external_id="u1", display_name="<b>Ada</b>",
                      language="fa", source="spring-promo")
    session.add(contact)
    await session.flush()
    ticket = Ticket(ref=f"{contact.id}-1", contact_id=contact.id, channel="webchat", chat_id="u1",
                    language="fa", reason="human", source="spring-promo")
    ticket.transcript = [TicketMessage(author="customer", text="'; DROP TABLE tickets; --")]
    session.add(ticket)
    session.add(ConsentEvent(contact_id=contact.id, purpose="research", action="grant",
                             channel="webchat"))
    await emit(session, "ticket.opened", {"ref": ticket.ref}, contact_id=contact.id)
    await seed_rows(session, contacts=8, feedback=40, responses=12, applicants=4)
    await add_endpoint(session, "https://hooks.example.com/in", events=["ticket.opened"])


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with LiveApi(tmp_path_factory.mktemp("schemathesis") / "sarafan.sqlite3") as live:
        yield live


def _without_cursor(case: Any) -> Any:
    if case.query:
        case.query.pop("cursor", None)
    return case


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_document(live_api: LiveApi, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {live_api.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode is GenerationMode.POSITIVE:
            # A cursor is opaque: one the schema allows is still not one the API gave out,
            # and refusing it (422, tested in test_errors) is right.
            strategy = strategy.map(_without_cursor)

        @hypothesis.given(case=strategy)
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                             derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                             phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
        def check(case: Any) -> None:
            # A case whose headers were made invalid on purpose (the token left out or mangled)
            # is sent as generated and must be refused; otherwise the real token replaces the
            # generated bearer value.
            drop = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
            case.call_and_validate(base_url=f"{live_api.url}/api/v1",
                                   headers=None if drop else headers)

        check()
