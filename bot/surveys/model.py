"""The survey content schema: pydantic models a brand's ``surveys/*.yml`` files are read into.

A survey has per-language texts (``en, ru, fa, bg, el``; a missing language falls back to the
survey's default language), a list of questions of the types below, branching rules
(``next:``) and endings (some of them screen-outs). Everything here is pure data.

Stable API (the beta-campaign screeners reuse it): :data:`Question` (the union of every
question type, discriminated by ``type``), :class:`Option`, :class:`Rule`, :class:`Texts`,
:data:`CHOICE_TYPES`, :data:`ID_PATTERN`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config import LANGUAGES

ID_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
"""Survey, question, option and ending ids: no '-' (deep links split on it), ≤ 32 characters."""
ID_RE = re.compile(ID_PATTERN)
BANDS = ("detractor", "passive", "promoter")
"""NPS bands: 0–6, 7–8, 9–10."""


def band(score: int) -> str:
    """The NPS band of a 0–10 score."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Texts(_Strict):
    """One text in several languages; a plain string in YAML means the default language."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    values: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: object) -> object:
        if isinstance(data, str):
            return {"values": {"": data}}  # "" = the survey's default language, set later
        if isinstance(data, dict) and "values" not in data:
            return {"values": {str(k): "" if v is None else str(v) for k, v in data.items()}}
        return data

    @field_validator("values")
    @classmethod
    def _known_languages(cls, values: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in values if k and k not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language(s) {', '.join(unknown)}; use "
                             f"{', '.join(LANGUAGES)}")
        empty = [k or "text" for k, v in values.items() if not v.strip()]
        if empty:
            raise ValueError(f"empty text for {', '.join(empty)}")
        return values

    def get(self, language: str, default: str) -> tuple[str, str]:
        """``(text, language it is in)``: the wanted language, else the default, else any."""
        for code in (language, default, ""):
            if code in self.values:
                return self.values[code], code or default
        code, value = next(iter(self.values.items()))
        return value, code or default

    def with_default(self, default: str) -> Texts:
        """The same texts with a plain string bound to ``default``."""
        if "" not in self.values:
            return self
        values = {k: v for k, v in self.values.items() if k}
        values.setdefault(default, self.values[""])
        return Texts(values=values)

    def languages(self) -> set[str]:
        """Languages this text is written in."""
        return set(self.values)


class Option(_Strict):
    """One choice; its ``id`` is what results count, whatever the language it was read in."""

    id: str = Field(pattern=ID_PATTERN)
    label: Texts


class Rule(_Strict):
    """Where to go after a question. Without ``if`` the rule always applies.

    Conditions (all given must hold) look at the answer to question ``if`` (default: the
    question the rule is on): ``in`` (option ids; any ticked one for multiple choice),
    ``min``/``max`` (a number, rating, NPS or CSAT answer), ``band`` (NPS band),
    ``skipped`` (the question was skipped).
    """

    if_: str | None = Field(default=None, alias="if", pattern=ID_PATTERN)
    in_: tuple[str, ...] = Field(default=(), alias="in")
    min: float | None = None
    max: float | None = None
    band: Literal["detractor", "passive", "promoter"] | None = None
    skipped: bool | None = None
    goto: str = Field(pattern=ID_PATTERN)


class _Question(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: Texts
    required: bool = True
    next: tuple[Rule, ...] = ()
    line: int = Field(default=0, exclude=True)
    """Where the question starts in its file (set by the loader, for messages)."""


class SingleChoice(_Question):
    """Pick one option."""

    type: Literal["single"]
    options: tuple[Option, ...] = Field(min_length=2, max_length=12)


class MultipleChoice(_Question):
    """Tick several options, then Done."""

    type: Literal["multiple"]
    options: tuple[Option, ...] = Field(min_length=2, max_length=11)
    min_picks: int = Field(default=1, ge=0)
    max_picks: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _picks(self) -> MultipleChoice:
        if self.max_picks is not None and self.max_picks < self.min_picks:
            raise ValueError("invalid range: max_picks is below min_picks")
        if self.min_picks > len(self.options):
            raise ValueError("invalid range: min_picks is more than the number of options")
        return self


class Rating(_Question):
    """A scale from 1 to 5 or 1 to 10 with labelled ends."""

    type: Literal["rating"]
    scale: Literal[5, 10] = 5
    low_label: Texts | None = None
    high_label: Texts | None = None


class Nps(_Question):
    """Net Promoter Score: how likely to recommend, 0–10."""

    type: Literal["nps"]
    low_label: Texts | None = None
    high_label: Texts | None = None


class Csat(_Question):
    """Customer satisfaction, 1 (very unsatisfied) – 5 (very satisfied)."""

    type: Literal["csat"]


class YesNo(_Question):
    """Yes or no; counted as options ``yes`` and ``no``."""

    type: Literal["yes_no"]


class FreeText(_Question):
    """Free text between ``min_length`` and ``max_length`` characters."""

    type: Literal["text"]
    min_length: int = Field(default=1, ge=0)
    max_length: int = Field(default=1000, ge=1, le=4000)
    feedback: bool = False
    """Hand the answer to the feedback feature (``survey.free_text`` hooks)."""

    @model_validator(mode="after")
    def _range(self) -> FreeText:
        if self.max_length < self.min_length:
            raise ValueError("invalid range: max_length is below min_length")
        return self


class Number(_Question):
    """A number within ``min``..``max``; ``integer`` refuses fractions."""

    type: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _range(self) -> Number:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("invalid range: max is below min")
        return self


class Email(_Question):
    """An e-mail address."""

    type: Literal["email"]


class Phone(_Question):
    """A phone number (``phonenumbers``); ``region`` reads numbers written without +code."""

    type: Literal["phone"]
    region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class DateQuestion(_Question):
    """A calendar date, optionally between ``min`` and ``max``."""

    type: Literal["date"]
    min: date | None = None
    max: date | None = None

    @model_validator(mode="after")
    def _range(self) -> DateQuestion:
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("invalid range: max is before min")
        return self


Question = Annotated[
    SingleChoice | MultipleChoice | Rating | Nps | Csat | YesNo | FreeText | Number | Email
    | Phone | DateQuestion,
    Field(discriminator="type"),
]
"""Any question, read from a mapping with a ``type`` key."""
CHOICE_TYPES = ("single", "multiple", "yes_no")
SCALE_TYPES = ("rating", "nps", "csat")
PERSONAL_TYPES = ("text", "email", "phone")
"""Answers that may identify a person: erased by /forget."""


class Ending(_Strict):
    """A closing message; ``screen_out`` ends a respondent who does not fit the study."""

    id: str = Field(pattern=ID_PATTERN)
    text: Texts
    screen_out: bool = False
    line: int = Field(default=0, exclude=True)


class Survey(_Strict):
    """One survey as a brand writes it."""

    id: str = Field(pattern=ID_PATTERN)
    title: Texts
    intro: Texts | None = None
    default_language: Literal["en", "ru", "fa", "bg", "el"] = "en"
    status: Literal["open", "closed"] = "open"
    repeatable: bool = False
    """Whether a contact may answer more than once (a CSAT after every ticket)."""
    after_ticket: bool = False
    """The per-brand switch: start this survey after a support ticket closes."""
    after_ticket_delay_minutes: float = Field(default=0, ge=0)
    reminder_after_hours: float | None = Field(default=24, gt=0)
    """One reminder this long after the last answer (where reminders are allowed); null: none."""
    abandon_after_hours: float = Field(default=72, gt=0)
    promoter_question: bool = True
    """Ask an NPS promoter (once per contact) about referrals / the beta, if a feature offers."""
    detractor_ticket: bool = True
    """Open a priority ticket for an NPS detractor, with the answers."""
    hidden: tuple[str, ...] = ("source", "campaign")
    """Hidden fields filled from the entry link; piped as ``{source}``, ``{campaign}``."""
    questions: tuple[Question, ...] = Field(min_length=1, max_length=60)
    endings: tuple[Ending, ...] = ()
    line: int = Field(default=0, exclude=True)

    def bound(self) -> Survey:
        """The survey with every plain-string text bound to the default language."""
        lang = self.default_language

        def fix(value: object) -> object:
            if isinstance(value, Texts):
                return value.with_default(lang)
            if isinstance(value, BaseModel):
                return value.model_copy(update={k: fix(getattr(value, k))
                                                for k in type(value).model_fields})
            if isinstance(value, tuple):
                return tuple(fix(v) for v in value)
            return value

        result = fix(self)
        assert isinstance(result, Survey)
        return result

    @cached_property
    def version(self) -> str:
        """The content hash: any change to the survey makes a new version."""
        return content_hash(self)

    def question(self, question_id: str) -> Question | None:
        """The question with this id, if any."""
        return next((q for q in self.questions if q.id == question_id), None)

    def index(self, question_id: str) -> int:
        """The 0-based position of a question (-1 if unknown)."""
        return next((i for i, q in enumerate(self.questions) if q.id == question_id), -1)

    def ending(self, ending_id: str) -> Ending | None:
        """The ending with this id, if any."""
        return next((e for e in self.endings if e.id == ending_id), None)


def content_hash(survey: Survey) -> str:
    """12 hex digits of SHA-256 over the survey's canonical JSON (line numbers excluded)."""
    canonical = json.dumps(survey.model_dump(mode="json", by_alias=True), sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]
