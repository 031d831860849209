"""A customer asking about their data in words ("delete my data", "удалите мои данные"): the
answer is ``/privacy``, which says what is kept and offers ``/mydata`` and ``/forget``.

Pure: cue words from ``asked.yml``, matched as feedback's cues are; no NLU intent, so the
support model's answers do not move (new core examples do: greeting-plus-help examples cost
a clarify and an out-of-scope case in ``bench.support``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.consent.rights import privacy_view
from bot.engine.types import Outcome, Turn
from nlu.themes import ConceptMatcher

CUES = Path(__file__).with_name("asked.yml")
PRIORITY = -8
"""After the open-ticket relay (-10: a person reads it), before support's urgent check (-7),
which would hand "please erase my personal data" to a person as a request for one."""


@cache
def _cues() -> ConceptMatcher:
    return ConceptMatcher.build(yaml.safe_load(CUES.read_text("utf-8")))


def asks_about_data(text: str) -> bool:
    """Whether ``text`` asks about the customer's data or its erasure."""
    found = _cues().find(text)
    return bool(found.get("privacy") or (found.get("erase") and found.get("data")))


def in_words(turn: Turn) -> Outcome | None:
    """The ``/privacy`` view for a data request said in words; None for anything else."""
    if turn.message.chat_type != "private" or not turn.text \
            or not asks_about_data(turn.text[:500]):
        return None
    return privacy_view(turn)
