"""Where the support thresholds come from: held-out confidences on the knowledge base itself.

`python -m bench.support.calibrate` trains on two thirds of the training data (core intents and
FAQ questions), parses the held-out third and prints, per confidence cut, how many FAQ questions
would be answered and how often those answers are right. The test set is not used here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.config import Settings
from bot.nlu_setup import training_data
from bot.support.kb.check import load_knowledge_base
from nlu.local import LocalNlu
from nlu.training_data import TrainingData
from nlu.types import Example, Parse

FOLDS = 3
CUTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CHOICE_CUTS = (0.02, 0.05, 0.08, 0.1, 0.15)


def held_out_parses(examples: Sequence[Example]) -> list[tuple[Example, Parse]]:
    """Every example parsed by a model that did not see it."""
    shuffled = sorted(examples, key=lambda ex: (ex.intent, ex.text))
    random.Random(0).shuffle(shuffled)
    parses = []
    for fold in range(FOLDS):
        train = [ex for i, ex in enumerate(shuffled) if i % FOLDS != fold]
        test = [ex for i, ex in enumerate(shuffled) if i % FOLDS == fold]
        model = LocalNlu.train(TrainingData.from_examples(train))
        parses += [(ex, model.parse_sync(ex.text)) for ex in test]
    return parses


def main() -> None:
    """Print the answer and clarification tables the policy defaults were read from."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    load_knowledge_base(None, settings.default_language)
    faq = [(ex, p) for ex, p in held_out_parses(training_data(settings).examples)
           if ex.intent.startswith("faq_")]
    print(f"{len(faq)} held-out FAQ questions\n\nanswer cut  answered  right among answered")
    for cut in CUTS:
        answered = [(ex, p) for ex, p in faq if p.intent.confidence >= cut]
        right = sum(p.intent.name == ex.intent for ex, p in answered)
        precision = right / max(1, len(answered))
        print(f"{cut:>10.2f}  {len(answered) / len(faq):>8.0%}  {precision:>20.0%}")
    print("\nchoice cut  right entry among <=3 choices (questions below the 0.5 answer cut)")
    unsure = [(ex, p) for ex, p in faq if p.intent.confidence < 0.5]
    for cut in CHOICE_CUTS:
        hit = sum(any(s.name == ex.intent and s.confidence >= cut
                      for s in [s for s in p.ranking if s.name.startswith("faq_")][:3])
                  for ex, p in unsure)
        print(f"{cut:>10.2f}  {hit / max(1, len(unsure)):>8.0%} of {len(unsure)}")


if __name__ == "__main__":
    main()
