"""Rasa retrieval intents: ``faq/ask_price`` is the intent ``faq`` with a sub-intent.

The classifier learns the full names; a parse reports the base intent (its confidence the sum
of its sub-intents') and the sub-intent in ``response_selector``, as Rasa's
``ResponseSelector`` does.
"""

from __future__ import annotations

from nlu.types import IntentScore, Retrieval

SEPARATOR = "/"


def base(name: str) -> str:
    """``faq`` for ``faq/ask_price``; other names unchanged."""
    return name.split(SEPARATOR, 1)[0]


def split(ranking: tuple[IntentScore, ...]) -> tuple[tuple[IntentScore, ...], Retrieval | None]:
    """The ranking over base intents, and the sub-intent when the top one is a retrieval intent.

    A ranking that starts with ``out_of_scope`` keeps it first, then the in-scope ranking.
    """
    if not any(SEPARATOR in score.name for score in ranking):
        return ranking, None
    head = ranking[:1] if ranking[0].name == "out_of_scope" else ()
    scored = ranking[len(head):]
    totals: dict[str, float] = {}
    for score in scored:
        totals[base(score.name)] = totals.get(base(score.name), 0.0) + score.confidence
    merged = tuple(IntentScore(name, round(value, 4)) for name, value in
                   sorted(totals.items(), key=lambda item: -item[1]))
    top = merged[0].name if merged else ""
    subs = [score for score in scored if SEPARATOR in score.name and base(score.name) == top]
    if not subs:
        return (*head, *merged), None
    total = sum(score.confidence for score in subs) or 1.0
    sub_ranking = tuple(IntentScore(s.name, round(s.confidence / total, 4)) for s in subs)
    selection = Retrieval(top, sub_ranking[0].name, sub_ranking[0].confidence, sub_ranking)
    return (*head, *merged), selection
