"""Questions, pure: show one as a chat message with buttons, read a typed or tapped answer.

No I/O and no engine state here, so other features reuse it (the beta campaigns' screeners).
Stable API:

- :func:`load_questions` ``(data, default_language="en") -> tuple[Question, ...]``: validate a
  list of question mappings (as read from YAML); raises ``pydantic.ValidationError``.
- :func:`render` ``(question, language, default_language, *, prefix, picked=(), progress=None,
  values=None) -> Reply``: the question's text (piped ``{values}``), a hint, and buttons whose
  payloads are ``prefix + token`` (keep ``prefix`` ≤ 40 bytes: payloads must fit 64 bytes).
- :func:`parse_button` ``(question, token, picked=()) -> Answer | Toggle | Invalid | None``:
  a tapped button's token (``None``: not a token of this question).
- :func:`parse_text` ``(question, text, language, default_language, picked=()) -> Answer |
  Toggle | Invalid``: a typed answer — an option's number, label (any language) or id; a
  number; an e-mail, phone or date; free text within its length limits.
- :func:`shown` ``(question, value, language, default_language) -> str``: a stored value
  as the customer reads it.
- :class:`Answer` (``value``, ``option_ids``, ``display``), :class:`Invalid` (``msgid`` +
  ``values``: translate with ``bot.i18n.gettext(language, msgid, **values)``), :class:`Toggle`.

Answer values are JSON-ready: an option id (single, yes/no), a list of option ids (multiple),
an int (rating, NPS, CSAT), an int or float (number), a string (text, e-mail, E.164 phone,
ISO date).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import phonenumbers
from pydantic import TypeAdapter

from bot.i18n import N_, gettext, is_rtl
from bot.messages import Button, Reply
from bot.surveys.model import (
    Csat,
    DateQuestion,
    Email,
    FreeText,
    MultipleChoice,
    Nps,
    Number,
    Option,
    Phone,
    Question,
    Rating,
    SingleChoice,
    Texts,
    YesNo,
)

_QUESTIONS: TypeAdapter[tuple[Question, ...]] = TypeAdapter(tuple[Question, ...])
SKIP, DONE, YES, NO = "s", "d", "y", "n"
"""Button tokens that are not option numbers or scale values."""
TICK = "✓ "
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "да", "ага", "بله", "آره", "اره", "ναι",
                       "ok", "sure"})
NO_WORDS = frozenset({"no", "n", "nope", "нет", "не", "خیر", "نه", "όχι", "οχι"})
CSAT_FACES = ("😠", "😟", "😐", "😊", "😍")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")

HINTS = {
    "single": N_("Tap an answer or type its number."),
    "multiple": N_("Tap every answer that fits, then “Done”."),
    "yes_no": N_("Tap Yes or No."),
    "text": N_("Type your answer."),
    "email": N_("Type your e-mail address."),
    "phone": N_("Type your phone number with the country code, e.g. +44 20 7946 0958."),
    "date": N_("Type a date as YYYY-MM-DD, e.g. 2026-12-31."),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A valid answer; ``option_ids`` are what results count across languages."""

    value: Any
    option_ids: tuple[str, ...] = ()
    display: str = ""
    """How the answer reads when piped into a later question."""


@dataclass(frozen=True, slots=True)
class Toggle:
    """A multiple-choice tick changed; ``picked`` is the new selection, not yet final."""

    picked: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why an answer was refused: a msgid and its placeholder values."""

    msgid: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: str) -> str:
        """The reason in ``language``."""
        return gettext(language, self.msgid, **self.values)


def load_questions(data: object, default_language: str = "en") -> tuple[Question, ...]:
    """Validate question mappings (a list read from YAML); plain-string texts are
    ``default_language``."""
    questions = _QUESTIONS.validate_python(data)
    return tuple(_bind(q, default_language) for q in questions)


def _bind(question: Question, language: str) -> Question:
    updates: dict[str, object] = {}
    for name in type(question).model_fields:
        value = getattr(question, name)
        if isinstance(value, Texts):
            updates[name] = value.with_default(language)
        elif name == "options":
            updates[name] = tuple(o.model_copy(update={"label": o.label.with_default(language)})
                                  for o in value)
    return question.model_copy(update=updates)


def local(texts: Texts, language: str, default_language: str) -> tuple[str, bool]:
    """``(text, fell back)``: the text in ``language``, else the default language."""
    value, code = texts.get(language, default_language)
    return value, code != language


def label(option: Option, language: str, default_language: str) -> str:
    """An option's label in ``language`` (default language when missing)."""
    return local(option.label, language, default_language)[0]


def scale(question: Question) -> tuple[int, int] | None:
    """The button range of a rating/NPS/CSAT question."""
    if isinstance(question, Rating):
        return 1, question.scale
    if isinstance(question, Nps):
        return 0, 10
    if isinstance(question, Csat):
        return 1, 5
    return None


def pipe(template: str, values: Mapping[str, str] | None) -> str:
    """``{name}`` replaced by ``values[name]``; unknown names stay as written."""
    if not values:
        return template
    return re.sub(r"\{([a-z][a-z0-9_]*)\}",
                  lambda m: values.get(m.group(1), m.group(0)), template)


def buttons(question: Question, language: str, default_language: str, prefix: str,
            picked: Sequence[str] = ()) -> tuple[Button, ...]:
    """The buttons for ``question``: payloads ``prefix + token``."""
    found: list[Button] = []
    if isinstance(question, SingleChoice | MultipleChoice):
        for number, option in enumerate(question.options, 1):
            mark = TICK if option.id in picked else ""
            found.append(Button(f"{mark}{label(option, language, default_language)}",
                                f"{prefix}{number}"))
        if isinstance(question, MultipleChoice):
            found.append(Button(gettext(language, "Done ✔"), f"{prefix}{DONE}"))
    elif isinstance(question, YesNo):
        found += [Button(gettext(language, "Yes"), f"{prefix}{YES}"),
                  Button(gettext(language, "No"), f"{prefix}{NO}")]
    elif (bounds := scale(question)) is not None:
        low, high = bounds
        for value in range(low, high + 1):
            title = f"{CSAT_FACES[value - 1]} {value}" if isinstance(question, Csat) else str(value)
            found.append(Button(title, f"{prefix}{value}"))
    if not question.required:
        found.append(Button(gettext(language, "Skip"), f"{prefix}{SKIP}"))
    return tuple(found)


def hint(question: Question, language: str, default_language: str) -> str:
    """One line telling how to answer."""
    if isinstance(question, Rating | Nps):
        low, high = scale(question) or (0, 0)
        ends = _ends(question, language, default_language)
        return gettext(language, "Tap a number from {low} to {high}.", low=low, high=high) + ends
    if isinstance(question, Csat):
        return gettext(language, "1 = very unsatisfied, 5 = very satisfied.")
    if isinstance(question, Number):
        if question.min is not None and question.max is not None:
            return gettext(language, "Type a number from {low} to {high}.",
                           low=_num(question.min), high=_num(question.max))
        return gettext(language, "Type a number.")
    if isinstance(question, MultipleChoice) and question.max_picks:
        return gettext(language, "Tap up to {count} answers, then “Done”.",
                       count=question.max_picks)
    return gettext(language, HINTS.get(question.type, HINTS["text"]))


def _ends(question: Rating | Nps, language: str, default_language: str) -> str:
    if question.low_label is None or question.high_label is None:
        return ""
    low, high = scale(question) or (0, 0)
    return (f" {low} = {local(question.low_label, language, default_language)[0]}, "
            f"{high} = {local(question.high_label, language, default_language)[0]}.")


def render(question: Question, language: str, default_language: str, *, prefix: str,
           picked: Sequence[str] = (), progress: str | None = None,
           values: Mapping[str, str] | None = None) -> Reply:
    """The question as one message: progress, text (piped), a hint; buttons where they fit."""
    body, fell_back = local(question.text, language, default_language)
    lines = [f"{progress} · {pipe(body, values)}" if progress else pipe(body, values)]
    if isinstance(question, MultipleChoice) and picked and isinstance(question, MultipleChoice):
        chosen = [label(o, language, default_language) for o in question.options
                  if o.id in picked]
        lines.append(gettext(language, "Selected: {answers}", answers=_join(chosen, language)))
    lines.append(f"({hint(question, language, default_language)})")
    if not question.required:
        mark = "\u200e" if is_rtl(language) else ""
        lines[-1] += " " + gettext(language, "Optional: {mark}/skip", mark=mark)
    if fell_back:
        lines.append(gettext(language, "(This question is only available in another "
                                       "language.)"))
    return Reply("\n".join(lines), buttons=buttons(question, language, default_language, prefix,
                                                    picked), language=language)


def parse_button(question: Question, token: str, picked: Sequence[str] = ()
                 ) -> Answer | Toggle | Invalid | None:
    """A tapped button's token; ``None`` when it is no token of this question."""
    if token == SKIP:
        return None if question.required else Answer(None, (), "")
    if isinstance(question, MultipleChoice):
        if token == DONE:
            return _finish_multi(question, picked)
        option = _nth(question.options, token)
        return None if option is None else _toggle(question, picked, option.id)
    if isinstance(question, SingleChoice):
        option = _nth(question.options, token)
        return None if option is None else _option_answer(option)
    if isinstance(question, YesNo) and token in (YES, NO):
        return _yes_no(token == YES)
    bounds = scale(question)
    if bounds is not None and token.isdigit() and bounds[0] <= int(token) <= bounds[1]:
        return Answer(int(token), (), token)
    return None


def parse_text(question: Question, text: str, language: str, default_language: str,
               picked: Sequence[str] = ()) -> Answer | Toggle | Invalid:
    """A typed answer, validated; :class:`Invalid` says why it was refused."""
    cleaned = _digits(text.strip())
    if isinstance(question, FreeText):
        return _free_text(question, text.strip())
    if not cleaned:
        return Invalid(N_("Your message looks empty. Please answer the question."))
    if isinstance(question, SingleChoice | MultipleChoice):
        return _choice(question, cleaned, language, default_language, picked)
    if isinstance(question, YesNo):
        word = cleaned.casefold().strip(" .!")
        if word in YES_WORDS:
            return _yes_no(True)
        if word in NO_WORDS:
            return _yes_no(False)
        return Invalid(N_("Please tap Yes or No."))
    if (bounds := scale(question)) is not None:
        return _scale(cleaned, *bounds)
    if isinstance(question, Number):
        return _number(question, cleaned)
    if isinstance(question, Email):
        address = cleaned.strip().strip("<>").lower()
        if len(address) <= 254 and EMAIL.match(address):
            return Answer(address, (), address)
        return Invalid(N_("That does not look like an e-mail address. Please check it, e.g. "
                          "name@example.com."))
    if isinstance(question, Phone):
        return _phone(question, cleaned)
    if isinstance(question, DateQuestion):
        return _date(question, cleaned)
    return Invalid(N_("Please tap one of the buttons."))


def _digits(text: str) -> str:
    """Persian, Arabic and other decimal digits as ASCII, so "۹" reads as 9."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c
                   for c in text)


def _nth(options: tuple[Option, ...], token: str) -> Option | None:
    if token.isdigit() and 1 <= int(token) <= len(options):
        return options[int(token) - 1]
    return None


def _option_answer(option: Option) -> Answer:
    return Answer(option.id, (option.id,), option.id)


def _yes_no(yes: bool) -> Answer:
    return Answer("yes" if yes else "no", ("yes" if yes else "no",), "yes" if yes else "no")


def _find_option(options: tuple[Option, ...], word: str, language: str,
                 default_language: str) -> Option | None:
    word = word.strip(" .,;!").casefold()
    if not word:
        return None
    if word.isdigit():
        return _nth(options, word)
    for option in options:
        if word == label(option, language, default_language).casefold():
            return option
    for option in options:  # a label in another of the survey's languages, or the id
        if word == option.id or word in (v.casefold() for v in option.label.values.values()):
            return option
    return None


def _choice(question: SingleChoice | MultipleChoice, text: str, language: str,
            default_language: str, picked: Sequence[str]) -> Answer | Toggle | Invalid:
    count = len(question.options)
    if isinstance(question, SingleChoice):
        option = _find_option(question.options, text, language, default_language)
        if option is None:
            return Invalid(N_("Please tap one of the answers, or type its number from 1 to "
                              "{count}."), {"count": count})
        return _option_answer(option)
    if text.casefold().strip(" .!") in ("done", "готово", "تمام", "готово.", "έτοιμο"):
        return _finish_multi(question, picked)
    found: list[str] = []
    for word in re.split(r"[,;،\s]+" if re.fullmatch(r"[\d,;،\s]+", text) else r"[,;،]+", text):
        if not word.strip():
            continue
        option = _find_option(question.options, word, language, default_language)
        if option is None:
            return Invalid(N_("Please tap the answers that fit, or type their numbers from 1 to "
                              "{count}, e.g. “1, 3”."), {"count": count})
        found.append(option.id)
    # Typed picks are a whole answer: "1, 3" means exactly those two.
    return _finish_multi(question, tuple(dict.fromkeys(found)))


def _toggle(question: MultipleChoice, picked: Sequence[str], option_id: str) -> Toggle | Invalid:
    if option_id in picked:
        return Toggle(tuple(p for p in picked if p != option_id))
    if question.max_picks is not None and len(picked) >= question.max_picks:
        return Invalid(N_("You can choose at most {count}. Untick one first, or tap “Done”."),
                       {"count": question.max_picks})
    order = [o.id for o in question.options]
    return Toggle(tuple(sorted({*picked, option_id}, key=order.index)))


def _finish_multi(question: MultipleChoice, picked: Sequence[str]) -> Answer | Invalid:
    if len(picked) < question.min_picks:
        return Invalid(N_("Please choose at least {count}."), {"count": question.min_picks})
    if question.max_picks is not None and len(picked) > question.max_picks:
        return Invalid(N_("You can choose at most {count}. Untick one first, or tap “Done”."),
                       {"count": question.max_picks})
    if not picked and question.required:
        return Invalid(N_("Please choose at least {count}."), {"count": 1})
    ids = tuple(o.id for o in question.options if o.id in picked)
    return Answer(list(ids), ids, ", ".join(ids))


def _scale(text: str, low: int, high: int) -> Answer | Invalid:
    match = re.fullmatch(r"\s*(\d{1,3})\s*(?:/\s*\d{1,3})?\s*[.!]?\s*", text)
    if match and low <= int(match.group(1)) <= high:
        return Answer(int(match.group(1)), (), match.group(1))
    return Invalid(N_("Please choose a number from {low} to {high}."), {"low": low, "high": high})


def _number(question: Number, text: str) -> Answer | Invalid:
    raw = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return Invalid(N_("Please type a number, e.g. 12."))
    if number != number or number in (float("inf"), float("-inf")):
        return Invalid(N_("Please type a number, e.g. 12."))
    if question.integer and not number.is_integer():
        return Invalid(N_("Please type a whole number, e.g. 12."))
    low, high = question.min, question.max
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return Invalid(N_("Please choose a number from {low} to {high}."),
                           {"low": _num(low), "high": _num(high)})
        if low is not None:
            return Invalid(N_("Please type a number of at least {low}."), {"low": _num(low)})
        return Invalid(N_("Please type a number of at most {high}."), {"high": _num(high or 0)})
    value: int | float = int(number) if number.is_integer() else number
    return Answer(value, (), _num(value))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _phone(question: Phone, text: str) -> Answer | Invalid:
    try:
        number = phonenumbers.parse(text, question.region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return Invalid(N_("That does not look like a phone number. Please type it with the "
                          "country code, e.g. +44 20 7946 0958."))
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Answer(formatted, (), formatted)


def _date(question: DateQuestion, text: str) -> Answer | Invalid:
    parsed: date | None = None
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text.strip(), pattern).date()
            break
        except ValueError:
            continue
    if parsed is None:
        return Invalid(N_("Please type a date as YYYY-MM-DD, e.g. 2026-12-31."))
    if (question.min and parsed < question.min) or (question.max and parsed > question.max):
        return Invalid(N_("Please type a date from {low} to {high}."),
                       {"low": str(question.min or "…"), "high": str(question.max or "…")})
    return Answer(parsed.isoformat(), (), parsed.isoformat())


def _free_text(question: FreeText, text: str) -> Answer | Invalid:
    if not text:
        return Invalid(N_("Your message looks empty. Please answer the question."))
    if not any(c.isalnum() for c in text):
        return Invalid(N_("Please answer in words; emoji alone do not tell us enough."))
    if len(text) > question.max_length:
        return Invalid(N_("That is {length} characters; please keep it under {limit}."),
                       {"length": len(text), "limit": question.max_length})
    if len(text) < question.min_length:
        return Invalid(N_("Please write at least {limit} characters."),
                       {"limit": question.min_length})
    return Answer(text, (), text if len(text) <= 80 else text[:79] + "…")


def shown(question: Question, value: Any, language: str, default_language: str) -> str:
    """A stored answer as the customer reads it (labels in ``language``), for piping."""
    if value is None:
        return "—"
    if isinstance(question, SingleChoice | MultipleChoice):
        ids = value if isinstance(value, list) else [value]
        return _join([label(o, language, default_language) for o in question.options
                      if o.id in ids], language)
    if isinstance(question, YesNo):
        return gettext(language, "Yes") if value == "yes" else gettext(language, "No")
    return str(value)


def _join(items: Sequence[str], language: str) -> str:
    """A list as the language writes it (Persian uses the Arabic comma)."""
    return ("، " if is_rtl(language) else ", ").join(items)
