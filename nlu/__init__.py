"""Sarafan NLU: intents, out-of-scope, entities, language and sentiment; never imports bot/."""
