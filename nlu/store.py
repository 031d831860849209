"""Model store: reuse the model built from the same data and settings, else train one."""

from __future__ import annotations

import logging
from pathlib import Path

from nlu.fingerprint import data_hash
from nlu.local import LocalNlu
from nlu.model_file import ModelVersionError
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData

log = logging.getLogger(__name__)

HASH_CHARS = 16
"""Characters of the data hash used in file names; the full hash is in the header."""


def model_path(model_dir: Path, digest: str) -> Path:
    """Where the model for a given data hash lives."""
    return model_dir / f"nlu-{digest[:HASH_CHARS]}.model"


def load_or_train(
    data: TrainingData, model_dir: Path, settings: ClassifierSettings | None = None
) -> LocalNlu:
    """Load the model matching ``data`` and ``settings``; train and save one if none fits."""
    settings = settings or ClassifierSettings()
    digest = data_hash(data, settings)
    path = model_path(model_dir, digest)
    if path.is_file():
        try:
            model = LocalNlu.load(path)
        except ModelVersionError as exc:
            log.warning("retraining: %s", exc)
        else:
            if model.data_hash == digest:
                return model
    log.info("training NLU model for data %s", digest[:HASH_CHARS])
    model = LocalNlu.train(data, settings)
    model.save(path)
    return model
