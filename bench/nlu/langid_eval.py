"""Language identification accuracy on hand-written short chat messages (3–40 characters)."""

from __future__ import annotations

from pathlib import Path

from nlu.langid import identify

TEST_DIR = Path(__file__).with_name("langid_test")
MIN_CHARS, MAX_CHARS = 3, 40


def langid_accuracy() -> dict[str, tuple[int, int]]:
    """``{file: (correct, total)}`` over ``langid_test/<code>[.variant].txt``."""
    results: dict[str, tuple[int, int]] = {}
    for path in sorted(TEST_DIR.glob("*.txt")):
        lines = [line.strip() for line in path.read_text("utf-8").splitlines()]
        messages = [line for line in lines if MIN_CHARS <= len(line) <= MAX_CHARS]
        expected = path.stem.split(".")[0]  # ru.latin.txt holds transliterated Russian
        correct = sum(identify(message).code == expected for message in messages)
        results[path.stem] = (correct, len(messages))
    return results
