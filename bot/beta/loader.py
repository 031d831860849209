"""Reads beta campaign files (``<content>/beta/*.yml``), reporting every problem as file:line."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.beta.campaign import Campaign, Texts, choices
from bot.config import LANGUAGES, ConfigError
from bot.support.kb.loader import BUNDLED, Problem
from bot.surveys.model import MultipleChoice, SingleChoice
from bot.surveys.questions import load_questions

log = logging.getLogger("sarafan.beta")
FALLBACK = "(the default language is shown instead)"
Path_ = tuple[str | int, ...]


@dataclass
class Loaded:
    """The campaigns that validated, and every problem found."""

    campaigns: dict[str, Campaign] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fatal: int = 0
    """How many problems kept a file or campaign from loading (missing translations do not)."""


def campaign_files(content_dir: Path | None) -> list[Path]:
    """The campaign files of a content folder, the bundled demo by default."""
    folder = (content_dir or BUNDLED) / "beta"
    return sorted(p for pattern in ("*.yml", "*.yaml") for p in folder.glob(pattern))


def load(paths: Iterable[Path], default_language: str = "en") -> Loaded:
    """Every campaign of every file; a broken file or campaign is reported, never loaded."""
    loaded = Loaded()
    for path in paths:
        _load_file(path, loaded, default_language)
    loaded.problems.sort(key=lambda p: (p.file, p.line))
    loaded.fatal = sum(1 for p in loaded.problems if not p.message.endswith(FALLBACK))
    return loaded


def _load_file(path: Path, loaded: Loaded, default_language: str) -> None:
    where = str(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loaded.problems.append(Problem(where, mark.line + 1 if mark else 1,
                                       f"not valid YAML: {exc.problem}"))
        return
    except (OSError, UnicodeDecodeError) as exc:
        loaded.problems.append(Problem(where, 1, f"cannot read the file: {exc}"))
        return
    if root is None:
        loaded.problems.append(Problem(where, 1, "the file is empty"))
        return
    lines: dict[Path_, int] = {}
    data = _plain(root, (), lines)
    if not isinstance(data, dict):
        loaded.problems.append(Problem(where, 1, "a campaign file is a mapping of keys to values"))
        return
    try:
        # The screener is read by the surveys' own question reader (types, texts, defaults).
        questions = load_questions(data.get("questions") or [], default_language)
        campaign = Campaign.model_validate({**data, "questions": questions})
    except ValidationError as exc:
        prefix: Path_ = ("questions",) if exc.title != Campaign.__name__ else ()
        for error in exc.errors():
            # Drop the union's tag pydantic puts after the index: questions.1.single.options.
            loc = tuple(p for i, p in enumerate((*prefix, *error["loc"]))
                        if not (prefix and i == 2 and isinstance(p, str)))
            field_name = ".".join(str(p) for p in loc) or "campaign"
            loaded.problems.append(Problem(where, _line_of(loc, lines),
                                           f"{field_name}: {error['msg']}"))
        return
    fatal = [Problem(where, _line_of(loc, lines), message) for loc, message in _semantic(campaign)]
    if campaign.id in loaded.campaigns:
        fatal.append(Problem(where, _line_of(("id",), lines),
                             f"campaign id {campaign.id!r} is defined twice"))
    # A missing translation falls back to the default language; anything else stops the file.
    loaded.problems += fatal + [Problem(where, _line_of(loc, lines), message)
                                for loc, message in _languages(campaign)]
    if not fatal:
        loaded.campaigns[campaign.id] = campaign


def _plain(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    """Python data from a YAML node tree, noting the line of every path in ``lines``."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key, value in node.value:
            name = str(key.value)
            lines[(*path, name)] = key.start_mark.line + 1
            result[name] = _plain(value, (*path, name), lines)
            lines[(*path, name)] = key.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.SafeLoader(" ").construct_object(node, deep=True)


def _line_of(loc: Path_, lines: dict[Path_, int]) -> int:
    """The line of the longest known prefix of ``loc`` (pydantic may add model names)."""
    loc = tuple("in" if part == "in_" else part for part in loc)
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _semantic(campaign: Campaign) -> list[tuple[Path_, str]]:
    """What the schema cannot see: rules on unknown questions or options, missing languages."""
    found: list[tuple[Path_, str]] = []
    for i, rule in enumerate(campaign.eligibility):
        question = campaign.question(rule.question) if rule.question else None
        if rule.question and question is None:
            found.append((("eligibility", i, "question"),
                          f"rule {i + 1}: unknown question {rule.question!r}"))
        if question is not None and choices(question):
            unknown = [v for v in (*(rule.in_ or ()), *(rule.not_in or ()))
                       if v not in choices(question)]
            if unknown:
                found.append((("eligibility", i),
                              f"rule {i + 1}: question {question.id!r} has no option "
                              f"{unknown[0]!r}"))
    return found


def _languages(campaign: Campaign) -> list[tuple[Path_, str]]:
    texts: list[tuple[Path_, Texts]] = [
        (("title",), campaign.title), (("description",), campaign.description),
        (("consent", "text"), campaign.consent.text), (("invite", "text"), campaign.invite.text),
    ]
    for i, question in enumerate(campaign.questions):
        texts.append((("questions", i, "text"), question.text.values))
        if isinstance(question, SingleChoice | MultipleChoice):
            texts += [(("questions", i, "options", j, "label"), option.label.values)
                      for j, option in enumerate(question.options)]
    return [(path, f"{'.'.join(str(p) for p in path)}: missing language {code!r} {FALLBACK}")
            for path, values in texts for code in LANGUAGES if code not in values]


def verify_campaigns(content_dir: Path | None, default_language: str, errors: str) -> None:
    """Stop start-up when a campaign file is broken, like the knowledge base does.

    A dropped campaign would silently turn its deep link into "unknown beta"; missing
    translations only warn. ``errors="warn"`` (SARAFAN_CONTENT_ERRORS) serves anyway.
    """
    loaded = load(campaign_files(content_dir), default_language)
    if not loaded.fatal or errors == "warn":
        return
    listed = "\n  ".join(str(p) for p in loaded.problems if not p.message.endswith(FALLBACK))
    raise ConfigError(f"the beta campaigns have {loaded.fatal} problem(s); fix them (see "
                      f"`sarafan beta check`) or set SARAFAN_CONTENT_ERRORS=warn to serve "
                      f"anyway:\n  {listed}")


@cache
def load_campaigns(content_dir: Path | None, default_language: str = "en") -> dict[str, Campaign]:
    """The usable campaigns of ``content_dir`` (or the bundled demo); problems are logged."""
    loaded = load(campaign_files(content_dir), default_language)
    for problem in loaded.problems:
        log.warning("beta campaigns: %s", problem)
    return loaded.campaigns
