"""Errors and warnings about training data files, each pointing at a file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class TrainingDataError(ValueError):
    """A training data file is malformed; the message names the file, line and problem."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = Path(path)
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class DataWarning:
    """Something in the training data that works but will probably hurt quality."""

    problem: str
    intent: str | None = None
    language: str | None = None

    def __str__(self) -> str:
        return self.problem
