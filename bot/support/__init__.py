"""Support (job 1): answer from the knowledge base, ask back, decline, hand over to a person.

Everything about support lives here: the knowledge base content schema and loader
(:mod:`bot.support.kb`), the pure decision (:mod:`bot.support.decide` reading
:mod:`bot.support.scope` and :mod:`bot.support.anger`), the conversation
(:mod:`bot.support.flow`), the handoff to operators (:mod:`bot.support.handoff`, its records
and their storage in :mod:`bot.support.handoff_store`), the ticket tables
(:mod:`bot.support.tickets`) and the ``sarafan kb`` / ``sarafan tickets`` commands
(:mod:`bot.support.cli`).
"""

from __future__ import annotations

from bot.engine.registry import Registry


def register(registry: Registry) -> None:
    """Add the support flow, the handoff and their storage (imported late: the CLI stays fast)."""
    from bot.support.flow import register as register_flow

    register_flow(registry)
