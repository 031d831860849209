"""Session 4's second pass (issue 14): public shaming, legal steps, "never again" and asking
for "someone" in five languages, and a few more Finglish function words."""

from __future__ import annotations

import pytest

from bot.latin_language import guess_latin
from bot.support.anger import Signal, read_anger


@pytest.mark.parametrize("text", [
    "i will post this everywhere", "posting about you on reddit",
    "I won't ever order from you again", "we will take legal steps",
    "расскажу всем в соцсетях", "больше не буду заказывать у вас",
    "дело будет решаться в судебном порядке",
    "همه جا می‌نویسم که چه فروشگاهی هستید", "موضوع رو از طریق مراجع قانونی پیگیری میکنم",
    "دیگه ازتون خرید نمیکنم",
    "ще пиша навсякъде какви сте", "повече няма да поръчвам от вас", "ще предприема правни мерки",
    "δεν ξαναψωνίζω από εδώ", "θα το γράψω παντού", "θα κινηθώ νομική οδό",
])
def test_public_shaming_legal_steps_and_never_again_are_threats(text: str) -> None:
    assert read_anger(text).signal is Signal.THREAT


def test_broken_promises_are_upset_in_persian() -> None:
    assert read_anger("خیلی بدقولید").signal is Signal.UPSET


@pytest.mark.parametrize("text", [
    "I want someone to fix this today", "need somebody from your team to call me",
])
def test_wanting_someone_to_act_asks_for_a_person(text: str) -> None:
    assert read_anger(text).signal is Signal.PERSON


@pytest.mark.parametrize("text", [
    "do you have instagram?", "can I order again?", "can someone tell me the delivery time",
    "از طریق اینستاگرام سفارش میدید؟", "θα ξαναπαραγγείλω σίγουρα",
])
def test_the_same_words_in_calm_questions_are_no_signal(text: str) -> None:
    assert read_anger(text).signal is None


@pytest.mark.parametrize("text", [
    "factor az koja begiram konam", "natije chi shod", "az koja sefaresh bedam",
])
def test_finglish_function_words_name_persian(text: str) -> None:
    guess = guess_latin(text)
    assert guess is not None and guess.code == "fa"
