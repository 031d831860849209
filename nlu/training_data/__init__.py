"""Training data in Rasa 3 YAML format: loading, merging and validation."""

from __future__ import annotations

from nlu.training_data.errors import DataWarning, TrainingDataError
from nlu.training_data.model import Pattern, TrainingData
from nlu.training_data.reader import load_training_data, read_file
from nlu.training_data.validate import MIN_EXAMPLES, validate

__all__ = [
    "MIN_EXAMPLES",
    "DataWarning",
    "Pattern",
    "TrainingData",
    "TrainingDataError",
    "load_training_data",
    "read_file",
    "validate",
]
