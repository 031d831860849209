"""The demo bot on the customer-style test set: quality must not fall below what we report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.support.__main__ import table
from bench.support.evaluate import KINDS, evaluate, load_cases, share
from bot.config import LANGUAGES, Settings
from bot.kb.check import load_knowledge_base
from bot.nlu_setup import local_model

FLOORS = {"answer": 0.65, "clarify": 0.2, "handoff": 0.9, "out_of_scope": 0.5, None: 0.65}
"""A little under the figures in docs/support.md; a drop below means something broke."""


@pytest.mark.slow
def test_quality_does_not_regress(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, nlu={"model_dir": tmp_path})  # type: ignore[call-arg]
    kb = load_knowledge_base(None, settings.default_language)
    results = evaluate(local_model(settings), kb, load_cases())
    report = table(results)
    for kind, floor in FLOORS.items():
        correct, total = share(results, kind)
        assert correct / total >= floor, f"{kind or 'overall'} below {floor:.0%}:\n{report}"


def test_the_test_set_is_balanced_and_labelled_with_real_entries() -> None:
    cases = load_cases()
    kb = load_knowledge_base(None, "en")
    for language in LANGUAGES:
        mine = [c for c in cases if c.language == language]
        assert len(mine) >= 20, language
        assert {c.kind for c in mine} == set(KINDS), language
    assert all(c.expected in kb.entries for c in cases if c.kind == "answer")
    examples = {q.casefold() for e in kb.entries.values() for qs in e.questions.values()
                for q in qs}
    assert not [c.text for c in cases if c.text.casefold() in examples]
