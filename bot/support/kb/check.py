"""Checks across entries, and building the knowledge base the bot answers from."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import fields
from functools import cache
from pathlib import Path

from bot.config import LANGUAGES, ConfigError, Settings
from bot.support.kb.loader import BUNDLED, Parsed, Problem, kb_files, parse_files
from bot.support.kb.model import Entry, KnowledgeBase, Policy
from bot.support.kb.words import brand_words

log = logging.getLogger("sarafan.kb")
MIN_QUESTIONS = 3
"""Fewer example questions per language leave the NLU guessing."""


def check(paths: Iterable[Path], default_language: str = "en") -> tuple[Parsed, list[Problem]]:
    """Parse ``paths`` and report every problem, each with its file and line."""
    parsed = parse_files(paths)
    problems = list(parsed.problems)
    seen: dict[str, Entry] = {}
    for entry in parsed.entries:
        if entry.id in seen:
            problems.append(_at(entry, f"duplicate id {entry.id!r} (first defined at "
                                       f"{seen[entry.id].source})"))
            continue
        seen[entry.id] = entry
        problems += _entry_problems(entry, default_language)
    problems += _shared_questions(parsed.entries)
    problems += [_at(e, f"entry {e.id!r} relates to unknown entry {r!r}")
                 for e in parsed.entries for r in e.related if r not in seen]
    problems += _policy_problems(parsed, default_language)
    return parsed, sorted(problems, key=lambda p: (p.file, p.line))


def content_problems(content_dir: Path | None,
                     default_language: str = "en") -> tuple[int, Parsed, list[str]]:
    """What ``sarafan kb check`` prints for ``content_dir``: (files, parsed, problems).

    A folder that does not exist, or holds no FAQ file, is a problem too: the bot would
    otherwise start with an empty knowledge base and answer nothing.
    """
    folder = content_dir or BUNDLED
    if not folder.is_dir():
        return 0, Parsed(), [f"{folder}: content folder does not exist (SARAFAN_CONTENT_DIR)"]
    files = kb_files(content_dir)
    if not files:
        return 0, Parsed(), [f"{folder / 'kb'}: no FAQ files (*.yml, *.yaml, *.md)"]
    parsed, problems = check(files, default_language)
    return len(files), parsed, [str(problem) for problem in problems]


def verify_content(settings: Settings) -> None:
    """Stop start-up on any knowledge-base problem, unless ``content_errors`` is ``warn``.

    Serving a silently shrunken knowledge base (a file dropped for one YAML typo) is worse than
    not starting: the brand only finds out from customers.
    """
    _files, _parsed, problems = content_problems(settings.content_dir, settings.default_language)
    if not problems:
        return
    if settings.content_errors == "warn":
        for problem in problems:
            log.warning("knowledge base: %s", problem)
        log.warning("serving despite %d knowledge-base problem(s) (SARAFAN_CONTENT_ERRORS=warn)",
                    len(problems))
        return
    listed = "\n  ".join(problems)
    raise ConfigError(f"the knowledge base has {len(problems)} problem(s); fix them (see "
                      f"`sarafan kb check`) or set SARAFAN_CONTENT_ERRORS=warn to serve anyway:"
                      f"\n  {listed}")


def _entry_problems(entry: Entry, default_language: str) -> list[Problem]:
    problems = [_at(entry, f"entry {entry.id!r}: only {len(qs)} example questions in "
                           f"{lang!r}, need at least {MIN_QUESTIONS}")
                for lang, qs in entry.questions.items() if len(qs) < MIN_QUESTIONS]
    if default_language not in entry.answers:
        problems.append(_at(entry, f"entry {entry.id!r} has no answer in the default language "
                                   f"{default_language!r}; it cannot be used"))
    return problems


def _shared_questions(entries: list[Entry]) -> list[Problem]:
    owner: dict[tuple[str, str], str] = {}
    problems = []
    for entry in entries:
        for lang, questions in entry.questions.items():
            for question in questions:
                key = (lang, question.casefold())
                if owner.setdefault(key, entry.id) != entry.id:
                    problems.append(_at(entry, f"question {question!r} ({lang}) is also an "
                                               f"example of entry {owner[key]!r}"))
    return problems


COUNTS = frozenset({"clarify_options", "short_message_words", "shop_words_required",
                    "misses_before_handoff"})
"""Policy settings that are whole numbers (at least 0); the others are shares (0–1) but
``angry_sentiment`` (−1–1), ``response_time`` (text per language) and the switches."""
SWITCHES = frozenset({"ask_bare_topics"})
"""Policy settings that are true or false."""


def policy_value_problem(key: str, value: object) -> str | None:
    """Why ``value`` cannot be the policy setting ``key``, or None when it can."""
    if key == "response_time":
        return None if isinstance(value, dict) else "must be a text per language"
    if key in SWITCHES:
        return None if isinstance(value, bool) else "must be true or false"
    if key in COUNTS:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a whole number, 0 or more"
    low = -1.0 if key == "angry_sentiment" else 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= 1:
        return f"must be a number from {low:g} to 1"
    return None


def _policy_problems(parsed: Parsed, default_language: str) -> list[Problem]:
    known = {f.name for f in fields(Policy)}
    where = parsed.entries[0].source.rsplit(":", 1)[0] if parsed.entries else "policy"
    problems = [Problem(where, 1, f"unknown policy setting {key!r}")
                for key in parsed.policy if key not in known]
    problems += [Problem(where, 1, f"policy setting {key!r}: {why} (got {value!r})")
                 for key, value in parsed.policy.items() if key in known
                 and (why := policy_value_problem(key, value))]
    if default_language not in LANGUAGES:
        problems.append(Problem(where, 1, f"default language {default_language!r} unsupported"))
    return problems


def _at(entry: Entry, message: str) -> Problem:
    file, _, line = entry.source.rpartition(":")
    return Problem(file, int(line or 1), message)


def build(parsed: Parsed, default_language: str) -> KnowledgeBase:
    """The usable entries (first of each id, with a default-language answer) and the policy."""
    entries: dict[str, Entry] = {}
    for entry in parsed.entries:
        if default_language in entry.answers:
            entries.setdefault(entry.id, entry)
    known = {f.name for f in fields(Policy)}
    # A wrong value is reported by ``check``; the default stands in for it.
    policy = Policy(**{k: v for k, v in parsed.policy.items()  # type: ignore[arg-type]
                       if k in known and policy_value_problem(k, v) is None})
    return KnowledgeBase(entries, default_language, policy, brand_words(parsed.support))


@cache
def load_knowledge_base(content_dir: Path | None, default_language: str = "en") -> KnowledgeBase:
    """The knowledge base in ``content_dir`` (or the bundled demo); problems are logged."""
    parsed, problems = check(kb_files(content_dir), default_language)
    for problem in problems:
        log.warning("knowledge base: %s", problem)
    return build(parsed, default_language)
