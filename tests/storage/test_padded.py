"""``padded``: few statement shapes for statements with one part per item."""

from __future__ import annotations

from bot.storage.base import padded


def test_items_are_padded_with_the_last_to_a_power_of_two() -> None:
    assert padded([]) == []
    assert padded(["a"]) == ["a"]
    assert padded(["a", "b", "c"]) == ["a", "b", "c", "c"]
    assert len(padded(list(range(17)))) == 32
    assert {len(padded(list(range(n)))) for n in range(1, 33)} == {1, 2, 4, 8, 16, 32}
