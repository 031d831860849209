"""A beta campaign as a brand writes it: typed models validated from a content file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config import LANGUAGES
from bot.surveys.model import MultipleChoice, Question, SingleChoice, YesNo

ID = r"^[a-z][a-z0-9_]{0,23}$"
"""Short enough for ``beta-<id>`` deep links and ``beta:...`` button payloads (64 bytes)."""
Texts = dict[str, str]
"""Text per language code; the default language must be there, others fall back to it."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_texts(value: Texts) -> Texts:
    unknown = [code for code in value if code not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r} (use {', '.join(LANGUAGES)})")
    if not any(str(text).strip() for text in value.values()):
        raise ValueError("needs a text in at least one language")
    return {code: str(text).strip() for code, text in value.items()}


def choices(question: Question) -> tuple[str, ...]:
    """The answer ids an eligibility rule may name: option ids, or yes/no."""
    if isinstance(question, SingleChoice | MultipleChoice):
        return tuple(option.id for option in question.options)
    if isinstance(question, YesNo):
        return ("yes", "no")
    return ()


class Rule(_Model):
    """One eligibility rule on an answer or a contact attribute; all rules must hold."""

    question: str | None = None
    contact: Literal["language", "channel", "source"] | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_subject(self) -> Rule:
        if (self.question is None) == (self.contact is None):
            raise ValueError("a rule names either a 'question' or a 'contact' attribute")
        if all(v is None for v in (self.in_, self.not_in, self.min, self.max)):
            raise ValueError("a rule needs 'in', 'not_in', 'min' or 'max'")
        return self

    def holds(self, value: object) -> bool:
        """Whether ``value`` (an answer or an attribute; None when missing) passes.

        A multiple-choice answer (a list) is in a set when any ticked option is.
        """
        if value is None or value == []:
            return False
        picked = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        if self.in_ is not None and not picked & set(self.in_):
            return False
        if self.not_in is not None and picked & set(self.not_in):
            return False
        if self.min is not None or self.max is not None:
            try:
                number = float(str(value))
            except ValueError:
                return False
            return ((self.min is None or number >= self.min)
                    and (self.max is None or number <= self.max))
        return True

    def describe(self) -> str:
        """The rule in a few words, for the reason kept with a rejection."""
        subject = f"question {self.question}" if self.question else f"contact {self.contact}"
        parts = [f"in {list(self.in_)}" if self.in_ is not None else "",
                 f"not in {list(self.not_in)}" if self.not_in is not None else "",
                 f">= {self.min:g}" if self.min is not None else "",
                 f"<= {self.max:g}" if self.max is not None else ""]
        return f"{subject} {' '.join(p for p in parts if p)}"[:128]


class Consent(_Model):
    """The exact consent text per language and its version; a new wording needs a new version."""

    version: str = Field(pattern=r"^[A-Za-z0-9._-]{1,32}$")
    text: Texts

    _texts = field_validator("text")(_check_texts)


class Invite(_Model):
    """What an accepted tester receives."""

    text: Texts
    url: str | None = Field(default=None, pattern=r"^https?://")

    _texts = field_validator("text")(_check_texts)


class Campaign(_Model):
    """One beta programme: who may join, how many, until when, and what they agree to."""

    id: str = Field(pattern=ID)
    product: str
    title: Texts
    description: Texts
    capacity: int = Field(ge=1, le=1_000_000)
    starts: date | None = None
    ends: date | None = None
    waitlist: bool = True
    contact: tuple[Literal["email", "phone"], ...] = ("email", "phone")
    consent: Consent
    questions: tuple[Question, ...] = Field(default=(), max_length=20)
    """The survey question types (bot.surveys.model), read with bot.surveys.questions."""
    eligibility: tuple[Rule, ...] = ()
    invite: Invite

    _texts = field_validator("title", "description")(_check_texts)

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.starts and self.ends and self.starts > self.ends:
            raise ValueError("'starts' is after 'ends'")
        ids = [question.id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate question ids")
        return self

    def question(self, question_id: str) -> Question | None:
        """The screener question ``question_id``."""
        return next((q for q in self.questions if q.id == question_id), None)

    def index(self, question_id: str) -> int:
        """The question's position (0-based); buttons carry it instead of the long id."""
        return [q.id for q in self.questions].index(question_id)

    def is_open(self, now: datetime) -> bool:
        """Whether applications are taken on ``now``'s date."""
        today = now.date()
        return ((self.starts is None or self.starts <= today)
                and (self.ends is None or today <= self.ends))

    @property
    def consent_version(self) -> str:
        """What the ledger and the application keep: campaign and text version."""
        return f"{self.id}:{self.consent.version}"


def localized(texts: Texts, language: str, default: str = "en") -> str:
    """``texts`` in ``language``, else the default language, else any."""
    return texts.get(language) or texts.get(default) or next(iter(texts.values()), "")
