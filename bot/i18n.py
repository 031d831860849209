"""Bot texts from gettext catalogs, one per feature and language: `locales/<domain>/<lang>.po`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
RTL_LANGUAGES = frozenset({"fa", "ar", "he", "ur"})
NATIVE_NAMES = {
    "en": "English", "ru": "Русский", "fa": "فارسی", "bg": "Български", "el": "Ελληνικά",
}


@cache
def _catalog(language: str) -> dict[str, str]:
    """Every domain's translations for ``language`` merged; feature catalogs never collide."""
    merged: dict[str, str] = {}
    for path in sorted(LOCALES.glob(f"*/{language}.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        merged.update({str(m.id): str(m.string) for m in catalog if m.string and not m.fuzzy})
    return merged


def available() -> tuple[str, ...]:
    """Languages that have at least one catalog."""
    return tuple(sorted({p.stem for p in LOCALES.glob("*/*.po")}))


def has(language: str, msgid: str) -> bool:
    """Whether ``language`` translates ``msgid``."""
    return msgid in _catalog(language)


def gettext(language: str, msgid: str, **values: object) -> str:
    """``msgid`` in ``language`` (English source text when untranslated), formatted."""
    text = _catalog(language).get(msgid, msgid)
    return text.format(**values) if values else text


def N_(msgid: str) -> str:
    """Mark a msgid kept in a constant so extraction finds it; returns it unchanged."""
    return msgid


def is_rtl(language: str) -> bool:
    """Whether the language is written right to left."""
    return language in RTL_LANGUAGES
