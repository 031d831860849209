"""`python -m bench.support`: the demo bot's support quality per language, as a table."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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

SETS = {"fresh": FRESH, "fresh2": FRESH2, "fresh3": FRESH3, "fresh4": FRESH4,
        "fresh5": FRESH5, "dev": DEV, "old": CASES}
ROLES = {"fresh": "development: its misses were studied (issue 14)",
         "fresh2": "development, studied since session 4 (held out before)",
         "fresh3": "development, studied since session 4's second pass (held out before)",
         "fresh4": "development, studied since session 5 (held out before)",
         "fresh5": "held out: written blind, only measured; its misses are never listed",
         "dev": "tuning", "old": "the first set (issue 3), also used while tuning"}

HELD_OUT = frozenset({"fresh5"})


def main() -> None:
    """Train (or load) the demo model, run the test sets, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong outcome")
    parser.add_argument("--cases", choices=(*SETS, "both"), default="both",
                        help="both (default): fresh4 (development) and fresh5 (held out); "
                             "or one set: fresh, fresh2, fresh3, fresh4, fresh5, dev, old")
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
    print(f"demo knowledge base: {len(kb.entries)} entries; model trained in {trained:.1f} s")
    print(f"thresholds: answer >= {kb.policy.answer_confidence}, clarify choices >= "
          f"{kb.policy.clarify_confidence}, out of scope below the NLU's own cut")
    names = ("fresh4", "fresh5") if args.cases == "both" else (args.cases,)
    for name in names:
        cases = load_cases(SETS[name])
        kept = unseen(cases, kb)
        results = evaluate(nlu, kb, kept)
        print(f"\n{name}: {_shown(SETS[name])} ({ROLES[name]})")
        if len(kept) < len(cases):
            print(f"{len(cases) - len(kept)} of {len(cases)} messages equal a knowledge-base "
                  "example question and are left out")
        print()
        print(table(results))
        if args.misses and name in HELD_OUT:
            print("(misses of a held-out set are not listed: it would stop being held out)")
        elif args.misses:
            _print_misses(results)
    print("\nnear = answer cases answered right or with the right entry among the "
          "clarification choices;\nreply lang = a new web-chat customer whose browser "
          "language is the message's; no hint = a new customer without one;\nasked back = "
          "clear questions answered with a clarifying question (issue 14: at most 5%)")


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def _print_misses(results: list[Result]) -> None:
    for result in results:
        if not result.correct:
            print(f"  {result.case.language}  {result.case.text!r}: expected "
                  f"{result.case.expected}, got {result.got} {list(result.offered)}")
    for result in results:
        if result.case.language in (result.reply_language, result.cold_language):
            continue
        if result.case.language != UNSUPPORTED:
            print(f"  {result.case.language}  {result.case.text!r}: replied in "
                  f"{result.reply_language} (hint) / {result.cold_language} (no hint)")


def table(results: list[Result]) -> str:
    """Correct share per language and outcome kind, plus the overall row."""
    languages = sorted({r.case.language for r in results} & set(LANGUAGES),
                       key=list(LANGUAGES).index)
    columns = (*KINDS, "all", "near", "asked back", "reply lang", "no hint")
    header = f"{'language':<9}" + "".join(f"{k:>15}" for k in columns)
    lines = [header, "-" * len(header)]
    for language in [*languages, "overall"]:
        picked = [r for r in results if language == r.case.language
                  or (language == "overall" and r.case.language != UNSUPPORTED)]
        cells = [_cell(*share(picked, kind)) for kind in (*KINDS, None)]
        answers = [r for r in picked if r.case.kind == "answer"]
        cells.append(_cell(sum(r.correct or r.near for r in answers), len(answers)))
        cells.append(_cell(sum(r.got == "clarify" for r in answers), len(answers)))
        cells.append(_cell(*language_share(picked)))
        cells.append(_cell(*language_share(picked, cold=True)))
        lines.append(f"{language:<9}" + "".join(f"{c:>15}" for c in cells))
    foreign = [r for r in results if r.case.language == UNSUPPORTED]
    if foreign:
        lines.append(f"\nunsupported languages: {_cell(*share(foreign, FOREIGN_LABEL))} got the "
                     "unsupported-language reply")
    return "\n".join(lines)


def _cell(correct: int, total: int) -> str:
    return f"{correct}/{total} {correct / total:4.0%}" if total else "—"


if __name__ == "__main__":
    main()
