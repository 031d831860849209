"""Product feedback a team can count (issue 9). Everything about feedback lives here."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.registry import Registry

log = logging.getLogger("sarafan.feedback")
PENDING_PRIORITY = -15
"""After the operators' group (-20), before the open-ticket relay (-10): the text /feedback
asked for is filed even while a ticket is open."""
DETECT_PRIORITY = -5
"""Before flows (support keeps its flow active after each answer) and support's handler (100);
it only takes clear feedback and leaves questions and angry complaints to support."""


def register(registry: Registry) -> None:
    """Add feedback capture, themes and storage."""
    # Imported here so `sarafan feedback ...` (which loads this package) starts fast.
    from bot.engine.core import ATTACHMENTS_HOOK
    from bot.feedback.catalog import load_catalog
    from bot.feedback.flow import FLOW, Feedback
    from bot.feedback.store import register_storage
    from bot.support.handoff import Handoff
    from bot.support.kb.check import load_knowledge_base

    settings = registry.settings.get("settings")
    language = settings.default_language if settings else "en"
    catalog = load_catalog(settings.content_dir if settings else None)
    for problem in catalog.problems:
        log.warning("catalog: %s", problem)
    kb = load_knowledge_base(settings.content_dir if settings else None, language)
    handoff = Handoff(settings.telegram.operators_chat_id if settings else None, language,
                      kb.policy.response_time, angry_sentiment=kb.policy.angry_sentiment)
    feedback = Feedback(catalog, handoff)
    registry.command("feedback", feedback.command, "tell us what to improve")
    registry.text("feedback.pending", feedback.pending, priority=PENDING_PRIORITY)
    registry.text("feedback.detect", feedback.detect, priority=DETECT_PRIORITY)
    registry.flow(FLOW, feedback.pending)
    registry.button("fb", feedback.button)
    registry.hook("survey.free_text", feedback.survey_answer)
    registry.hook(ATTACHMENTS_HOOK, feedback.attach)
    register_storage(registry, catalog)
    registry.settings.setdefault("feedback.catalog", catalog)
