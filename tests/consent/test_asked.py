"""A customer asking about their data in words gets /privacy, in their language."""

from __future__ import annotations

import pytest

from bot.consent.asked import asks_about_data
from tests.harness import BotHarness


@pytest.mark.parametrize("text", [
    "delete my data",
    "how do I delete my account?",
    "I want you to erase my personal data",
    "what data do you keep about me?",
    "GDPR request",
    "удалите мои персональные данные",
    "Как удалить мои данные?",
    "изтрийте данните ми",
    "διαγράψτε τα δεδομένα μου",
    "حسابم را چطور حذف کنم؟",
    "اطلاعاتم را پاک کنید",
])
def test_data_requests_in_five_languages_are_recognised(text: str) -> None:
    assert asks_about_data(text)


@pytest.mark.parametrize("text", [
    "delete my order",
    "remove an item from my order",
    "my account was charged twice, please remove the charge",
    "cancel my order",
    "update my delivery address",
    "удалите товар из корзины",
])
def test_orders_and_accounts_in_other_senses_are_not_data_requests(text: str) -> None:
    assert not asks_about_data(text)


async def test_a_data_request_in_words_is_answered_with_the_privacy_view(
        bot: BotHarness) -> None:
    # Before, "delete my data" got the off-topic decline (in Bulgarian: the identifier read
    # it as transliterated Bulgarian) and "please erase my personal data" opened a ticket.
    [view] = await bot.say("delete my data")
    assert "What we keep about you, and why:" in view.text and "/forget" in view.text
    [later] = await bot.say("please erase my personal data")
    assert "/forget" in later.text
