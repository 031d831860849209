"""Logging for the CLI: one line per record, and secret values never reach the output."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "**********"


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a record (message, arguments, traceback)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another one is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; rewrites it when it holds a secret."""
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self._redact(message), None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


TEXT_LOGGERS = {"aiosqlite": logging.INFO, "asyncpg": logging.INFO, "aiogram": logging.INFO,
                "httpcore": logging.INFO, "httpx": logging.INFO, "hpack": logging.INFO,
                "sqlalchemy.engine": logging.WARNING}
"""Libraries whose DEBUG lines carry message texts (SQL parameters, request bodies), and the
level that keeps them out (SQLAlchemy prints every statement with its parameters at INFO)."""
QUIET_AT_INFO = ("alembic",)
"""Libraries that talk at INFO about routine work (a migration at every start)."""


def configure_logging(level: str, secrets: Iterable[str], *, message_texts: bool = False) -> None:
    """Log to stderr at ``level``; every handler masks ``secrets``.

    Customers' message texts are personal data: at DEBUG they stay out of the log (the
    libraries that would print them are held at INFO) unless ``message_texts`` allows them.
    Records of uvicorn and every other library reach the root handlers, so masking covers them.
    """
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    debug = logging.getLevelName(level) <= logging.DEBUG
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)
    for name, quiet in TEXT_LOGGERS.items():
        logging.getLogger(name).setLevel(logging.NOTSET if message_texts else quiet)
