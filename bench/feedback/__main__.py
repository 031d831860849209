"""``python -m bench.feedback [--set labelled|dev]``: grouping quality, time for 10,000 items.

Prints purity and adjusted Rand index (sklearn) of ``nlu.themes.group`` on the labelled set,
overall and per language pair, then the time to group 10,000 items.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import yaml
from sklearn.metrics import adjusted_rand_score

from bot.feedback.catalog import load_catalog
from bot.feedback.classify import analyse
from nlu.themes import ConceptMatcher, Item, group

HERE = Path(__file__).parent
SCALE = 10_000


def load(name: str) -> list[tuple[str, str, str]]:
    """(theme, language, text) rows of ``<name>.yml``."""
    raw = yaml.safe_load((HERE / f"{name}.yml").read_text("utf-8"))
    return [(theme, lang, str(text)) for theme, per_lang in raw.items()
            for lang, texts in per_lang.items() for text in texts]


def purity(truth: Sequence[str], labels: Sequence[int]) -> float:
    """Share of items whose predicted theme's majority label is their own."""
    members: defaultdict[int, list[str]] = defaultdict(list)
    for gold, label in zip(truth, labels, strict=True):
        members[label].append(gold)
    return sum(Counter(m).most_common(1)[0][1] for m in members.values()) / len(truth)


def inverse_purity(truth: Sequence[str], labels: Sequence[int]) -> float:
    """Share of items in the predicted theme that holds most of their gold theme."""
    return purity(list(map(str, labels)), [hash(t) for t in truth])


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.feedback")
    parser.add_argument("--set", default="labelled", choices=("labelled", "dev"))
    args = parser.parse_args()
    catalog = load_catalog()
    matcher = catalog.matcher
    rows = load(args.set)
    items = [Item(text, lang, matcher.find(text)) for _, lang, text in rows]
    truth = [theme for theme, _, _ in rows]
    labels = group(items)
    langs = sorted({lang for _, lang, _ in rows})
    print(f"set: {args.set}.yml, {len(rows)} messages, {len(set(truth))} themes, "
          f"languages: {', '.join(langs)}")
    print(f"predicted themes: {len(set(labels))}; messages with no concept: "
          f"{sum(not i.concepts for i in items)}")
    print(f"{'':12} {'purity':>7} {'inv.pur':>7} {'ARI':>6}")
    print(f"{'all':12} {purity(truth, labels):7.3f} {inverse_purity(truth, labels):7.3f} "
          f"{adjusted_rand_score(truth, labels):6.3f}")
    cross = _cross_language(rows, labels)
    print(f"gold themes whose messages in all {len(langs)} languages share one predicted "
          f"theme: {cross}/{len(set(truth))}")
    for lang in langs:
        keep = [i for i, (_, code, _) in enumerate(rows) if code == lang]
        sub_truth, sub_labels = [truth[i] for i in keep], [labels[i] for i in keep]
        print(f"{lang:12} {purity(sub_truth, sub_labels):7.3f} "
              f"{inverse_purity(sub_truth, sub_labels):7.3f} "
              f"{adjusted_rand_score(sub_truth, sub_labels):6.3f}")
    decided = sum(analyse(text, lang, catalog).category is not None for _, lang, text in rows)
    print(f"category decided by the cues (no follow-up question): {decided}/{len(rows)}")
    _timing(items, matcher)


def _cross_language(rows: list[tuple[str, str, str]], labels: list[int]) -> int:
    """Gold themes whose majority predicted theme covers a message in every language."""
    langs = {lang for _, lang, _ in rows}
    by_theme: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
    for (theme, lang, _), label in zip(rows, labels, strict=True):
        by_theme[theme].append((lang, label))
    good = 0
    for members in by_theme.values():
        top = Counter(label for _, label in members).most_common(1)[0][0]
        good += {lang for lang, label in members if label == top} == langs
    return good


def _timing(items: list[Item], matcher: ConceptMatcher) -> None:
    """Find concepts in and group 10,000 texts (the set repeated with a number appended)."""
    rng = random.Random(9)
    sample = [rng.choice(items) for _ in range(SCALE)]
    started = time.perf_counter()
    big = [Item(text, item.language, matcher.find(text)) for item in sample
           if (text := f"{item.text} {rng.randrange(10_000)}")]
    found = time.perf_counter()
    labels = group(big)
    done = time.perf_counter()
    print(f"{SCALE:,} items: concepts found in {found - started:.2f} s, grouped into "
          f"{len(set(labels))} themes in {done - found:.2f} s (one CPU core)")


if __name__ == "__main__":
    main()
