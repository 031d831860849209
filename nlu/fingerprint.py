"""A stable hash of training data and settings: equal hashes mean no retraining is needed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from nlu.model_file import FORMAT_VERSION, code_fingerprint
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData
from nlu.types import Example


def data_hash(data: TrainingData, settings: ClassifierSettings) -> str:
    """SHA-256 of the data (order-independent), the settings and the model code."""
    canonical: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "code": code_fingerprint(),
        "settings": settings.fingerprint(),
        "examples": sorted(_example_key(example) for example in data.examples),
        "synonyms": sorted(data.synonyms.items()),
        "regexes": sorted((p.name, sorted(p.items)) for p in data.regexes),
        "lookups": sorted((p.name, sorted(p.items)) for p in data.lookups),
        "entities": sorted(data.declared_entities),
    }
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _example_key(example: Example) -> str:
    """One example as a sortable string."""
    entities = [(e.entity, e.value, e.start, e.end, e.role, e.group) for e in example.entities]
    return json.dumps([example.text, example.intent, example.language or "", entities])
