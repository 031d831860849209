"""``python -m bench.api [--database-url URL] [--feedback N] [--responses N]``

Seeds 100,000 feedback items and 10,000 survey responses (bulk inserts into the feature
tables), then prints the API's median and p99 latency for the main list and results endpoints
(in-process ASGI calls through the whole app: auth, rate limit, validation, query, JSON), and
the CSV export's rows/s streamed over a real local HTTP connection and its peak traced memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from bench.api.seed import seed
from bot.api.pages import ExportFormat, export_rows
from bot.api.routes.feedback import FeedbackQuery, _items
from bot.api.tokens import create_token
from bot.config import Settings
from bot.engine.registry import build_registry
from bot.feedback.queries import FeedbackView
from bot.storage import migrate
from bot.storage.session import create_engine, create_sessionmaker
from bot.web.app import create_http_app
from bot.web.state import AppState

ENDPOINTS: list[tuple[str, str, dict[str, str], int]] = [
    ("feedback, newest page", "/feedback", {"limit": "50"}, 200),
    ("feedback, 3 filters", "/feedback",
     {"category": "bug", "language": "fa", "channel": "telegram", "limit": "50"}, 200),
    ("feedback, text search", "/feedback", {"q": "damaged", "limit": "50"}, 200),
    ("feedback counts by category", "/feedback/counts", {"by": "category"}, 50),
    ("survey results (10k responses)", "/surveys/support_csat/results", {}, 20),
    ("survey responses page", "/surveys/support_csat/responses", {"limit": "50"}, 200),
    ("contacts page", "/contacts", {"limit": "50"}, 200),
    ("tickets page", "/tickets", {"limit": "50"}, 200),
]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def main(url: str, feedback: int, responses: int) -> None:
    settings = Settings(database_url=url, environment="test", _env_file=None)
    await migrate.upgrade(url)
    engine = create_engine(url)
    maker = create_sessionmaker(engine)
    try:
        started = time.perf_counter()
        async with maker() as session:
            await seed(session, contacts=5000, feedback=feedback, responses=responses,
                       applicants=500)
            token, _ = await create_token(session, "bench", ["admin"],
                                          rate_per_minute=10_000_000)
            await session.commit()
        print(f"seeded {feedback:,} feedback items, {responses:,} survey responses, "
              f"5,000 contacts in {time.perf_counter() - started:.1f} s "
              f"({engine.dialect.name})")
        registry = build_registry(settings=settings)
        state = AppState(maker)
        state.extras.update(registry=registry, settings=settings)
        app = create_http_app(state, registry.routes)
        headers = {"Authorization": f"Bearer {token}"}
        print("\n| endpoint | requests | median ms | p99 ms |\n|---|---:|---:|---:|")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench", headers=headers) as client:
            for name, path, params, count in ENDPOINTS:
                for _ in range(3):  # warm caches and connections
                    (await client.get(f"/api/v1{path}", params=params)).raise_for_status()
                times = []
                for _ in range(count):
                    start = time.perf_counter()
                    response = await client.get(f"/api/v1{path}", params=params)
                    times.append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
                print(f"| {name} | {count} | {statistics.median(times):.1f} | "
                      f"{_p99(times):.1f} |")
        await _export(app, headers, maker, feedback)
    finally:
        await engine.dispose()


async def _export(app: object, headers: dict[str, str], maker: object, expected: int) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
        await asyncio.sleep(0.01)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    print("\n| export | rows | seconds | rows/s | peak traced memory |\n|---|---:|---:|---:|---:|")
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
            for fmt in ("csv", "jsonl"):
                rows = 0
                start = time.perf_counter()
                async with client.stream("GET", "/api/v1/feedback/export",
                                         params={"format": fmt}) as response:
                    async for chunk in response.aiter_bytes():
                        rows += chunk.count(b"\n")
                seconds = time.perf_counter() - start
                rows -= 1 if fmt == "csv" else 0
                assert rows == expected, (fmt, rows)
                peak = await _peak(maker, ExportFormat(fmt))
                print(f"| feedback {fmt} over HTTP | {rows:,} | {seconds:.1f} | "
                      f"{rows / seconds:,.0f} | {peak / 2**20:.1f} MiB |")
    finally:
        server.should_exit = True
        await task
        listener.close()


async def _peak(maker: object, fmt: ExportFormat) -> int:
    """Peak memory Python allocates while the same generator streams every row (traced)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        async for _chunk in export_rows(maker, _items(FeedbackQuery()), fmt,  # type: ignore[arg-type]
                                        FeedbackView):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--feedback", type=int, default=100_000)
    parser.add_argument("--responses", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        asyncio.run(main(database, args.feedback, args.responses))
