"""Builds the NLU backend the settings ask for (wired once the nlu library lands)."""

from __future__ import annotations

from bot.config import Settings
from nlu.types import NluBackend


async def build_nlu(settings: Settings) -> NluBackend | None:
    """No NLU yet: commands and flows still work; free text gets the fallback."""
    return None
