"""``python -m bench.feedback [--set NAME ...]``: grouping quality, time for 10,000 items.

Prints purity and adjusted Rand index (sklearn) of ``nlu.themes.group`` on each labelled set,
overall and per language, then the time to group 10,000 items. By default both held-out sets:
``labelled`` (written before the lexicon, by its author) and ``labelled2`` (written by someone
who never saw the lexicon). Neither is used to choose thresholds; ``dev`` is.
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

from bot.feedback.catalog import Catalog, load_catalog
from bot.feedback.classify import analyse
from nlu.themes import ConceptMatcher, Item, group

HERE = Path(__file__).parent
SCALE = 10_000
SETS = ("labelled", "labelled2", "dev")
DEFAULT_SETS = ("labelled", "labelled2")


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
    parser.add_argument("--set", dest="sets", action="append", choices=SETS,
                        help="a set to measure (repeatable; default: labelled and labelled2)")
    args = parser.parse_args()
    catalog = load_catalog()
    for name in args.sets or DEFAULT_SETS:
        _timing(_report(name, catalog), catalog.matcher)
        print()


def _report(name: str, catalog: Catalog) -> list[Item]:
    """Print one set's figures; its items (for the timing run)."""
    matcher = catalog.matcher
    rows = load(name)
    items = [Item(text, lang, matcher.find(text)) for _, lang, text in rows]
    truth = [theme for theme, _, _ in rows]
    labels = group(items)
    langs = sorted({lang for _, lang, _ in rows})
    print(f"set: {name}.yml, {len(rows)} messages, {len(set(truth))} themes, "
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
    print("least cohesive gold themes (share in their largest predicted theme, no-concept "
          "messages):")
    for theme, share, bare in _cohesion(rows, labels, items)[:5]:
        print(f"  {theme:28} {share:5.2f}  {bare:>2} without a concept")
    return items


def _cohesion(rows: list[tuple[str, str, str]], labels: list[int], items: list[Item]
              ) -> list[tuple[str, float, int]]:
    """Per gold theme: the share of its messages in its largest predicted theme, worst first."""
    members: defaultdict[str, list[tuple[int, bool]]] = defaultdict(list)
    for (theme, _, _), label, item in zip(rows, labels, items, strict=True):
        members[theme].append((label, not item.concepts))
    found = [(theme, Counter(label for label, _ in m).most_common(1)[0][1] / len(m),
              sum(bare for _, bare in m)) for theme, m in members.items()]
    return sorted(found, key=lambda row: (row[1], row[0]))


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
    print(f"{SCALE:,} items drawn from this set: concepts found in {found - started:.2f} s, "
          f"grouped into "
          f"{len(set(labels))} themes in {done - found:.2f} s (one CPU core)")


if __name__ == "__main__":
    main()
