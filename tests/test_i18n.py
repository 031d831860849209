"""Every bot text is translated: msgids found by Babel's extractor vs. `locales/*/<lang>.po`."""

from __future__ import annotations

import re
import string
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import LANGUAGES
from bot.i18n import LOCALES

BOT = Path(__file__).parents[1] / "bot"
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "gettext": (2,),  # bot.i18n.gettext(language, msgid, **values)
    "text": (2,),  # bot.engine.replies.text(turn, msgid, **values)
    "reply": (2,),  # bot.engine.replies.reply(turn, msgid, ...)
    "say": (2,),  # bot.engine.replies.say(turn, msgid, ...)
    "command": (3,),  # Registry.command(name, handler, help_msgid)
    "N_": None,  # bot.i18n.N_(msgid): a msgid kept in a constant
}
"""Our translating helpers and where their msgid argument sits; add yours here."""

SCRIPTS = {
    "ru": re.compile(r"[\u0400-\u04FF]"),
    "bg": re.compile(r"[\u0400-\u04FF]"),
    "el": re.compile(r"[\u0370-\u03FF\u1F00-\u1FFF]"),
    "fa": re.compile(r"[\u0600-\u06FF]"),
}
"""A translation must be written in its language's script (catches English pasted as-is)."""

CATALOGS = sorted(LOCALES.glob("*/*.po"))
DOMAINS = sorted({path.parent.name for path in CATALOGS})


@cache
def used_msgids() -> dict[str, list[str]]:
    """Each msgid the bot's code passes to a translating helper, with where it is used."""
    found: dict[str, list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        BOT, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid and msgid.strip():
                found[msgid].append(f"bot/{filename}:{lineno}")
    return dict(found)


@cache
def catalog(path: Path) -> Catalog:
    """One .po file, parsed strictly: a syntax error raises instead of dropping the entry."""
    with path.open("rb") as handle:
        return read_po(handle, locale=path.stem, abort_invalid=True)


def translations(language: str) -> dict[str, str]:
    """Every usable (non-empty, non-fuzzy) translation of ``language`` across all domains."""
    merged: dict[str, str] = {}
    for path in LOCALES.glob(f"*/{language}.po"):
        merged.update({str(m.id): str(m.string) for m in catalog(path)
                       if m.id and m.string and not m.fuzzy})
    return merged


def fields(text: str) -> set[str]:
    """The ``{placeholder}`` names of a str.format template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_extractor_sees_the_core_texts() -> None:
    used = used_msgids()
    assert "Choose your language:" in used  # say(...)
    assert "start over" in used  # registry.command(..., help_msgid)
    assert any(msgid.startswith("Sorry, something went wrong") for msgid in used)  # N_(...)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_catalog_parses_and_is_one_of_our_languages(path: Path) -> None:
    parsed = catalog(path)
    assert path.stem in LANGUAGES, f"{path}: not one of our languages {LANGUAGES}"
    fuzzy = [str(m.id) for m in parsed if m.id and m.fuzzy]
    assert not fuzzy, f"{path}: fuzzy entries are ignored at runtime; review them: {fuzzy}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_has_all_languages(domain: str) -> None:
    missing = [lang for lang in LANGUAGES if not (LOCALES / domain / f"{lang}.po").is_file()]
    assert not missing, f"bot/locales/{domain}/ lacks {', '.join(f'{m}.po' for m in missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_msgid_is_translated(language: str) -> None:
    have = translations(language)
    missing = {msgid: where for msgid, where in used_msgids().items() if msgid not in have}
    listing = "\n".join(f"  {msgid!r}  (used at {', '.join(where)})"
                        for msgid, where in sorted(missing.items()))
    assert not missing, (
        f"{len(missing)} text(s) have no {language} translation in bot/locales/*/{language}.po "
        f"(see bot/locales/README.md):\n{listing}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_domains_agree_on_shared_msgids(language: str) -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted(LOCALES.glob(f"*/{language}.po")):
        for message in catalog(path):
            msgid, msgstr = str(message.id), str(message.string)
            if not message.id or not msgstr:
                continue
            domain, earlier = seen.setdefault(msgid, (path.parent.name, msgstr))
            if earlier != msgstr:
                clashes.append(f"{msgid!r}: {domain} and {path.parent.name} differ")
    assert not clashes, "in the merged catalog one silently wins:\n  " + "\n  ".join(clashes)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_placeholders_match(path: Path) -> None:
    wrong = []
    for message in catalog(path):
        msgid, msgstr = str(message.id), str(message.string)
        if not message.id or not msgstr:
            continue
        try:
            msgstr.format(**dict.fromkeys(fields(msgid), "x"))
        except (KeyError, IndexError, ValueError) as exc:
            wrong.append(f"{msgid!r}: translation does not format ({exc!r})")
            continue
        if fields(msgid) != fields(msgstr):
            wrong.append(f"{msgid!r}: {sorted(fields(msgid))} vs {sorted(fields(msgstr))}")
    assert not wrong, f"{path}: placeholders differ:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("path", [p for p in CATALOGS if p.stem in SCRIPTS],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_translations_use_their_script(path: Path) -> None:
    script = SCRIPTS[path.stem]
    english = [str(m.id) for m in catalog(path) if m.id and m.string
               and re.search("[A-Za-z]", _without_fields(str(m.id)))
               and not script.search(_without_fields(str(m.string)))]
    assert not english, f"{path}: these look untranslated: {english}"


def _without_fields(text: str) -> str:
    return re.sub(r"\{[^{}]*\}|/\w+", "", text)
