"""Templates, the dashboard's language and number/date formatting for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request

from bot.dashboard.texts import LABELS
from bot.i18n import NATIVE_NAMES, gettext, is_rtl

HERE = Path(__file__).parent
LANGUAGES = ("en", "ru", "fa", "bg", "el")
"""The dashboard's own texts exist in these (bot/locales/dashboard/)."""
ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def negotiate(preferred: str | None, accept_language: str) -> str:
    """The user's own choice, else the browser's best supported language, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for quality, _, code in sorted(ranked):
        if quality < 0 and code in LANGUAGES:
            return code
    return "en"


class Formats:
    """Numbers, dates and durations written the way ``language`` writes them."""

    def __init__(self, language: str) -> None:
        self.language = language

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """A number with the locale's separators; a dash when unknown."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.language)

    def percent(self, value: float | None) -> str:
        """A share (0..1) as a percentage."""
        return "—" if value is None else format_percent(value, locale=self.language)

    def when(self, value: datetime | None) -> str:
        """A moment, short, in UTC."""
        if value is None:
            return "—"
        return format_datetime(value, "d MMM y, HH:mm", tzinfo=UTC, locale=self.language)

    def took(self, value: timedelta | None) -> str:
        """A duration, rounded the way people say it (“3 hours”)."""
        if value is None:
            return "—"
        return format_timedelta(value, threshold=1.1, locale=self.language)

    def seconds(self, value: float | None) -> str:
        """A number of seconds as a duration."""
        return self.took(None if value is None else timedelta(seconds=value))


def label(language: str, value: str) -> str:
    """How a stored value (status, role, reason …) is shown in ``language``."""
    return gettext(language, LABELS.get(value) or value)


def render(template: str, *, language: str, request: Request, **values: Any) -> str:
    """``template`` filled in ``language``; every template gets ``_``, ``fmt`` and ``dir``."""
    context = {
        "_": partial(gettext, language),
        "lang": language,
        "dir": "rtl" if is_rtl(language) else "ltr",
        "fmt": Formats(language),
        "path": request.url.path,
        "languages": NATIVE_NAMES,
        "label": partial(label, language),
        **values,
    }
    return ENV.get_template(template).render(context)
