"""`sarafan tokens ...` and `sarafan webhooks ...`: shown once, hashed, listed, revoked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in list(os.environ):
        if name.startswith("SARAFAN_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return CliRunner(env={"SARAFAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.sqlite3",
                          "SARAFAN_CONFIG": str(tmp_path / "absent.yml")})


def test_tokens_create_list_revoke(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["tokens", "list"])
    assert missing.exit_code == 1 and "sarafan db upgrade" in missing.output
    assert "Traceback" not in missing.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(app, ["tokens", "create", "metabase", "-s", "feedback:read",
                                  "-s", "surveys:read", "--rate", "120"])
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[1]
    assert token.startswith("sfn_") and len(token) > 40
    assert token.encode() not in (tmp_path / "c.sqlite3").read_bytes()  # only its hash
    listed = runner.invoke(app, ["tokens", "list"])
    assert "#1 " in listed.output and "feedback:read,surveys:read" in listed.output
    assert token not in listed.output and "rate=120/min" in listed.output
    bad = runner.invoke(app, ["tokens", "create", "x", "-s", "everything"])
    assert bad.exit_code == 2 and "unknown scope everything" in bad.output
    assert runner.invoke(app, ["tokens", "revoke", "1"]).exit_code == 0
    assert runner.invoke(app, ["tokens", "list"]).output.strip() == ""
    assert "revoked" in runner.invoke(app, ["tokens", "list", "--all"]).output
    unknown = runner.invoke(app, ["tokens", "revoke", "99"])
    assert unknown.exit_code == 2 and "no token #99" in unknown.output


def test_webhooks_add_list_disable_remove_deliveries(runner: CliRunner) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(app, ["webhooks", "add", "https://hooks.example.com/in",
                                "-e", "ticket.opened", "-e", "ticket.closed"])
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines()[1].startswith("whsec_")
    listed = runner.invoke(app, ["webhooks", "list"]).output
    assert "#1 https://hooks.example.com/in enabled events=ticket.opened,ticket.closed" in listed
    assert runner.invoke(app, ["webhooks", "disable", "1"]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["webhooks", "list"]).output
    for args in (["add", "ftp://x"], ["add", "https://x.example", "-e", "nope"],
                 ["remove", "7"], ["deliveries", "--status", "lost"]):
        result = runner.invoke(app, ["webhooks", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert runner.invoke(app, ["webhooks", "deliveries"]).exit_code == 0
    assert runner.invoke(app, ["webhooks", "remove", "1"]).exit_code == 0
    assert runner.invoke(app, ["webhooks", "list"]).output.strip() == ""
