"""Which language a message in Latin letters is written in: English, or transliterated
Russian, Bulgarian, Greek or Persian ("Finglish").

The NLU's language identifier knows transliterated ru/bg/el but not Finglish, and on a few
words it mixes them up (``stelnete stin kypro`` read as Bulgarian). Customers write with a
small set of very frequent function words and verb forms, so counting those is a robust
second opinion for the reply language; it is only used when it is clearly ahead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from nlu.text import CACHED_CHARS
from nlu.types import LanguageGuess


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of a word list."""
    return frozenset(text.split())


_WORD = re.compile(r"[a-z']+")

# Frequent words customers use; a word listed under two languages counts for both, weakly.
_MARKERS: dict[str, frozenset[str]] = {
    "en": _words(
        "the is are my i you do does can to a an how what where when why for it and of in on "
        "with please order delivery shipping refund return money card pay payment not no yes "
        "have has was will would want need this that your me help get got hi hello thanks "
        "there any still from at by if or"),
    "fa": _words(
        "salam salaam man kojast koja chera chetor chetori mikham mikhastam mikhaym mishe "
        "mitoonam mitunam mitoonid hast hastid nist darid dari darin kei key ki chand chie chi "
        "sefaresh sefareshe sefaresham sefareshm pool pul poolam pulam pardakht ersal bargasht "
        "hesab hesabam kharid nemikonam mikonam dige hichvaght hichvagh azatun azaton azat "
        "adam harf bezanam lotfan lotfa mamnoon mamnun merci kharab shekaste shekasteh shode "
        "shodeh nashode hanooz hanuz nareside naresid kolahbardar kolahbardarid baraye bede "
        "bedid beman kheili kheyli alan emruz emrooz farda ro ra tahvil kart moshkel "
        "mifrestid mifrestin mirese mireseh mirize residam chera ham az konam konid shod"),
    "ru": _words(
        "gde moy moi moya moyo zakaz zakaza zakazal dostavka dostavku skolko kogda vy vas "
        "menya mne nado nuzhno khochu hochu pochemu kak eto ne net da dengi vernut vernite "
        "vozvrat otpravlyaete otpravite posylka posylku spasibo pozhaluysta pozhalujsta bolshe "
        "nikogda kuplyu obmanshchiki moshenniki cheloveka chelovekom pozovite operatora chto kto "
        "seychas uzhe eshche tovar oplata oplatit kartoy karta trek nomer dai day idet prishel "
        "prishla slomalsya razbit razbilsya zdravstvuyte privet"),
    "bg": _words(
        "kude kade porachkata porachka porachkata kolko struva dostavkata iskam govorya chovek "
        "li prashtate koga shte varnete parite nikoga poveche nyama pazaruvam ot vas da "
        "izmamnitsi blagodarya molya zashto kakvo tova moyata plashtane vrashtane kak mi e "
        "ste imate mozhe dostavyate kasno zdraveyte zdrasti pratkata schupen schupena priemate"),
    "el": _words(
        "pou einai i paraggelia paragelia mou pote tha epistrepsete ta lefta den ksana "
        "ksanagorasw ksanagoraso apo sas apateones thelo thelw na milisw miliso me anthrwpo "
        "anthropo stelnete stin sto giati pos poso kostizei efxaristo efharisto parakalw "
        "parakalo kai ti ginetai dema apostoli pliromi kanete exete mporo mporw kala geia "
        "hrimata xrimata spasmeno"),
}
# Languages the bot does not write, by words no supported language (nor Finglish) uses, so a
# German or Spanish message is told which languages the bot speaks instead of being read as
# English (issue 15). Accents are stripped before matching ("dónde" is "donde").
_UNSUPPORTED: dict[str, frozenset[str]] = {
    "de": _words(
        "ich ist meine mein meinen wo wie wann warum und nicht bitte bestellung lieferung "
        "versand haben habe sie ihr ihre konnen kann mir mich nach ein eine einen zu mit auf "
        "fur von danke hallo guten gibt noch schon paket ruckgabe geld zuruck bezahlen zahlung "
        "wurde sind dem der das"),
    "fr": _words(
        "je suis est mon la mes ou quand comment pourquoi et pas merci bonjour commande "
        "livraison colis vous votre nous avec pour dans les des une le du au aux rembourser "
        "remboursement paiement payer qui quoi elle en livrez livrer envoyez acceptez ce combien "
        "coute puis pouvez est-ce"),
    "es": _words(
        "donde esta la pedido envio cuando cuanto como por que para hola gracias el los las "
        "una tengo quiero puedo pueden ustedes devolver reembolso pago tarjeta cuesta hay con "
        "sin del al en envian envios"),
    "it": _words(
        "dove sono il mio mia ordine spedizione quanto costa la perche ciao grazie gli della non "
        "posso potete avete rimborso pagamento consegna pagare spedite quanto tempo con per"),
    "pt": _words(
        "onde meu minha entrega obrigado obrigada ola voce voces nao encomenda quanto tempo "
        "demora para posso pagar envio"),
    "tr": _words(
        "nerede siparisim siparis kargo zaman neden merhaba tesekkurler tesekkur lutfen benim "
        "bir ve icin iade odeme"),
    "nl": _words(
        "waar mijn bestelling wanneer waarom niet bedankt alstublieft graag jullie levering "
        "verzending betalen terugbetaling het een"),
    "pl": _words(
        "gdzie jest moje moja zamowienie kiedy jak dlaczego dziekuje dzien dobry prosze czy "
        "mozna wysylka przesylka zwrot platnosc nie do sie"),
}
# Persian verbs in Latin letters: mi-/nemi-/be- prefixes with personal endings.
_FINGLISH_VERB = re.compile(r"^(?:mi|nemi|bi|be)[a-z]{2,}(?:am|i|e|im|id|in|an|and|eh)$")
_ENGLISH_SUFFIX = re.compile(r"(?:ing|ed|tion|ly)$")
CLEAR_LEAD = 2.0
"""The winner needs at least this many points more than the runner-up."""
LONE_SHARE = 0.25
"""Share of a message's words that must be one language's when no other has any."""
UNSUPPORTED_POINTS = 2.0
"""An unsupported language needs this many points ("posso pagare": two Italian words)…"""
UNSUPPORTED_LEAD = 1.0
"""…and this lead over every language the bot writes, to be told apart from English."""


@dataclass(frozen=True, slots=True)
class LatinGuess:
    """A language code and how far ahead of the next language it is (0 when unclear)."""

    code: str
    lead: float


def guess_latin(text: str) -> LatinGuess | None:
    """The language of a mostly-Latin message by its function words, or None when unclear."""
    scores = _scores(text)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top - second < CLEAR_LEAD:
        return None
    return LatinGuess(best, top - second)


def unsupported_latin(text: str) -> str | None:
    """A language the bot does not write, when its words are clearly ahead of the bot's own
    languages though not of each other ("posso pagare con…": Italian, Spanish and Portuguese
    share words; which of them does not matter, only that it is none of ours)."""
    scores = _scores(text)
    if not scores:
        return None
    theirs = max(_UNSUPPORTED, key=lambda code: scores[code])
    ours = max(scores[code] for code in _MARKERS)
    if scores[theirs] >= UNSUPPORTED_POINTS and scores[theirs] - ours >= UNSUPPORTED_LEAD:
        return theirs
    return None


def _owners(tables: dict[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """For each function word, the languages that use it."""
    owners: dict[str, tuple[str, ...]] = {}
    for code, words in tables.items():
        for word in words:
            owners[word] = (*owners.get(word, ()), code)
    return owners


_TABLES = {**_MARKERS, **_UNSUPPORTED}
_OWNERS = _owners(_TABLES)


def _scores(text: str) -> dict[str, float]:
    """Points per language for a mostly-Latin message (empty for other scripts)."""
    return dict(_scores_of(text) if len(text) <= CACHED_CHARS else _scores_of.__wrapped__(text))


# One turn asks about the same message four times or more (the reply language, the
# foreign-language check, unsupported Latin languages); bounded, since a message is any text.
@lru_cache(maxsize=1024)
def _scores_of(text: str) -> tuple[tuple[str, float], ...]:
    text = _without_accents(text)
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or sum(ch.isascii() for ch in letters) < 0.8 * len(letters):
        return ()
    scores = dict.fromkeys(_TABLES, 0.0)
    for word in _WORD.findall(text.casefold()):
        owners = _OWNERS.get(word, ())
        for code in owners:
            scores[code] += 1.0 / len(owners)
        if not owners and _FINGLISH_VERB.match(word):
            scores["fa"] += 1.0
        if not owners and _ENGLISH_SUFFIX.search(word):
            scores["en"] += 0.5
    return tuple(scores.items())


def marker_words() -> frozenset[str]:
    """The frequent words of the bot's own languages in Latin letters (support reads them as
    the bot's language, not as unknown words)."""
    return frozenset().union(*_MARKERS.values())


def uses_words_of(text: str, code: str) -> bool:
    """Some word of ``text`` is one of the frequent words of ``code`` ("delivery" for en)."""
    return share_of_words(text, code) > 0


def share_of_words(text: str, code: str) -> float:
    """The share of ``text``'s words that are frequent words of ``code``."""
    markers = _MARKERS.get(code, frozenset())
    found = _WORD.findall(_without_accents(text).casefold())
    return sum(word in markers for word in found) / len(found) if found else 0.0


def _without_accents(text: str) -> str:
    """Latin letters without their accents ("für" → "fur"); other scripts are unchanged."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def refine(guess: LanguageGuess, text: str) -> LanguageGuess:
    """The identifier's guess, replaced by the function-word count when that is clearly ahead,
    or when it is the only evidence and none of it is the guess's own: "delete my data" was
    read as transliterated Bulgarian (0.9994), though "my" is English and nothing Bulgarian."""
    latin = guess_latin(text) or _lone_evidence(text)
    if latin is None or latin.code == guess.code:
        return guess
    return LanguageGuess(latin.code, 1.0)


def _lone_evidence(text: str) -> LatinGuess | None:
    """The one language of ours whose frequent words a Latin message has (so the guessed
    language has none of its own), if they are at least ``LONE_SHARE`` of its words (one
    short word in a longer message can be a coincidence: "to" in Greeklish, "a" in Bulgarian)."""
    scores = _scores(text)
    found = [code for code, score in scores.items() if score > 0]
    if len(found) != 1 or found[0] not in _MARKERS \
            or share_of_words(text, found[0]) < LONE_SHARE:
        return None
    return LatinGuess(found[0], scores[found[0]])


CLOSE_PAIRS = (frozenset({"ru", "bg"}),)
"""Languages sharing a script and much vocabulary: a short message cannot tell them apart."""
CLOSE_SWITCH_WORDS = 4
"""Words a message needs before a guess moves a contact between a close pair."""


def settle(guess: LanguageGuess, text: str, stored: str | None) -> LanguageGuess:
    """The guess to reply in: Latin text by its function words, and the stored language kept
    against a guess of its close neighbour on a short message ("в казахстан доставляете?"
    is read as Bulgarian as easily as Russian)."""
    guess = refine(guess, text)
    if stored and frozenset({stored, guess.code}) in CLOSE_PAIRS \
            and len(text.split()) < CLOSE_SWITCH_WORDS:
        return LanguageGuess(stored, 1.0)
    return guess
