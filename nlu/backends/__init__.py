"""NLU backends behind the ``NluBackend`` protocol: ``local`` (default) and ``rasa``."""

from __future__ import annotations
