"""The versioned model file: a JSON header line, then the pickled model.

The header is read and checked before anything is unpickled, so a file from an
incompatible version fails with a clear message instead of an obscure pickle error.
Model files are build artefacts of this project; like any pickle, never load one you
did not build yourself.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

MAGIC = "sarafan-nlu-model"
FORMAT_VERSION = 3
"""Bump when the file layout changes; older files are then refused. 3: no scikit-learn
objects are pickled (the TF-IDF blocks are ``nlu.ngrams.TfidfTable``), so no scikit-learn
version is checked either."""

# The modules whose objects are pickled. Their source is fingerprinted, so a model built by
# different code is refused and retrained instead of failing later on a missing attribute.
_PICKLED_MODULES = (
    "calibration.py",
    "classifier.py",
    "embeddings.py",  # the encoder changes the feature vectors a model was fitted on
    "embeddings_onnx.py",
    "entities/__init__.py",
    "entities/patterns.py",
    "features.py",
    "linear.py",
    "ngrams.py",
    "rejection.py",
    "settings.py",
    "text.py",
)


@cache
def code_fingerprint() -> str:
    """Short SHA-256 of the source of every module with pickled classes."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _PICKLED_MODULES:
        source = package / name
        # An install without sources (only .pyc) still gets a stable, per-version value.
        digest.update(source.read_bytes() if source.is_file() else name.encode())
    return digest.hexdigest()[:16]


RETRAIN = "Retrain it with `sarafan nlu train`."


class ModelVersionError(RuntimeError):
    """The model file was built by an incompatible version; retrain it."""


@dataclass(frozen=True, slots=True)
class Header:
    """What a model file says about itself."""

    data_hash: str
    format_version: int = FORMAT_VERSION
    code: str = field(default_factory=code_fingerprint)
    intents: tuple[str, ...] = ()

    def to_json(self) -> str:
        """One JSON line."""
        fields = {"magic": MAGIC, **{k: getattr(self, k) for k in self.__slots__}}
        return json.dumps(fields, ensure_ascii=False)


def write_model(path: Path, header: Header, model: Any) -> None:
    """Write atomically so a crash never leaves a half-written model behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        out.write(header.to_json().encode("utf-8") + b"\n")
        pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


def read_header(path: Path) -> Header:
    """The header of a model file, refusing files from an incompatible version."""
    with path.open("rb") as source:
        return _checked(path, source.readline())


def read_model(path: Path) -> tuple[Header, Any]:
    """Header and unpickled model, after the compatibility check."""
    with path.open("rb") as source:
        header = _checked(path, source.readline())
        try:
            return header, pickle.load(source)  # our own, header-checked artefact
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise ModelVersionError(f"{path} cannot be read ({exc}); {RETRAIN}") from exc


def _checked(path: Path, line: bytes) -> Header:
    """Parse the header line and compare versions."""
    try:
        fields = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        fields = {}
    if not isinstance(fields, dict) or fields.get("magic") != MAGIC:
        raise ModelVersionError(f"{path} is not a Sarafan NLU model file")
    found = fields.get("format_version")
    if found != FORMAT_VERSION:
        raise ModelVersionError(
            f"{path} was built with model format {found}; this installation needs format "
            f"{FORMAT_VERSION}. {RETRAIN}"
        )
    if fields.get("code") != code_fingerprint():
        raise ModelVersionError(
            f"{path} was built by other NLU code (fingerprint {fields.get('code')}, this is "
            f"{code_fingerprint()}). {RETRAIN}"
        )
    return Header(data_hash=str(fields["data_hash"]), intents=tuple(fields.get("intents", ())))

