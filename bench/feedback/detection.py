"""``python -m bench.feedback.detection``: feedback said in passing against support's questions.

Feedback detection (``bot.feedback.flow.Feedback.detect``) runs before support answers. Two
ways it can be wrong, measured with the demo bot's own NLU model on sets written for other
purposes (none was used to choose its rules):

* **taken from support**: customers' support messages (``tests/support_quality``: questions,
  asks for a person, off-topic chat) that detection files as feedback instead of letting
  support answer; lower is better. Per set and per expected support outcome. The held-out
  set ``fresh5`` is only counted, never listed.
* **caught in passing**: feedback messages (``bench/feedback/labelled*.yml``: wishes, bugs,
  praise in five languages) that detection files while chatting; the others are left to
  support or to ``/feedback``. Higher is better.

``--list`` prints the support messages taken (development sets only).
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bench.support.evaluate import CASES, DEV, FRESH, FRESH2, FRESH3, FRESH4, FRESH5, load_cases
from bot.config import Settings
from bot.engine.types import ContactInfo, DialogueState, Turn
from bot.feedback.catalog import load_catalog
from bot.feedback.flow import Feedback
from bot.messages import Inbound
from bot.nlu_setup import local_model
from bot.support.handoff import Handoff
from nlu.local import LocalNlu

HERE = Path(__file__).parent
SUPPORT_SETS = {"dev": DEV, "cases": CASES, "fresh": FRESH, "fresh2": FRESH2, "fresh3": FRESH3,
                "fresh4": FRESH4, "fresh5": FRESH5}
HELD_OUT = {"fresh5"}
FEEDBACK_SETS = ("labelled", "labelled2")


def detected(feedback: Feedback, nlu: LocalNlu, text: str, language: str) -> bool:
    """Whether a new customer's private message is filed as feedback in passing."""
    message = Inbound(channel="webchat", update_id="u1", user_id="u1", chat_id="c1", text=text)
    turn = Turn(message, ContactInfo(1, "webchat", "u1", language, None, None), DialogueState(),
                datetime.now(UTC), nlu.parse_sync(text), {})
    return feedback.detect(turn) is not None


def main() -> None:
    """Both tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the support messages taken")
    args = parser.parse_args()
    nlu = local_model(Settings(_env_file=None))  # type: ignore[call-arg]
    feedback = Feedback(load_catalog(), Handoff())
    print(f"{'support set':12} {'messages':>8} {'taken':>6}  by expected outcome")
    for name, path in SUPPORT_SETS.items():
        cases = [c for c in load_cases(path) if c.language != "unsupported"]
        taken = [c for c in cases if detected(feedback, nlu, c.text, c.language)]
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(Counter(c.kind for c in taken).items()))
        print(f"{name:12} {len(cases):8} {len(taken):6}  {kinds}")
        if args.list and name not in HELD_OUT:
            for case in taken:
                print(f"    {case.kind:13} {case.language}  {case.text}")
    print(f"\n{'feedback set':12} {'messages':>8} {'caught':>6}")
    for name in FEEDBACK_SETS:
        raw = yaml.safe_load((HERE / f"{name}.yml").read_text("utf-8"))
        rows = [(language, str(text)) for per_language in raw.values()
                for language, texts in per_language.items() for text in texts]
        caught = sum(detected(feedback, nlu, text, language) for language, text in rows)
        print(f"{name:12} {len(rows):8} {caught:6}")


if __name__ == "__main__":
    main()
