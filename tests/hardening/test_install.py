"""Start-up and installs: one migration, pinned versions, a health check that follows the port."""

from __future__ import annotations

import asyncio
import re
import socket
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from bot.app import build_bot
from bot.cli import app
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_dependency_and_the_installs_use_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in [*project["dependencies"],
                                 *project["optional-dependencies"]["dev"]]}
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {_name(line) for line in lock.splitlines() if re.match(r"^[A-Za-z0-9]", line)}
    assert all("==" in line for line in lock.splitlines() if re.match(r"^[A-Za-z0-9]", line))
    # A dependency added after the last `./dev lock` is allowed (./dev installs it unpinned);
    # this names it so the lock gets refreshed before a release.
    assert wanted - pinned == set(), "run ./dev lock: requirements.lock misses these"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert "-c requirements.lock -e ." in dockerfile
    assert '-c "$LOCK" -e' in dev


def test_start_up_migrates_once() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert 'CMD ["sarafan", "run"]' in dockerfile
    assert "db upgrade" not in dockerfile.split("HEALTHCHECK")[1]
    run_step = dev.split("  run)")[1].split(";;")[0]
    assert "db upgrade" not in run_step and 'sarafan" run' in run_step
    assert 'CMD ["sarafan", "health"' in dockerfile


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def serving(settings: Settings) -> AsyncIterator[int]:
    """The bot's HTTP app on a free port."""
    port = _free_port()
    bot = await build_bot(settings)
    server = uvicorn.Server(uvicorn.Config(bot.http, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)
    yield port
    server.should_exit = True
    await task
    await bot.close()


async def test_health_follows_the_port_set_in_the_yaml_file(
    serving: int, settings: Settings, tmp_path: Path
) -> None:
    config = tmp_path / "sarafan.yml"
    config.write_text(f"port: {serving}\nhost: 0.0.0.0\n", encoding="utf-8")
    runner = CliRunner(env={"SARAFAN_CONFIG": str(config),
                            "SARAFAN_DATABASE_URL": settings.database_url})
    healthy = await asyncio.to_thread(runner.invoke, app, ["health"])
    assert healthy.exit_code == 0, healthy.output
    assert f"127.0.0.1:{serving}/healthz answered 200" in healthy.output
    ready = await asyncio.to_thread(runner.invoke, app, ["health", "--ready"])
    assert ready.exit_code == 0, ready.output

    config.write_text(f"port: {_free_port()}\n", encoding="utf-8")
    down = await asyncio.to_thread(runner.invoke, app, ["health", "--timeout", "2"])
    assert down.exit_code == 1
    assert down.output.startswith("unhealthy: http://127.0.0.1:")
