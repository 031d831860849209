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


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at ``level``; every handler masks ``secrets``."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
