"""`sarafan users ...` and `sarafan demo seed` as an administrator runs them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

PASSWORD = "a long enough secret\n"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command on a migrated SQLite file of its own, no configuration from the machine."""
    for name in list(os.environ):
        if name.startswith("SARAFAN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.sqlite3",
                            "SARAFAN_CONFIG": str(tmp_path / "absent.yml")})
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return runner


def test_users_add_list_set_role_disable_password(runner: CliRunner) -> None:
    added = runner.invoke(app, ["users", "add", "Ann@Example.com", "--role", "operator",
                                "--name", "Ann", "--password-stdin"], input=PASSWORD)
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "added ann@example.com (operator)"
    listing = runner.invoke(app, ["users", "list"]).output
    assert "ann@example.com" in listing and "operator" in listing and "never" in listing
    assert "a long enough secret" not in listing
    assert runner.invoke(app, ["users", "set-role", "ann@example.com", "admin"]).output.strip() \
        == "ann@example.com is now admin"
    assert "disabled" in runner.invoke(app, ["users", "disable", "ann@example.com"]).output
    assert "enabled" in runner.invoke(app, ["users", "disable", "ann@example.com",
                                            "--enable"]).output
    changed = runner.invoke(app, ["users", "password", "ann@example.com", "--password-stdin"],
                            input="another long secret\n")
    assert changed.exit_code == 0 and "sessions ended" in changed.output


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["users", "add", "not-an-email", "--password-stdin"], PASSWORD, "is not an email address"),
    (["users", "add", "a@b.c", "--role", "boss", "--password-stdin"], PASSWORD,
     "unknown role 'boss'"),
    (["users", "add", "a@b.c", "--password-stdin"], "short\n", "at least 10 characters"),
    (["users", "set-role", "nobody@b.c", "admin"], "", "no user nobody@b.c"),
    (["users", "disable", "nobody@b.c"], "", "no user nobody@b.c"),
])
def test_refusals_are_one_line_and_exit_1(runner: CliRunner, args: list[str], stdin: str,
                                           message: str) -> None:
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_a_second_user_with_the_same_email_is_refused(runner: CliRunner) -> None:
    args = ["users", "add", "a@b.c", "--password-stdin"]
    assert runner.invoke(app, args, input=PASSWORD).exit_code == 0
    again = runner.invoke(app, [*args[:2], "A@B.C", *args[3:]], input=PASSWORD)
    assert again.exit_code == 1 and "already exists" in again.output


def test_demo_seed_fills_every_job_once(runner: CliRunner) -> None:
    first = runner.invoke(app, ["demo", "seed"])
    assert first.exit_code == 0, first.output
    for kind in ("30 contacts", "15 tickets", "feedback items", "survey responses",
                 "beta applicants", "consent events", "webhook deliveries"):
        assert kind in first.output
    second = runner.invoke(app, ["demo", "seed"])
    assert second.exit_code == 0 and "already there" in second.output
    tickets = runner.invoke(app, ["tickets", "list"]).output
    assert "webchat" in tickets and "telegram" in tickets and "messenger" in tickets


def test_demo_seed_on_an_unmigrated_database_is_one_line(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/n.sqlite3",
                            "SARAFAN_CONFIG": str(tmp_path / "absent.yml")})
    result = runner.invoke(app, ["demo", "seed"])
    assert result.exit_code == 1 and "sarafan db upgrade" in result.output
