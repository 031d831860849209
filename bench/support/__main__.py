"""`python -m bench.support`: the demo bot's support quality per language, as a table."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    """Train (or load) the demo model, run the test set, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong outcome")
    parser.add_argument("--cases", choices=("fresh", "dev", "old"), default="fresh",
                        help="fresh: the issue-14 test set (default); dev: the tuning set; "
                             "old: the first 115-message set")
    parser.add_argument("--model-dir", type=Path, help="keep the trained model here (reused "
                        "while the training data is the same)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = args.model_dir or Path(scratch)
        settings = Settings(_env_file=None, nlu={"model_dir": model_dir})  # type: ignore[call-arg]
        started = time.perf_counter()
        nlu = local_model(settings)
        trained = time.perf_counter() - started
    kb = load_knowledge_base(None, settings.default_language)
    path = {"fresh": FRESH, "dev": DEV, "old": CASES}[args.cases]
    results = evaluate(nlu, kb, load_cases(path))
    print(f"cases: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    print(f"demo knowledge base: {len(kb.entries)} entries; model trained in {trained:.1f} s")
    print(f"thresholds: answer >= {kb.policy.answer_confidence}, clarify choices >= "
          f"{kb.policy.clarify_confidence}, out of scope below the NLU's own cut\n")
    print(table(results))
    if args.misses:
        for result in results:
            if not result.correct:
                print(f"  {result.case.language}  {result.case.text!r}: expected "
                      f"{result.case.expected}, got {result.got} {list(result.offered)}")
        for result in results:
            if result.case.language not in (result.reply_language, result.cold_language):
                print(f"  {result.case.language}  {result.case.text!r}: replied in "
                      f"{result.reply_language} (hint) / {result.cold_language} (no hint)")


def table(results: list[Result]) -> str:
    """Correct share per language and outcome kind, plus the overall row."""
    languages = sorted({r.case.language for r in results}, key=list(LANGUAGES).index)
    columns = (*KINDS, "all", "near", "reply lang", "no hint")
    header = f"{'language':<9}" + "".join(f"{k:>15}" for k in columns)
    lines = [header, "-" * len(header)]
    for language in [*languages, "overall"]:
        picked = [r for r in results if language in ("overall", r.case.language)]
        cells = [_cell(*share(picked, kind)) for kind in (*KINDS, None)]
        answers = [r for r in picked if r.case.kind == "answer"]
        cells.append(_cell(sum(r.correct or r.near for r in answers), len(answers)))
        cells.append(_cell(*language_share(picked)))
        cells.append(_cell(*language_share(picked, cold=True)))
        lines.append(f"{language:<9}" + "".join(f"{c:>15}" for c in cells))
    lines.append("\nnear = answer cases answered right or with the right entry among the "
                 "clarification choices;\nreply lang = a new web-chat customer whose browser "
                 "language is the message's; no hint = a new customer without one")
    return "\n".join(lines)


def _cell(correct: int, total: int) -> str:
    return f"{correct}/{total} {correct / total:4.0%}" if total else "—"


if __name__ == "__main__":
    main()
