"""The demo bot on the customer-style test sets: quality must not fall below what we report.

fresh5.yml is the held-out set (written blind, never tuned on, its misses never listed); its
floors are the figures in the README a little lowered, so a case or two moving with the
NLU's own development does not fail the build. fresh4.yml (held out in session 4's second
pass, studied since session 5), fresh3.yml (held out in session 4's first pass, studied in
its second), fresh2.yml (held out until session 3, studied since session 4),
fresh.yml and cases.yml were studied while tuning: their floors only guard against
regressions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.support.__main__ import table
from bench.support.evaluate import (
    CASES,
    DEV,
    FOREIGN_LABEL,
    FRESH,
    FRESH2,
    FRESH3,
    FRESH4,
    FRESH5,
    KINDS,
    UNSUPPORTED,
    Result,
    evaluate,
    language_share,
    load_cases,
    share,
    unseen,
)
from bot.config import LANGUAGES, Settings
from bot.nlu_setup import local_model
from bot.support.kb.check import load_knowledge_base

Floors = dict[str | None, float]
HELD_OUT_FLOORS: Floors = {"answer": 0.92, "clarify": 0.72, "handoff": 0.94,
                           "out_of_scope": 0.85, None: 0.88}
"""On fresh5, under the README's figures (right entry 95.3%, clarify 80%, handoff 97%, out of
scope 90%, all 92%)."""
FOREIGN_FLOORS: dict[Path, float] = {FRESH5: 0.73, FRESH4: 0.73, FRESH3: 0.8, FRESH2: 0.8}
"""Messages in languages the bot does not speak that get the unsupported-language reply
(fresh5: 12/15 measured, fresh4: 11/15)."""
HELD_OUT_ASKED_BACK = 0.07
"""Clear questions answered with a question back (issue 14: at most 5%)."""
FLOORS: dict[Path, Floors] = {
    FRESH5: HELD_OUT_FLOORS,
    FRESH4: {"answer": 0.86, "clarify": 0.75, "handoff": 0.94, "out_of_scope": 0.92, None: 0.88},
    FRESH3: {"answer": 0.92, "clarify": 0.7, "handoff": 0.95, "out_of_scope": 0.85, None: 0.88},
    FRESH2: {"answer": 0.92, "clarify": 0.72, "handoff": 0.95, "out_of_scope": 0.9, None: 0.9},
    FRESH: {"answer": 0.92, "clarify": 0.75, "handoff": 0.95, "out_of_scope": 0.85, None: 0.9},
    CASES: {"answer": 0.85, "clarify": 0.8, "handoff": 0.9, "out_of_scope": 0.8, None: 0.85},
}
LANGUAGE_FLOOR = 0.97
"""Replies in the customer's language (web chat with the browser's language as a hint)."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, list[Result]]:
    model_dir = tmp_path_factory.mktemp("nlu")
    settings = Settings(_env_file=None, nlu={"model_dir": model_dir})  # type: ignore[call-arg]
    kb = load_knowledge_base(None, settings.default_language)
    nlu = local_model(settings)
    return {path: evaluate(nlu, kb, unseen(load_cases(path), kb)) for path in FLOORS}


@pytest.mark.slow
@pytest.mark.parametrize("path", list(FLOORS), ids=lambda path: path.stem)
def test_quality_does_not_fall_below_the_floors(results: dict[Path, list[Result]],
                                                path: Path) -> None:
    found = results[path]
    report = table(found)
    for kind, floor in FLOORS[path].items():
        correct, total = share(found, kind)
        assert correct / total >= floor, f"{kind or 'overall'} below {floor:.0%}:\n{report}"
    right, total = language_share(found)
    assert right / total >= LANGUAGE_FLOOR, report


@pytest.mark.slow
@pytest.mark.parametrize("path", list(FOREIGN_FLOORS), ids=lambda path: path.stem)
def test_the_fresh_sets_ask_back_rarely_and_know_foreign_languages(
        results: dict[Path, list[Result]], path: Path) -> None:
    found = results[path]
    clear = [r for r in found if r.case.kind == "answer"]
    asked = sum(r.got == "clarify" for r in clear)
    assert asked / len(clear) <= HELD_OUT_ASKED_BACK, table(found)
    correct, total = share(found, FOREIGN_LABEL)
    assert total >= 10 and correct / total >= FOREIGN_FLOORS[path], table(found)


@pytest.mark.parametrize(("path", "least"), [(CASES, 20), (FRESH, 40), (DEV, 20), (FRESH2, 52),
                                                   (FRESH3, 55), (FRESH4, 55), (FRESH5, 55)])
def test_the_sets_are_balanced_and_labelled_with_real_entries(path: Path, least: int) -> None:
    cases = load_cases(path)
    kb = load_knowledge_base(None, "en")
    for language in LANGUAGES:
        mine = [c for c in cases if c.language == language]
        assert len(mine) >= least, language
        assert {c.kind for c in mine} == set(KINDS), language
    assert all(c.expected in kb.entries for c in cases if c.kind == "answer")
    assert {c.language for c in cases} <= {*LANGUAGES, UNSUPPORTED}
    assert all(c.expected == FOREIGN_LABEL for c in cases if c.language == UNSUPPORTED)


@pytest.mark.parametrize("path", [CASES, FRESH, DEV])
def test_the_sets_we_wrote_share_no_message_with_the_examples(path: Path) -> None:
    kb = load_knowledge_base(None, "en")
    cases = load_cases(path)
    assert unseen(cases, kb) == cases


def test_the_fresh_set_shares_no_message_with_the_tuning_sets() -> None:
    fresh = {c.text.casefold() for c in load_cases(FRESH)}
    tuned = {c.text.casefold() for path in (DEV, CASES) for c in load_cases(path)}
    assert not fresh & tuned


@pytest.mark.parametrize("path", [FRESH, FRESH2, FRESH3, FRESH4, FRESH5])
def test_the_fresh_sets_have_the_issues_proportions(path: Path) -> None:
    cases = [c for c in load_cases(path) if c.language != UNSUPPORTED]
    kinds = {kind: sum(c.kind == kind for c in cases) / len(cases) for kind in KINDS}
    # "About the proportions" of issue 14 (fresh3: 30 clear of 55, more off-topic).
    assert kinds["answer"] >= 0.5 and all(kinds[k] >= 0.1 for k in KINDS if k != "answer")
