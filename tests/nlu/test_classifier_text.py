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
