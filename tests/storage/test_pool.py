"""The connection pool a server keeps: sized by ``database_pool`` so concurrent long-polls and
webhooks reuse connections instead of opening (and, on PostgreSQL, setting up) new ones."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.pool import QueuePool, StaticPool

from bot.config import Settings
from bot.storage.session import create_engine


def test_a_file_database_keeps_the_pool_it_is_given(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", pool_size=7)
    assert isinstance(engine.pool, QueuePool)
    assert (engine.pool.size(), engine.pool._max_overflow) == (7, 7)


def test_postgresql_keeps_the_pool_it_is_given() -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                           pool_size=20)
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == 20


def test_an_in_memory_database_has_its_one_connection() -> None:
    assert isinstance(create_engine("sqlite+aiosqlite:///:memory:", pool_size=9).pool,
                      StaticPool)


def test_unset_it_depends_on_the_database(tmp_path: Path) -> None:
    assert Settings(_env_file=None).database_pool is None
    assert Settings(_env_file=None, database_pool=3).database_pool == 3
    postgres = create_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres").pool
    sqlite = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}").pool
    assert isinstance(postgres, QueuePool) and isinstance(sqlite, QueuePool)
    assert (postgres.size(), sqlite.size()) == (20, 5)
