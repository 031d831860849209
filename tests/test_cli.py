"""The `sarafan` command: database commands, start-up errors, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.storage import migrate
from tests.web.chat_ids import new_chat

SARAFAN = str(Path(sys.executable).with_name("sarafan"))
SECRET = "webhook-secret-never-logged"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for the command: a temp SQLite file, no config from the machine."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("SARAFAN_") and k != "TELEGRAM_BOT_TOKEN"}
    # The session's NLU model cache (tests/conftest.py), so a child trains at most once.
    return {**clean, "SARAFAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3",
            "SARAFAN_CONFIG": str(tmp_path / "absent.yml"),
            "SARAFAN_NLU__MODEL_DIR": os.environ["SARAFAN_NLU__MODEL_DIR"]}


@pytest.fixture
def runner(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in list(os.environ):
        if name.startswith("SARAFAN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return CliRunner(env={k: v for k, v in env.items() if k.startswith("SARAFAN_")})


def test_db_current_upgrade_downgrade(runner: CliRunner) -> None:
    head = migrate.head()
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["current: none (not migrated)", f"head: {head}"]
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"database at {head}"
    assert runner.invoke(app, ["db", "current"]).output.splitlines()[0] == f"current: {head}"
    result = runner.invoke(app, ["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "database at None"


def test_db_command_with_a_wrong_setting_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "current"], env={"SARAFAN_DATABASE_URL": "oracle://x"})
    assert result.exit_code == 2
    assert "setting SARAFAN_DATABASE_URL" in result.output


def test_run_with_a_wrong_port_is_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run([SARAFAN, "run"], env={**env, "SARAFAN_PORT": "abc"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("Configuration error: setting SARAFAN_PORT: ")
    assert "'abc'" in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def trained(env: dict[str, str]) -> None:
    """The NLU model in the session's cache, so a child only loads it (training takes from
    12 s on a quiet machine to minutes on a busy one; the child's start-up wait is bounded)."""
    from bot.config import NluSettings, Settings
    from bot.nlu_setup import local_model

    model_dir = Path(env["SARAFAN_NLU__MODEL_DIR"])
    local_model(Settings(environment="test", nlu=NluSettings(model_dir=model_dir),
                         _env_file=None))  # type: ignore[call-arg]


@pytest.fixture
def running(
    env: dict[str, str], tmp_path: Path, trained: None
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`sarafan run` as a child process on a free port; killed if the test fails early."""
    port = _free_port()
    child = subprocess.Popen(
        [SARAFAN, "run"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**env, "SARAFAN_PORT": str(port), "SARAFAN_TELEGRAM__WEBHOOK_SECRET":
                        SECRET, "SARAFAN_MESSENGER__APP_SECRET": SECRET})
    yield child, port
    if child.poll() is None:
        child.kill()
        child.wait()


async def _reply(base: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        async with asyncio.timeout(120):  # a first start trains the NLU (slow on a busy box)
            while True:  # the child may still be importing and migrating
                try:
                    await new_chat(client)  # the server's chat id, kept in the client's cookie
                    posted = await client.post("/chat/api/messages", json={"text": "/start"})
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            assert posted.status_code == 202, posted.text
            while True:
                got = await client.get("/chat/api/messages")
                outgoing = [m for m in got.json()["messages"] if m["direction"] == "out"]
                if outgoing:
                    return outgoing
                await asyncio.sleep(0.1)


async def test_run_serves_web_chat_and_stops_cleanly_on_sigterm(
    running: tuple[subprocess.Popen[str], int],
) -> None:
    child, port = running
    replies = await _reply(f"http://127.0.0.1:{port}")
    assert "Hello" in str(replies[0]["text"])
    child.send_signal(signal.SIGTERM)
    started = time.monotonic()
    output, _ = child.communicate(timeout=30)
    assert child.returncode == 0, output
    assert time.monotonic() - started < 15
    lines = output.splitlines()
    serving = [line for line in lines if "serving" in line]
    assert len(serving) == 1, output
    # One line at start: no migration chatter; only a first start also says it trains the NLU
    # (warnings about this test's half-configured Messenger are not start-up chatter).
    started = lines[:lines.index(serving[0])]
    assert [line for line in started
            if " INFO " in line and "training NLU model" not in line] == [], output
    assert f"http://127.0.0.1:{port}/chat" in serving[0]
    assert "web chat" in serving[0]
    assert lines[-1].endswith("stopped cleanly")
    assert "Traceback" not in output
    assert SECRET not in output


def test_unreachable_database_is_one_line_without_the_password(runner: CliRunner) -> None:
    url = "postgresql+asyncpg://bot:db-password-value@127.0.0.1:1/sarafan"
    result = runner.invoke(app, ["db", "upgrade"], env={"SARAFAN_DATABASE_URL": url})
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("Database error: cannot use postgresql+asyncpg://bot:***@127.0.0.1:1")
    assert "SARAFAN_DATABASE_URL" in line
    assert "db-password-value" not in result.output


def test_run_on_a_port_in_use_is_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([SARAFAN, "run"], env={**env, "SARAFAN_PORT": str(port)},
                              cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=False)
    assert done.returncode == 2, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "Configuration error" in line]
    assert f"setting SARAFAN_PORT: cannot listen on 127.0.0.1:{port}" in line
    assert "Traceback" not in done.stderr
    assert "serving" not in done.stderr


def test_help_imports_no_feature_and_no_scikit_learn() -> None:
    # Deterministic stand-in for "starts fast": what --help imports, not how long it takes.
    probe = ("import sys; from typer.testing import CliRunner; from bot.cli import app; "
             "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('sklearn', 'scipy', 'fastapi', 'alembic', 'aiogram', 'uvicorn') "
             "or m.startswith(('bot.dashboard', 'bot.api', 'bot.feedback', 'bot.app'))); "
             "print(heavy)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_every_group_is_listed_and_opens(runner: CliRunner) -> None:
    from bot.cli import GROUPS

    listed = runner.invoke(app, ["--help"], terminal_width=200)
    assert listed.exit_code == 0
    for name in GROUPS:
        assert f" {name} " in listed.output
        opened = runner.invoke(app, [name, "--help"])
        assert opened.exit_code == 0, (name, opened.output)
        assert f" {name} [OPTIONS] COMMAND" in opened.output
    assert "list" in runner.invoke(app, ["jobs", "--help"]).output  # a one-command group


def test_version(runner: CliRunner) -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output.strip()) == (0, f"sarafan {version('sarafan')}")


def test_tickets_list_refuses_an_unknown_status(runner: CliRunner) -> None:
    result = runner.invoke(app, ["tickets", "list", "--status", "bogus"])
    assert result.exit_code == 2
    assert "'bogus' is not one of open, waiting, closed" in result.output


def test_run_takes_host_and_port_options(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app

    seen: list[tuple[str, int]] = []

    async def serve(settings: object) -> int:
        seen.append((settings.host, settings.port))  # type: ignore[attr-defined]
        return 0

    monkeypatch.setattr(bot.app, "serve", serve)
    result = runner.invoke(app, ["run", "--host", "127.0.0.2", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert seen == [("127.0.0.2", 0)]


def test_unknown_variable_is_a_warning_and_db_current_creates_no_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/new/fresh.sqlite3"
    result = runner.invoke(app, ["db", "current"],
                           env={"SARAFAN_DATABASE_URL": url, "SARAFAN_PROT": "9000"})
    assert result.exit_code == 0, result.output
    assert "warning: SARAFAN_PROT is not a Sarafan setting (did you mean SARAFAN_PORT?)" in \
        result.output
    assert "current: none (not migrated)" in result.output
    assert not (tmp_path / "new").exists()
