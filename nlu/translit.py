"""Latin transliterations of Russian, Bulgarian and Greek, as customers type them.

People without a Cyrillic or Greek keyboard write "privet", "kude e porachkata" or
"pou einai i paraggelia" (Greeklish). Language identification learns these spellings from
the shipped Cyrillic and Greek text, transliterated here in the common variants.
"""

from __future__ import annotations

_COMMON_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "ь": "", "ю": "yu", "я": "ya",
}  # fmt: skip
_RUSSIAN = {**_COMMON_CYRILLIC, "щ": "sch", "ъ": "", "ы": "y", "э": "e"}
_BULGARIAN = {**_COMMON_CYRILLIC, "щ": "sht", "ъ": "a", "ь": "y", "ѝ": "i"}
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "ks", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "u", "φ": "f", "χ": "x", "ψ": "ps",
    "ω": "o", "ά": "a", "έ": "e", "ή": "i", "ί": "i", "ό": "o", "ύ": "u", "ώ": "o",
    "ϊ": "i", "ΐ": "i", "ϋ": "u", "ΰ": "u",
}  # fmt: skip
# Second spellings seen as often as the first ("kh", "u" for ъ, "8" for θ, "w" for ω).
_VARIANTS = {
    "ru": {"х": "kh", "ы": "i", "й": "i", "ц": "c", "я": "ia"},
    "bg": {"ъ": "u", "х": "h", "ц": "c", "я": "q", "ж": "j"},
    "el": {"θ": "8", "ω": "w", "χ": "h", "υ": "y", "ξ": "x", "η": "h"},
}
_TABLES = {"ru": _RUSSIAN, "bg": _BULGARIAN, "el": _GREEK}
LANGUAGES = tuple(_TABLES)
"""Languages whose Latin spellings are learned."""


def transliterations(text: str, language: str) -> list[str]:
    """The common Latin spelling of ``text`` and a variant spelling."""
    table = _TABLES[language]
    variant = {**table, **_VARIANTS[language]}
    lower = text.lower()
    return [
        "".join(table.get(ch, ch) for ch in lower),
        "".join(variant.get(ch, ch) for ch in lower),
    ]
