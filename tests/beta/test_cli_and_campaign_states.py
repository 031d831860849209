"""`sarafan beta ...` on a real database, and closed, full and promoter entry points."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ConfigError, Settings
from tests.beta.test_apply import apply_via_link, walk
from tests.harness import BotHarness
from tests.support.conftest import ScriptedNlu, support_bot

DEMO = Path(__file__).parents[2] / "bot/content/beta/tasting_box.yml"


async def cli(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_cli_campaigns_applicants_csv_decisions_invite(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await walk(bot, chat="a1", favourite="=HYPERLINK(\"x\")")
    await walk(bot, chat="r1", often="Rarely", email="rita@example.org")
    monkeypatch.setenv("SARAFAN_DATABASE_URL", database_url)
    code, out = await cli("beta", "campaigns")
    assert code == 0 and "tasting_box" in out
    assert out.splitlines()[1].split()[2:6] == ["50", "0", "1", "0"]
    code, out = await cli("beta", "applicants", "tasting_box", "--csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [row["status"] for row in table] == ["accepted", "rejected"]
    assert table[0]["favourite"] == "'=HYPERLINK(\"x\")"  # never a spreadsheet formula
    assert table[0]["phone"] == "+442079460958" and table[0]["how_often"] == "daily"
    code, out = await cli("beta", "applicants", "tasting_box", "--status", "nope")
    assert code == 2
    code, out = await cli("beta", "accept", "tasting_box", "2")
    assert code == 0 and "accepted: #2" in out
    code, out = await cli("beta", "reject", "tasting_box", "99")
    assert code == 1 and "no application 99" in out
    code, out = await cli("beta", "invite", "tasting_box", "--dry-run")
    assert code == 0 and "2 applicants would be invited" in out
    code, out = await cli("beta", "invite", "tasting_box")
    assert code == 0 and "2 invitations queued" in out
    code, out = await cli("beta", "invite", "tasting_box")
    assert "0 invitations queued" in out
    invited = await bot.drain()
    assert len(invited) == 2
    code, out = await cli("beta", "accept", "tasting_box", "1")
    assert code == 1 and "is invited; it cannot be changed" in out
    code, out = await cli("beta", "invite", "nope")
    assert code == 1 and "no campaign 'nope'" in out
    code, out = await cli("beta", "referrals")
    assert code == 0


@pytest.fixture
async def custom_bot(database_url: str, nlu_model_dir: Path,
                     tmp_path: Path) -> AsyncIterator[BotHarness]:
    """A bot whose content has a closed campaign and a full one without a waiting list."""
    demo = DEMO.read_text(encoding="utf-8")
    shutil.copytree(DEMO.parents[1] / "kb", tmp_path / "kb")
    (tmp_path / "beta").mkdir()
    (tmp_path / "beta" / "closed.yml").write_text(
        demo.replace("id: tasting_box", "id: closed_one").replace("ends: 2027-03-31",
                                                                  "ends: 2026-01-31")
        .replace("starts: 2026-11-01", "starts: 2025-11-01"))
    (tmp_path / "beta" / "full.yml").write_text(
        demo.replace("id: tasting_box", "id: full_one").replace("capacity: 50", "capacity: 1\n"
                                                                "waitlist: false"))
    settings = Settings(database_url=database_url, environment="test",  # type: ignore[call-arg]
                        content_dir=tmp_path, nlu={"model_dir": nlu_model_dir}, _env_file=None)
    harness = await support_bot(settings, ScriptedNlu())
    yield harness
    await harness.close()


async def test_closed_and_full_campaigns(custom_bot: BotHarness) -> None:
    [closed] = await custom_bot.say("/beta closed_one")
    assert "Applications for Samovar Tasting Box beta are closed" in closed.text
    [only_open] = await custom_bot.say("/beta")  # the one open campaign is offered directly
    assert "I agree" in [b.title for b in only_open.buttons]
    await custom_bot.say("/cancel")
    [first] = await custom_bot.say(payload="beta:promoter", chat="p1")
    assert first.buttons[0].payload == "beta:consent:full_one:yes"
    await custom_bot.say(payload="beta:consent:full_one:yes", chat="p1")
    for step in ("/skip", "/skip", "1", "yes", "/skip"):
        replies = await custom_bot.say(step, chat="p1")
    assert "accepted" in replies[-1].text
    [full] = await custom_bot.say("/beta full_one", chat="p2")
    assert "is full, and there is no waiting list" in full.text
    assert apply_via_link  # the deep-link entry is covered in test_apply


async def test_a_broken_campaign_file_stops_start_up(database_url: str, nlu_model_dir: Path,
                                                     tmp_path: Path) -> None:
    shutil.copytree(DEMO.parents[1] / "kb", tmp_path / "kb")
    (tmp_path / "beta").mkdir()
    (tmp_path / "beta" / "bad.yml").write_text("id: Bad\n")
    settings = Settings(database_url=database_url, environment="test",  # type: ignore[call-arg]
                        content_dir=tmp_path, nlu={"model_dir": nlu_model_dir}, _env_file=None)
    with pytest.raises(ConfigError, match=r"bad.yml:1: id: String should match"):
        await support_bot(settings, ScriptedNlu())
    warn = settings.model_copy(update={"content_errors": "warn"})
    harness = await support_bot(warn, ScriptedNlu())
    try:
        [none] = await harness.say("/beta")
        assert "No beta programme is taking applications" in none.text
    finally:
        await harness.close()
