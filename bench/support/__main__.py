"""`python -m bench.support`: the demo bot's support quality per language, as a table."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.support.evaluate import KINDS, Result, evaluate, load_cases, share
from bot.config import LANGUAGES, Settings
from bot.kb.check import load_knowledge_base
from bot.nlu_setup import local_model


def main() -> None:
    """Train (or load) the demo model, run the test set, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong outcome")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as model_dir:
        settings = Settings(_env_file=None, nlu={"model_dir": Path(model_dir)})  # type: ignore[call-arg]
        started = time.perf_counter()
        nlu = local_model(settings)
        trained = time.perf_counter() - started
    kb = load_knowledge_base(None, settings.default_language)
    results = evaluate(nlu, kb, load_cases())
    print(f"demo knowledge base: {len(kb.entries)} entries; model trained in {trained:.1f} s")
    print(f"thresholds: answer >= {kb.policy.answer_confidence}, clarify choices >= "
          f"{kb.policy.clarify_confidence}, out of scope below the NLU's own cut\n")
    print(table(results))
    if args.misses:
        for result in results:
            if not result.correct:
                print(f"  {result.case.language}  {result.case.text!r}: expected "
                      f"{result.case.expected}, got {result.got} {list(result.offered)}")


def table(results: list[Result]) -> str:
    """Correct share per language and outcome kind, plus the overall row."""
    languages = sorted({r.case.language for r in results}, key=list(LANGUAGES).index)
    header = f"{'language':<9}" + "".join(f"{k:>15}" for k in (*KINDS, "all", "near"))
    lines = [header, "-" * len(header)]
    for language in [*languages, "overall"]:
        picked = [r for r in results if language in ("overall", r.case.language)]
        cells = [_cell(*share(picked, kind)) for kind in (*KINDS, None)]
        answers = [r for r in picked if r.case.kind == "answer"]
        cells.append(_cell(sum(r.correct or r.near for r in answers), len(answers)))
        lines.append(f"{language:<9}" + "".join(f"{c:>15}" for c in cells))
    lines.append("\nnear = answer cases answered right or with the right entry among the "
                 "clarification choices")
    return "\n".join(lines)


def _cell(correct: int, total: int) -> str:
    return f"{correct}/{total} {correct / total:4.0%}" if total else "—"


if __name__ == "__main__":
    main()
