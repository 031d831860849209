"""Built-in extractors: email, URL, phone number (via ``phonenumbers``), order id, number."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import phonenumbers

from nlu.types import Entity

EXTRACTOR = "builtin"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]", re.IGNORECASE)
# Order-like ids: "#48213", "ORD-2024-0042", "AB123456"; at least four digits so that
# quantities ("2 items") stay numbers.
_ORDER_ID = re.compile(r"(?<![\w@])(?:#\d{3,}|[A-Za-z]{1,5}-?\d{4,}(?:-\d+)*|\d{4,}-\d{2,})\b")
_ORDER_WORD = re.compile(
    r"(?:order|заказ|поръчк|سفارش|παραγγελ)\w*\s*(?:no\.?|number|номер|№|#|شماره|αρ\.?)?\s*"
    r"(?P<id>\d{5,})\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)?(?![\w])")
# Where a phone number is most likely written without a +country prefix.
_REGIONS = {"en": "US", "ru": "RU", "bg": "BG", "fa": "IR", "el": "GR"}


def extract_builtin(text: str, language: str | None) -> list[Entity]:
    """All built-in entities, longest first where they overlap."""
    ascii_digits = _ascii_digits(text)
    found = [
        *_regex(_EMAIL, ascii_digits, "email"),
        *_regex(_URL, ascii_digits, "url"),
        *_phones(ascii_digits, language),
        *_regex(_ORDER_ID, ascii_digits, "order_id"),
        *_order_after_keyword(ascii_digits),
        *_numbers(ascii_digits),
    ]
    return drop_overlaps(found)


def drop_overlaps(entities: list[Entity]) -> list[Entity]:
    """Keep the earliest-listed entity of any overlapping group (callers list by priority)."""
    kept: list[Entity] = []
    for entity in entities:
        if all(entity.end <= other.start or entity.start >= other.end for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda entity: entity.start)


def _ascii_digits(text: str) -> str:
    """Map Persian/Arabic-Indic digits to ASCII so offsets stay the same and regexes match."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)


def _regex(pattern: re.Pattern[str], text: str, name: str) -> Iterator[Entity]:
    """Every match of ``pattern`` as an entity named ``name``."""
    for match in pattern.finditer(text):
        yield Entity(name, match.group(0).lstrip("#"), match.start(), match.end(), EXTRACTOR)


def _order_after_keyword(text: str) -> Iterator[Entity]:
    """A bare long number right after "order"/"заказ"/... is an order id, not a quantity."""
    for match in _ORDER_WORD.finditer(text):
        yield Entity("order_id", match["id"], match.start("id"), match.end("id"), EXTRACTOR)


def _phones(text: str, language: str | None) -> Iterator[Entity]:
    """International numbers anywhere; national ones for the region of the language."""
    region = _REGIONS.get(language or "", "ZZ")
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        yield Entity("phone_number", value, match.start, match.end, EXTRACTOR)


def _numbers(text: str) -> Iterator[Entity]:
    """Integers and decimals; a decimal comma is read as a point."""
    for match in _NUMBER.finditer(text):
        value = match.group(0).replace(",", ".").lstrip("+")
        yield Entity("number", value, match.start(), match.end(), EXTRACTOR)
