"""The classifier's text form: one spelling for Persian words typed with ZWNJ, space or nothing."""

from __future__ import annotations

from nlu.text import classifier_text, normalize


def test_persian_prefix_spellings_meet() -> None:
    spellings = ["می\u200cخوام", "می خوام", "میخوام", "مي خوام"]  # the last with Arabic yeh
    assert {classifier_text(text) for text in spellings} == {"میخوام"}
    assert classifier_text("نمی\u200cشه پرداخت کنم") == "نمیشه پرداخت کنم"


def test_other_text_is_normalised_as_before() -> None:
    for text in ["Where is my ORDER??", "Πού είναι η παραγγελία", "می", "Когда привезут"]:
        assert classifier_text(text) == normalize(text)
    # normalize itself keeps the ZWNJ as a space: the support cues match on that form.
    assert normalize("می\u200cخوام") == "می خوام"


def test_short_texts_are_normalised_once_and_long_ones_are_not_kept() -> None:
    """A message is read by several parts of a turn: its normal form is cached, but only for
    chat-sized texts, so 10,000-character messages cannot fill memory."""
    from nlu import text as module

    short = "Спасибооо, ΚΑΛΗΜΈΡΑ!"
    assert module.normalize(short) == "спасибоо, καλημερα!"
    hits = module._normalized.cache_info().hits
    assert module.normalize(short) == "спасибоо, καλημερα!"
    assert module._normalized.cache_info().hits == hits + 1
    assert module.words(short) == ["спасибоо", "καλημερα"]
    module.words(short).append("mutated")  # callers get their own list
    assert "mutated" not in module.words(short)
    kept = module._normalized.cache_info().currsize, module._words.cache_info().currsize
    long = "доставка " * 200
    assert len(long) > module.CACHED_CHARS
    assert module.words(long) == ["доставка"] * 200
    assert module.normalize(long) == long.strip()
    assert (module._normalized.cache_info().currsize,
            module._words.cache_info().currsize) == kept
