"""Demand research: chat-native surveys (issue 8). Everything about surveys lives here.

Surveys are content files (``<content>/surveys/*.yml``, see :mod:`bot.surveys.model`), run as a
pure conversation (:mod:`bot.surveys.flow`) whose answers are stored as they are given
(:mod:`bot.surveys.store`), read back by :mod:`bot.surveys.results` (CLI, HTTP API) and sent
to segments by :mod:`bot.surveys.invitations`.
"""

from __future__ import annotations

from functools import partial

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add survey commands, deep links, flows, jobs and storage."""
    from bot.support.handoff import Handoff
    from bot.support.kb.check import load_knowledge_base
    from bot.surveys.check import load_catalogue
    from bot.surveys.flow import FLOW, NS, START_NS, Surveys
    from bot.surveys.invitations import register_jobs
    from bot.surveys.store import register_storage

    settings = registry.settings.get("settings")
    catalogue = load_catalogue(settings.content_dir if settings else None)
    handoff = None
    if settings is not None:
        # The same handoff support builds (bot/support/flow.py), so a detractor's ticket goes
        # to the same operators with the same promised response time.
        kb = load_knowledge_base(settings.content_dir, settings.default_language)
        handoff = Handoff(settings.telegram.operators_chat_id, settings.default_language,
                          kb.policy.response_time, angry_sentiment=kb.policy.angry_sentiment)
    feature = Surveys(catalogue, handoff, registry.hooks_for)
    registry.command("survey", feature.survey_command, "take a survey")
    registry.command("skip", feature.skip_command, "skip a survey question")
    registry.command("back", feature.back_command, "change your last survey answer")
    # /cancel stops a running survey (its answers stay); anything else goes to the basic /cancel.
    registry.commands["cancel"] = partial(feature.cancel_command,
                                          fallback=registry.commands.get("cancel"))
    registry.button(NS, feature.on_button)
    registry.button(START_NS, feature.start_button)
    registry.flow(FLOW, feature.on_text)
    registry.start_payload("survey", feature.start_link)
    register_storage(registry, feature)
    register_jobs(registry)
