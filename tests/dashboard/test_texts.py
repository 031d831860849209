"""The dashboard's own texts (templates included, which the bot-wide check cannot read) exist
in every language, and its pages follow the reader's language and direction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import LANGUAGES
from bot.dashboard.render import HERE, Formats, negotiate
from bot.dashboard.texts import LABELS
from bot.i18n import has

CALL = re.compile(r"""_\(\s*(["'])((?:(?!\1).)+)\1""")
MACRO = re.compile(r"""kpi\(\s*"([^"]+)\"""")
NOTICES = re.compile(r"""\{% set notices = (\{.*?\}) %\}""")


def template_msgids() -> dict[str, str]:
    """Every literal text a template translates, with the template using it."""
    found: dict[str, str] = {}
    for path in sorted((HERE / "templates").glob("*.html")):
        source = path.read_text("utf-8")
        for match in CALL.finditer(source):
            found.setdefault(match.group(2), path.name)
        for match in MACRO.finditer(source):
            found.setdefault(match.group(1), path.name)
        for match in NOTICES.finditer(source):
            for text in re.findall(r'": "([^"]+)"', match.group(1)):
                found.setdefault(text, path.name)
    return found


def test_the_scan_finds_the_templates_texts() -> None:
    found = template_msgids()
    assert {"Sign in to the dashboard", "Open tickets", "Saved."} <= set(found)
    assert len(found) > 120


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_dashboard_text_is_translated(language: str) -> None:
    wanted = {**template_msgids(), **{msgid: "texts.py" for msgid in LABELS.values()}}
    missing = sorted(f"{msgid!r} ({where})" for msgid, where in wanted.items()
                     if not has(language, msgid))
    assert not missing, f"bot/locales/dashboard/{language}.po lacks:\n  " + "\n  ".join(missing)


@pytest.mark.parametrize(("preferred", "header", "expected"), [
    (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"), (None, "de-DE,fa;q=0.5", "fa"),
    (None, "", "en"), (None, "xx, *;q=0.1", "en"), ("bg", "ru", "bg"), ("zz", "el", "el"),
    (None, "en;q=0.2, ru;q=0.9", "ru"), (None, "ru;q=abc", "en"),
])
def test_language_negotiation(preferred: str | None, header: str, expected: str) -> None:
    assert negotiate(preferred, header) == expected


def test_numbers_and_durations_follow_the_language() -> None:
    from datetime import timedelta
    assert Formats("ru").number(12345) == "12\xa0345"
    assert Formats("en").took(timedelta(minutes=59)) == "59 minutes"
    assert Formats("fa").number(None) == "—"


def test_templates_have_no_inline_script_or_style() -> None:
    for path in Path(HERE / "templates").glob("*.html"):
        source = path.read_text("utf-8")
        assert "<script" not in source and "style=" not in source, path.name
