"""One typed settings object, read from env vars, `.env` and an optional YAML file."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LANGUAGES = ("en", "ru", "fa", "bg", "el")
ENV_PREFIX = "SARAFAN_"
SENSITIVE = ("SECRET", "TOKEN", "PASSWORD", "KEY", "PAGES", "DATABASE_URL")
"""A wrong value of a setting whose name holds one of these is not echoed back in errors."""
Language = Literal["en", "ru", "fa", "bg", "el"]
_SOURCE = r"(?:'self'|'none'|https?://(?:\*\.)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?)"
FRAME_ANCESTORS = rf"^{_SOURCE}(?: +{_SOURCE})*$"
"""CSP sources an operator may list (no ``;`` or newline can reach the header)."""


class TelegramSettings(BaseModel):
    """Telegram channel: a token enables it; a public URL switches polling to webhook."""

    model_config = ConfigDict(extra="forbid")  # a misspelled key is an error, not ignored

    bot_token: SecretStr | None = None
    api_base: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    operators_chat_id: int | None = None
    bot_username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9_]{5,32}$")
    """The bot's @username, for t.me links (referrals); without it those links are left out."""
    # Telegram's guidance (core.telegram.org/bots/faq#broadcasting-to-users): replies wait only
    # for the per-chat and per-group limits; the bot-wide one holds back bulk sends alone.
    per_chat_per_second: int = Field(default=1, ge=1)
    per_group_per_minute: int = Field(default=20, ge=1)
    bulk_per_second: int = Field(default=30, ge=1)

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's setWebhook rule for secret_token.
        secret = value.get_secret_value() if value is not None else None
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError("must be 1-256 characters: A-Z, a-z, 0-9, _ and -")
        return value


class MessengerPage(BaseModel):
    """One Facebook page served by this deployment."""

    model_config = ConfigDict(extra="forbid")  # a misspelled key is an error, not ignored

    page_id: str
    access_token: SecretStr


class MessengerSettings(BaseModel):
    """Messenger channel: enabled when an app secret and at least one page are set."""

    model_config = ConfigDict(extra="forbid")  # a misspelled key is an error, not ignored

    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None
    graph_base: str = "https://graph.facebook.com/v21.0"
    pages: list[MessengerPage] = Field(default_factory=list)
    # Meta allows 300 Send API calls a second per page (250 leaves room for split texts) and
    # publishes no per-thread figure, only that busy threads get limited: bursts of 5, 1/s.
    page_sends_per_second: int = Field(default=250, ge=1)
    thread_sends: int = Field(default=5, ge=1)
    thread_period_seconds: float = Field(default=5.0, gt=0)


class NluSettings(BaseModel):
    """Which NLU backend answers and where its model lives."""

    model_config = ConfigDict(extra="forbid")  # a misspelled key is an error, not ignored

    backend: Literal["local", "rasa"] = "local"
    model_dir: Path = Path("var/nlu")
    rasa_url: str | None = None
    rasa_token: SecretStr | None = None
    rasa_timeout: float = 3.0
    embeddings: bool = False
    """Add sentence embeddings to the local model (needs the ``embeddings`` extra)."""
    encoder: Literal["e5", "minilm"] = "e5"
    """Which sentence encoder: ``e5`` (multilingual, extra ``embeddings``) or ``minilm``
    (English only, extra ``embeddings-minilm``). Setting it switches embeddings on unless
    ``embeddings`` is set to false as well."""
    onnx_cache: Path | None = None
    """Where the embeddings' ONNX file is cached (default ``~/.cache/sarafan/onnx``)."""


class Settings(BaseSettings):
    """Everything Sarafan reads at start-up; `SARAFAN_` env vars, `.env`, `sarafan.yml`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
    )

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///var/sarafan.sqlite3"
    database_pool: int | None = Field(default=None, ge=1, le=500)
    """Database connections one process keeps open; unset: 20 on PostgreSQL, 5 on SQLite.
    Web-chat long-polls, webhooks and the workers each borrow one for a moment; beyond this
    many at once up to as many again are opened and closed after use, and on PostgreSQL
    opening one costs a connection set-up on both sides (with 5, bench/e2e's web chat spent
    ~11% of the bot's CPU connecting). SQLite writes one transaction at a time and each of
    its connections is a thread with its own page cache: 20 measured ~20 MB more RSS and no
    faster. Two processes on PostgreSQL use up to four times this of its
    ``max_connections`` (100 by default)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    default_language: Language = "en"
    content_dir: Path | None = None
    content_errors: Literal["fail", "warn"] = "fail"
    """A knowledge-base problem stops start-up (``fail``) or is logged as a warning (``warn``)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_message_texts: bool = False
    """At DEBUG, whether customers' message texts may appear in the log (off: personal data)."""
    retention_days: int = Field(default=30, ge=1, le=3650)
    """Days to keep done/sent inbox and outbox rows and finished scheduler jobs."""
    workers: int = Field(default=32, ge=1, le=64)
    """How many chats one process works on at once (each chat stays strictly in order); a
    group of this many turns (at most 32) shares one transaction and one commit, so larger
    groups spread the commit and the preloading over more turns (bench/e2e: 8 -> 32 took
    SQLite from ~90 to ~140 updates/s and PostgreSQL from 61 to 141)."""
    handoff_quiet_minutes: int = Field(default=15, ge=0, le=10080)
    """Minutes a ticket may wait without an operator's reply before the bot offers to answer
    again (0: never offer)."""
    webchat_chat_limit: int = Field(default=20, ge=1)
    """Web chat messages one chat may post per ``webchat_limit_seconds`` (then 429)."""
    webchat_ip_limit: int = Field(default=60, ge=1)
    """Web chat messages one client address may post per ``webchat_limit_seconds`` (then 429)."""
    webchat_limit_seconds: float = Field(default=10.0, gt=0, le=3600)
    webchat_secret: SecretStr | None = Field(default=None, min_length=32)
    """Signs the web chat's ids; unset: one generated at random and kept in the database."""
    webchat_frame_ancestors: str = Field(default="'self'", pattern=FRAME_ANCESTORS)
    """The sites that may embed the web chat, as CSP ``frame-ancestors`` sources
    (``'self' https://brand.example``); ``'none'`` forbids embedding."""
    lease_seconds: float = Field(default=10.0, ge=1.0, le=600.0)
    """How long an inbox/outbox claim outlives a worker that died holding it; renewed every
    third of it while the worker lives, so it bounds the stall after a crash, not a turn."""
    worker_id: str | None = Field(default=None, min_length=1, max_length=128)
    """This process's identity for its claims (default: host name and port); a process
    restarted with the same one takes back its dead run's claims at once."""
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    messenger: MessengerSettings = Field(default_factory=MessengerSettings)
    nlu: NluSettings = Field(default_factory=NluSettings)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://"):
            return "postgresql+asyncpg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://HOST/DB")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Env beats `.env` beats the YAML file named by SARAFAN_CONFIG (or ./sarafan.yml)."""
        yaml_file = os.environ.get("SARAFAN_CONFIG", "sarafan.yml")
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file)
        dotenv = _OwnKeysOnly(dotenv_settings)
        return (init_settings, env_settings, dotenv, yaml_source, file_secret_settings)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Like pydantic's, with the database password masked (SecretStr masks the rest)."""
        for name, value in super().__repr_args__():
            yield name, (masked_url(value) if name == "database_url" else value)


class _OwnKeysOnly(PydanticBaseSettingsSource):
    """`.env` is shared with other tools: ignore its variables that are not ``SARAFAN_*``."""

    def __init__(self, inner: PydanticBaseSettingsSource) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` delegates to the wrapped source."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        fields = self.settings_cls.model_fields
        return {key: value for key, value in self.inner().items()
                if key in fields or key.lower().startswith(ENV_PREFIX.lower())}


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


class ConfigError(Exception):
    """A setting has a wrong value; the message is one line naming the setting."""


def _telegram_env() -> dict[str, Any]:
    """Accept the conventional TELEGRAM_BOT_TOKEN alongside SARAFAN_TELEGRAM__BOT_TOKEN."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN")
    return {"bot_token": token} if token else {}


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning a validation error into one clear line per setting."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(f"config file {_yaml_name()} is not valid YAML: {problem}") from None
    except ValueError as exc:  # pydantic-settings' SettingsError, or a YAML file that is a list
        raise ConfigError(f"{_yaml_name()} or SARAFAN_* variables: {exc}") from None
    extra = _telegram_env()
    if extra and settings.telegram.bot_token is None:
        token = SecretStr(extra["bot_token"])
        settings.telegram = settings.telegram.model_copy(update={"bot_token": token})
    return settings


NOT_SETTINGS = ("SARAFAN_CONFIG", "SARAFAN_TEST_")
"""``SARAFAN_*`` variables that are not settings: the YAML file's path, the test suite's own."""


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """``SARAFAN_*`` variables that name no setting (a typo is otherwise silently ignored),
    each said in a sentence with the closest real name when there is one."""
    known = _setting_names(Settings, ENV_PREFIX)
    found = []
    for name in sorted(environ if environ is not None else os.environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(NOT_SETTINGS) or upper in known:
            continue
        if any(upper.startswith(prefix + "__") for prefix in known):
            continue  # inside a setting pydantic checks itself (a wrong nested key is an error)
        bare = [k.removeprefix(ENV_PREFIX) for k in known]
        close = difflib.get_close_matches(upper.removeprefix(ENV_PREFIX), bare, n=1)
        hint = f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else ""
        found.append(f"{name} is not a Sarafan setting{hint}; ignored")
    return found


def _setting_names(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for field_name, info in model.model_fields.items():
        name = prefix + field_name.upper()
        names.append(name)
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += _setting_names(kind, name + "__")
    return names


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret in ``settings`` (SecretStr fields, the database password), to mask in logs."""
    found: list[str] = []
    for name in type(settings).model_fields:
        found += _secrets_in(getattr(settings, name))
    password = make_url(settings.database_url).password if isinstance(settings, Settings) else None
    return [*found, str(password)] if password else found


def _secrets_in(value: object) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, BaseModel):
        return secret_values(value)
    if isinstance(value, list):
        return [secret for item in value for secret in _secrets_in(item)]
    return []


def _yaml_name() -> str:
    return os.environ.get("SARAFAN_CONFIG", "sarafan.yml")


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        path = "__".join(str(p) for p in error["loc"]).upper()
        name = path if path.startswith(ENV_PREFIX) else ENV_PREFIX + path
        value = error.get("input")
        private = any(word in name for word in SENSITIVE) or isinstance(value, dict | list)
        shown = "" if private else f" (got {value!r})"
        message = ("unknown setting (misspelled?)" if error["type"] == "extra_forbidden"
                   else error["msg"])
        parts.append(f"setting {name}: {message}{shown}")
    return "; ".join(parts)
