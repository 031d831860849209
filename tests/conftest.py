"""Shared fixtures: real SQLite files, a real PostgreSQL database per test, a test bot."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings
from tests.harness import BotHarness, make_harness

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_DSN = os.environ.get("SARAFAN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; under CI=true a missing dependency is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


async def _pg_admin() -> asyncpg.Connection:
    try:
        return await asyncio.wait_for(asyncpg.connect(PG_ADMIN_DSN), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        skip_or_fail(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")
        raise


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = f"sarafan_test_{uuid.uuid4().hex[:12]}"
    admin = await _pg_admin()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    # Through make_url, as bench/e2e/databases.py does: a Unix-socket DSN keeps its query.
    yield make_url(PG_ADMIN_DSN).set(drivername="postgresql+asyncpg", database=name) \
        .render_as_string(hide_password=False)
    admin = await _pg_admin()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    """A SQLite file in the test's temporary folder."""
    return f"sqlite+aiosqlite:///{tmp_path}/sarafan.sqlite3"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """Each storage test runs on a SQLite file and on the real PostgreSQL server."""
    # Sync on purpose: pytest-asyncio cannot start the async postgres_url from a running loop.
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/sarafan.sqlite3"
    pg: str = request.getfixturevalue("postgres_url")
    return pg


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """Settings for a test bot on its own SQLite file, no channels but the web chat."""
    return Settings(database_url=sqlite_url, environment="test", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[BotHarness]:
    """A real bot (migrated database, engine, workers) with a collecting channel."""
    bot = await make_harness(settings)
    yield bot
    await bot.close()


@pytest.fixture(autouse=True)
def _no_config_from_cwd(monkeypatch: pytest.MonkeyPatch, nlu_model_dir: Path) -> Iterator[None]:
    """Tests never read a developer's sarafan.yml, TELEGRAM_BOT_TOKEN or var/ model cache."""
    monkeypatch.setenv("SARAFAN_CONFIG", "/nonexistent/sarafan.yml")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SARAFAN_NLU__MODEL_DIR", str(nlu_model_dir))
    yield


@pytest.fixture(scope="session")
def nlu_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache per test run: trained once, never a stale model from an older checkout."""
    return tmp_path_factory.mktemp("nlu-models")
