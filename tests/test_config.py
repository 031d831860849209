"""Settings: env vars beat `.env` beat YAML; wrong values name the setting; secrets stay hidden."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, secret_values
from bot.logsetup import MASK, RedactSecrets

TOKEN = "123456789:AAFakeTelegramTokenForTests_0123456789"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No SARAFAN_* from the machine, and a working folder without `.env` or `sarafan.yml`."""
    for name in list(os.environ):
        if name.startswith("SARAFAN_") and name != "SARAFAN_CONFIG":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_a_working_development_setup() -> None:
    settings = load_settings()
    assert settings.environment == "development"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert (settings.host, settings.port, settings.default_language) == ("127.0.0.1", 8080, "en")


def test_environment_variables_including_nested_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARAFAN_PORT", "9001")
    monkeypatch.setenv("SARAFAN_DEFAULT_LANGUAGE", "fa")
    monkeypatch.setenv("SARAFAN_DATABASE_URL", "postgresql://bot:pw@db/sarafan")
    monkeypatch.setenv("SARAFAN_TELEGRAM__BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SARAFAN_NLU__BACKEND", "rasa")
    settings = load_settings()
    assert (settings.port, settings.default_language, settings.nlu.backend) == (9001, "fa", "rasa")
    assert settings.database_url == "postgresql+asyncpg://bot:pw@db/sarafan"
    assert settings.telegram.bot_token is not None
    assert settings.telegram.bot_token.get_secret_value() == TOKEN


def test_conventional_telegram_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    token = load_settings().telegram.bot_token
    assert token is not None
    assert token.get_secret_value() == TOKEN


def test_env_beats_dotenv_beats_yaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "deploy.yml"
    config.write_text("port: 7000\nhost: 0.0.0.0\nlog_level: DEBUG\n"
                      "telegram:\n  operators_chat_id: -100123\n", encoding="utf-8")
    (tmp_path / ".env").write_text("SARAFAN_PORT=7100\nSARAFAN_HOST=10.0.0.1\n", encoding="utf-8")
    monkeypatch.setenv("SARAFAN_CONFIG", str(config))
    monkeypatch.setenv("SARAFAN_PORT", "7200")
    settings = load_settings()
    assert (settings.port, settings.host, settings.log_level) == (7200, "10.0.0.1", "DEBUG")
    assert settings.telegram.operators_chat_id == -100123


def test_dotenv_may_hold_other_tools_variables_but_not_misspelt_ones(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=x\nSARAFAN_PORT=7100\n", encoding="utf-8")
    assert load_settings().port == 7100
    (tmp_path / ".env").write_text("SARAFAN_PROT=7100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^setting SARAFAN_PROT: unknown setting"):
        load_settings()


@pytest.mark.parametrize(("name", "value"), [
    ("SARAFAN_PORT", "abc"),
    ("SARAFAN_PORT", "70000"),
    ("SARAFAN_DEFAULT_LANGUAGE", "de"),
    ("SARAFAN_LOG_LEVEL", "LOUD"),
    ("SARAFAN_WORKERS", "0"),
    ("SARAFAN_ENVIRONMENT", "staging"),
    ("SARAFAN_TELEGRAM__WEBHOOK_URL", "ftp://example.org"),
    ("SARAFAN_NLU__RASA_TIMEOUT", "soon"),
])
def test_a_wrong_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"setting {name}: ")
    assert "\n" not in message
    assert repr(value) in message


@pytest.mark.parametrize(("name", "value"), [
    ("SARAFAN_DATABASE_URL", "mysql://bot:hunter2-secret@db/sarafan"),
    ("SARAFAN_TELEGRAM__WEBHOOK_SECRET", "has spaces hunter2-secret"),
    ("SARAFAN_MESSENGER__PAGES", '[{"page_id": "1"}, "hunter2-secret"]'),
])
def test_a_wrong_secret_is_named_but_not_echoed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert name in str(error.value)
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize("text", ["port: [\n", "- a list\n- not a mapping\n", "port: abc\n"])
def test_a_broken_yaml_file_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str
) -> None:
    config = tmp_path / "sarafan.yml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SARAFAN_CONFIG", str(config))
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "\n" not in str(error.value)
    assert "sarafan.yml" in str(error.value) or "SARAFAN_PORT" in str(error.value)


def test_repr_and_dumps_never_show_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARAFAN_TELEGRAM__BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SARAFAN_MESSENGER__APP_SECRET", "app-secret-value")
    monkeypatch.setenv("SARAFAN_MESSENGER__PAGES",
                       '[{"page_id": "1", "access_token": "page-token-value"}]')
    monkeypatch.setenv("SARAFAN_DATABASE_URL", "postgresql://bot:db-password-value@db/sarafan")
    settings = load_settings()
    secrets = [TOKEN, "app-secret-value", "page-token-value", "db-password-value"]
    assert sorted(secret_values(settings)) == sorted(secrets)
    dumped = settings.model_dump_json(exclude={"database_url"})
    for shown in (repr(settings), str(settings), dumped):
        assert not [secret for secret in secrets if secret in shown]
    assert "postgresql+asyncpg://bot:***@db/sarafan" in repr(settings)


def test_log_records_are_redacted_in_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([TOKEN, "pw"]))  # too short to mask safely: ignored
    log = logging.getLogger("sarafan.test.redact")
    log.addHandler(handler)
    try:
        log.warning("calling https://api.telegram.org/bot%s/getUpdates", TOKEN)
        log.warning(f"plain {TOKEN} in the message")
        try:
            raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            log.exception("send failed")
    finally:
        log.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(MASK) == 3
    assert "RuntimeError" in output


def test_settings_built_directly_still_validate() -> None:
    with pytest.raises(ValueError, match="database_url"):
        Settings(database_url="oracle://x", _env_file=None)  # type: ignore[call-arg]


def test_log_level_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARAFAN_LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"
    assert load_settings(log_level=" Warning ").log_level == "WARNING"


def test_unknown_sarafan_variables_are_named_with_a_guess() -> None:
    from bot.config import unknown_variables

    found = unknown_variables({"SARAFAN_PROT": "1", "SARAFAN_PORT": "2", "SARAFAN_CONFIG": "x",
                               "SARAFAN_TEST_POSTGRES": "y", "SARAFAN_TELEGRAM__BOT_TOKEN": "z",
                               "SARAFAN_FROBNICATE": "1", "HOME": "/root"})
    assert found == ["SARAFAN_FROBNICATE is not a Sarafan setting; ignored",
                     "SARAFAN_PROT is not a Sarafan setting (did you mean SARAFAN_PORT?); ignored"]


def test_a_misspelled_nested_yaml_key_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "sarafan.yml").write_text("telegram:\n  bot_tokn: abc\n", encoding="utf-8")
    monkeypatch.setenv("SARAFAN_CONFIG", str(tmp_path / "sarafan.yml"))
    with pytest.raises(ConfigError, match="setting SARAFAN_TELEGRAM__BOT_TOKN: unknown setting"):
        load_settings()
