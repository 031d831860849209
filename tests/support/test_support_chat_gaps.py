"""Issue 15 item 5, with the real demo model: the same angry complaint opens a ticket in every
language, weather is declined in every language, and a language the bot does not speak gets
the unsupported-language reply (not topic suggestions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine.turns import _language
from bot.messages import Inbound
from bot.nlu_setup import local_model
from bot.storage.models import Contact
from bot.support.decide import Verdict, decide_support, masked
from bot.support.kb.check import load_knowledge_base
from bot.support.scope import Vocabulary
from nlu.langid import choose_language
from nlu.local import LocalNlu
from nlu.types import IntentScore, Parse
from tests.harness import BotHarness

KB = load_knowledge_base(None, "en")
VOCABULARY = Vocabulary.of(KB)


@pytest.fixture(scope="module")
def nlu(model_dir: Path) -> LocalNlu:
    """The demo's trained model (one training per test session)."""
    settings = Settings(_env_file=None, nlu={"model_dir": model_dir})  # type: ignore[call-arg]
    return local_model(settings)


def verdict(nlu: LocalNlu, text: str) -> Verdict:
    return decide_support(text, nlu.parse_sync(text), KB, VOCABULARY).verdict


# One angry report of a broken teapot, said the way each language's customers say it.
ANGRY_DAMAGE = [
    "The teapot came in pieces. I paid for this and I'm really angry, sort it out",
    "Чайник приехал разбитым. Я за это заплатил и очень зол, решайте",
    "Чайникът дойде счупен. Платих си го и съм много ядосан, оправете го",
    "قوری شکسته به دستم رسید. پولشو دادم و خیلی عصبانیم، درستش کنید",
    "Η τσαγιέρα ήρθε σπασμένη. Την πλήρωσα και είμαι πολύ θυμωμένη, φτιάξτε το",
    "Το φλιτζάνι ήρθε ραγισμένο και είμαι έξαλλος μαζί σας",
]


@pytest.mark.parametrize("text", ANGRY_DAMAGE)
def test_an_angry_report_of_broken_goods_opens_a_priority_ticket(nlu: LocalNlu,
                                                                  text: str) -> None:
    assert verdict(nlu, text) is Verdict.COMPLAINT


@pytest.mark.parametrize("text", [
    "the lid of my teapot arrived cracked",
    "крышка чайника пришла треснутой",
    "капакът на чайника пристигна пукнат",
    "το καπάκι της τσαγιέρας ήρθε ραγισμένο",
])
def test_a_calm_report_of_broken_goods_gets_the_damaged_item_answer(nlu: LocalNlu,
                                                                     text: str) -> None:
    decision = decide_support(text, nlu.parse_sync(text), KB, VOCABULARY)
    assert decision.verdict is Verdict.ANSWER
    assert decision.entries[0].id == "damaged_item"


@pytest.mark.parametrize("text", [
    "Θα έχει βροχή αύριο στη Λάρισα;",
    "θα χιονίσει το Σαββατοκύριακο;",
    "Будет ли дождь в субботу в Самаре?",
    "какой прогноз на выходные",
    "Ще вали ли утре в Бургас?",
    "какво ще е времето през уикенда",
    "will it snow on sunday",
    "هوای شیراز جمعه صبح چطوره؟",  # the days are shop words, the question is the weather
    "какво ще е времето в петък вечерта",
])
def test_weather_is_declined_in_every_language(nlu: LocalNlu, text: str) -> None:
    assert verdict(nlu, text) is Verdict.DECLINE


@pytest.mark.parametrize("text", [
    "Hallo, wann kommt meine Bestellung an?",
    "Kann ich mit Kreditkarte bezahlen?",
    "Bonjour, quand est-ce que ma commande arrive ?",
    "¿Cuánto cuesta el envío a México?",
    "Quanto costa la spedizione in Italia?",
    "Kiedy dotrze moja przesyłka?",
    "我想退货",
    "Добрий день, де моє замовлення?",  # Ukrainian: і/є/ї are no letters of ru or bg
    "Kargom ne zaman gelir, çok geç kaldı?",  # Turkish ğ/ı
])
def test_an_unsupported_language_gets_the_language_reply(nlu: LocalNlu, text: str) -> None:
    assert verdict(nlu, text) is Verdict.FOREIGN


@pytest.mark.parametrize("text", [
    "can I pay by card",
    "salam, sefaresham kei miresse",
    "kude e porachkata mi",
    "pou einai to dema mou",
    "Danke",
    "do you deliver to münchen?",  # an English question naming a German city
    "чай из кафе «Ёлка» доставляете?",
])
def test_supported_or_too_short_messages_are_not_called_foreign(nlu: LocalNlu,
                                                                text: str) -> None:
    assert verdict(nlu, text) is not Verdict.FOREIGN


@pytest.mark.parametrize("stored", ["ru", None])
def test_a_german_message_does_not_move_the_reply_language(stored: str | None) -> None:
    text = "Wo bleibt mein Paket, bitte?"
    contact = Contact(language=stored, language_source="hint" if stored else None)
    message = Inbound("webchat", "1", "u", "u", text=text)
    parse = Parse(text, choose_language(text, stored), IntentScore("out_of_scope", 1.0))
    assert _language(contact, message, parse, "en") == (stored or "en")


def test_order_ids_and_addresses_are_not_read_as_words(nlu: LocalNlu) -> None:
    text = "order SMV-48213, write to ann@mail.example"
    blanked = masked(text, nlu.parse_sync(text))
    assert "smv" not in blanked.lower() and "ann" not in blanked and "order" in blanked
    assert len(blanked) == len(text)


@pytest.mark.parametrize("text", [
    "sort out my refund today or i call my bank and dispute the charge",
    "your shop is a joke",
    "ye nafar az shoma javab bede lotfan",
    "некадърни сте, трета седмица чакам",
    "η εξυπηρέτησή σας είναι για κλάματα",
])
def test_threats_insults_and_asking_for_someone_reach_a_person(nlu: LocalNlu,
                                                               text: str) -> None:
    assert verdict(nlu, text) in (Verdict.COMPLAINT, Verdict.HANDOFF)


async def test_a_german_customer_is_told_which_languages_the_bot_writes(
        bot: BotHarness) -> None:
    [reply] = await bot.say("Guten Tag, wo bleibt meine Bestellung?")
    assert "I can only write in English, Russian, Persian, Bulgarian and Greek" in reply.text
    assert {b.payload for b in reply.buttons} >= {"lang:en", "lang:ru", "lang:fa"}
