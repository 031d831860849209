"""Model store: reuse the model built from the same data and settings, else train one."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
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
    data: TrainingData,
    model_dir: Path,
    settings: ClassifierSettings | None = None,
    *,
    train_apart: bool = False,
) -> LocalNlu:
    """Load the model matching ``data`` and ``settings``; train and save one if none fits.

    ``train_apart`` trains in a child process, for a long-running server: training imports
    scikit-learn and SciPy (~95 MB that stay for the life of a process) and peaks far above
    what the loaded model needs, while loading and parsing need neither.
    """
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
    if not train_apart:
        model = LocalNlu.train(data, settings)
        model.save(path)
        return model
    _train_in_child(data, settings, path)
    return LocalNlu.load(path)


def _train_in_child(data: TrainingData, settings: ClassifierSettings, path: Path) -> None:
    """Run this module as a fresh interpreter that trains and writes ``path``.

    A new interpreter, not a fork (which would copy the server's threads and connections) nor
    multiprocessing's spawn (which re-imports the parent's main script).
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))}
    done = subprocess.run([sys.executable, "-m", "nlu.store"], env=env, check=False,
                          input=pickle.dumps((data, settings, path)), capture_output=True)
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError("training the NLU model in a child process failed: "
                           + (lines[-1] if lines else f"exit status {done.returncode}"))


if __name__ == "__main__":
    _data, _settings, _path = pickle.load(sys.stdin.buffer)  # from the parent, above
    LocalNlu.train(_data, _settings).save(_path)
