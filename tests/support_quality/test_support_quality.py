"""The demo bot on the customer-style test sets: quality must not fall below what we report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.support.__main__ import table
from bench.support.evaluate import (
    CASES,
    DEV,
    FRESH,
    KINDS,
    Result,
    evaluate,
    language_share,
    load_cases,
    share,
)
from bot.config import LANGUAGES, Settings
from bot.nlu_setup import local_model
from bot.support.kb.check import load_knowledge_base

FLOORS = {"answer": 0.85, "clarify": 0.75, "handoff": 0.95, "out_of_scope": 0.8, None: 0.85}
"""On the issue-14 test set, a little under the figures in docs/support.md."""
OLD_FLOORS = {"answer": 0.8, "clarify": 0.8, "handoff": 0.9, "out_of_scope": 0.8, None: 0.85}
"""On the first (115-message) set."""
LANGUAGE_FLOOR = 0.97
"""Replies in the customer's language (web chat with the browser's language as a hint)."""
CLARIFY_ON_CLEAR_CEILING = 0.07
"""Clear questions answered with a question back: measured 6% (8/130); issue 14 asks for at
most 5%, not met yet (see docs/support.md)."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[Result]]:
    model_dir = tmp_path_factory.mktemp("nlu")
    settings = Settings(_env_file=None, nlu={"model_dir": model_dir})  # type: ignore[call-arg]
    kb = load_knowledge_base(None, settings.default_language)
    nlu = local_model(settings)
    return {path: evaluate(nlu, kb, load_cases(path)) for path in (FRESH, CASES)}


@pytest.mark.slow
def test_quality_on_the_fresh_set_does_not_regress(results: dict[Path, list[Result]]) -> None:
    found = results[FRESH]
    report = table(found)
    for kind, floor in FLOORS.items():
        correct, total = share(found, kind)
        assert correct / total >= floor, f"{kind or 'overall'} below {floor:.0%}:\n{report}"
    right, total = language_share(found)
    assert right / total >= LANGUAGE_FLOOR, report
    clear = [r for r in found if r.case.kind == "answer"]
    asked = sum(r.got == "clarify" for r in clear)
    assert asked / len(clear) <= CLARIFY_ON_CLEAR_CEILING, report


@pytest.mark.slow
def test_quality_on_the_first_set_does_not_regress(results: dict[Path, list[Result]]) -> None:
    found = results[CASES]
    for kind, floor in OLD_FLOORS.items():
        correct, total = share(found, kind)
        assert correct / total >= floor, f"{kind or 'overall'} below {floor:.0%}:\n{table(found)}"


@pytest.mark.parametrize(("path", "least"), [(CASES, 20), (FRESH, 40), (DEV, 20)])
def test_the_sets_are_balanced_and_labelled_with_real_entries(path: Path, least: int) -> None:
    cases = load_cases(path)
    kb = load_knowledge_base(None, "en")
    for language in LANGUAGES:
        mine = [c for c in cases if c.language == language]
        assert len(mine) >= least, language
        assert {c.kind for c in mine} == set(KINDS), language
    assert all(c.expected in kb.entries for c in cases if c.kind == "answer")
    examples = {q.casefold() for e in kb.entries.values() for qs in e.questions.values()
                for q in qs}
    assert not [c.text for c in cases if c.text.casefold() in examples]


def test_the_test_set_shares_no_message_with_the_tuning_sets() -> None:
    fresh = {c.text.casefold() for c in load_cases(FRESH)}
    tuned = {c.text.casefold() for path in (DEV, CASES) for c in load_cases(path)}
    assert not fresh & tuned


def test_the_fresh_set_has_the_issues_proportions() -> None:
    cases = load_cases(FRESH)
    kinds = {kind: sum(c.kind == kind for c in cases) / len(cases) for kind in KINDS}
    assert kinds["answer"] >= 0.55 and all(kinds[k] >= 0.1 for k in KINDS if k != "answer")
