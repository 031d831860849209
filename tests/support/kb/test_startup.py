"""Start-up stops on a broken or missing knowledge base, with the problems `kb check` prints."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import build_bot
from bot.cli import app
from bot.config import ConfigError, Settings
from bot.support.kb.check import verify_content
from bot.support.kb.loader import BUNDLED


def settings_for(sqlite_url: str, content_dir: Path, **values: object) -> Settings:
    return Settings(database_url=sqlite_url, environment="test", content_dir=content_dir,
                    _env_file=None, **values)  # type: ignore[call-arg]


def broken_copy(tmp_path: Path) -> Path:
    """The demo content with a YAML error on line 3 of one file."""
    content = tmp_path / "content"
    shutil.copytree(BUNDLED, content)
    target = content / "kb" / "payment.yml"
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + " : : [unclosed"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return content


async def test_a_content_dir_that_does_not_exist_stops_start_up(
    sqlite_url: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-content"
    with pytest.raises(ConfigError, match=f"{missing}: content folder does not exist"):
        await build_bot(settings_for(sqlite_url, missing))


async def test_a_yaml_error_stops_start_up_with_the_kb_check_lines(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = broken_copy(tmp_path)
    with pytest.raises(ConfigError) as stopped:
        await build_bot(settings_for(sqlite_url, content))
    monkeypatch.setenv("SARAFAN_DATABASE_URL", sqlite_url)
    printed = CliRunner().invoke(app, ["kb", "check", str(content)])
    assert printed.exit_code == 1
    problem_lines = [line for line in printed.output.splitlines() if "payment.yml:" in line]
    assert problem_lines and problem_lines[0].startswith(f"{content}/kb/payment.yml:")
    for line in problem_lines:
        assert line in str(stopped.value)
    assert "SARAFAN_CONTENT_ERRORS=warn" in str(stopped.value)


def test_content_errors_warn_serves_with_warnings(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = broken_copy(tmp_path)
    caplog.set_level(logging.WARNING, logger="sarafan.kb")
    verify_content(settings_for(sqlite_url, content, content_errors="warn"))
    assert any("payment.yml:" in record.getMessage() for record in caplog.records)


def test_the_bundled_demo_and_an_empty_folder(sqlite_url: str, tmp_path: Path) -> None:
    verify_content(settings_for(sqlite_url, BUNDLED))
    (tmp_path / "empty" / "kb").mkdir(parents=True)
    with pytest.raises(ConfigError, match="no FAQ files"):
        verify_content(settings_for(sqlite_url, tmp_path / "empty"))
