"""Who must reach a person: asked for one, angry, threatening, or upset about broken goods.

The NLU's ``request_human``/``complaint`` intents and its sentiment catch most of these, but
one missed angry customer costs more than one needless ticket, and the cues are few and fixed:
"manager", "one-star review", "lawyer", "never again", "!!". Patterns are matched on
normalised text (nlu.text.normalize: lower case, no Greek accents, ё as е, Persian ی/ک, ZWNJ
as a space, آ as ا), in the five languages and in Latin transliteration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from nlu.text import normalize


class Signal(StrEnum):
    """Why a person should take over."""

    PERSON = "person"
    THREAT = "threat"
    UPSET = "upset"


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


PERSON = _any(
    # en
    r"\b(?:human|real person|live person|live agent|manager|supervisor|operator|agent)\b",
    r"\btalk to (?:a |an |some)?(?:person|someone|somebody|people)\b",
    r"\b(?:want|need|get) (?:someone|somebody) (?:to|who|from)\b",
    # ru (and translit)
    r"оператор|менеджер|живым человеком|живой человек|живого человека|сотрудник|человека\b",
    r"\b(?:operatora?|cheloveka|chelovekom|menedzhera?)\b",
    # fa (and Finglish)
    r"اپراتور|مدیر|ادم واقعی|یه ادم|با یه نفر|کارشناس|پشتیبان انسانی|با یک انسان",
    r"\b(?:ye adam|ba adam|ye nafar|yeki javab|operator|modir|karshenas)\b|یه نفر|یکی جواب",
    # bg
    r"оператор|управител|с човек|жив човек|служител|\b(?:chovek|upravitel)\b",
    # el
    r"ανθρωπο|υπευθυνο|χειριστη|εκπροσωπο|υπαλληλο|\b(?:anthrwpo|anthropo|ypeuthyno)\b",
)
THREAT = _any(
    # en
    r"\b(?:1|one)[ -]?stars?\b|bad review|negative review|review everywhere|"
    r"\blawyer|\bsue\b|\bcourt\b|lawsuit|legal action|\bpolice\b|consumer protection|chargeback|"
    r"never (?:buy|buying|order|ordering|shop|shopping)\w*|\bscam|\bfraud|ripped off|"
    r"rip[- ]?off|\bthieves\b|call my bank|dispute (?:the|this|a) (?:charge|payment)|report you",
    r"\b(?:post|write|tell)\w* (?:(?:about )?(?:you|this|it) )?"
    r"(?:everywhere|on (?:instagram|facebook|twitter|tiktok|reddit|social media))|"
    r"tell everyone|legal (?:steps|route|measures)|"
    r"(?:won'?t|will not|not going to) (?:ever )?(?:buy|order|shop)\w* (?:\w+ )*?again",
    # ru
    r"(?:одну|1|одна) звезд|плох\w* отзыв|негатив\w* отзыв|отзыв\w* везде|суд\b|в суд|"
    r"юрист|адвокат|\bиск\b|исков\w* заявлени|роспотребнадзор|прокуратур|полици|"
    r"защит\w* прав потребител|"
    r"мошенник|обманщик|развод(?:илы|ят)|никогда (?:больше )?(?:не|у вас)|больше (?:никогда|не)"
    r" \w* ?(?:куплю|закажу|покупать|заказывать)",
    r"\b(?:obmanshchiki|moshenniki|nikogda|sud)\b|оспорю (?:платеж|оплату)|заявлени\w* в банк",
    r"(?:напишу|расскажу|выложу)\w* (?:об этом |о вас |про вас )?"
    r"(?:везде|всем|в соцсет|в инстаграм)|"
    r"юридическ\w* (?:меры|путь|порядк)|в судебном порядке|больше не (?:буду )?(?:покупать|"
    r"заказывать|куплю|закажу)",
    # fa
    r"نظر منفی|یک ستاره|یه ستاره|شکایت|دادگاه|وکیل|پلیس|کلاهبردار|دزد|"
    r"هیچ ?وقت|دیگه هیچ|حمایت از مصرف",
    r"\b(?:kolahbardar\w*|shekayat\w*|dadgah|vakil|hichvaght|hichvagh|dozd)\b",
    r"همه ?جا (?:می ?نویسم|میگم|می گم|پخش)|به همه (?:میگم|می گم|خواهم گفت)|"
    r"(?:اینستاگرام|اینستا|توییتر|شبکه های اجتماعی) .*(?:می ?نویسم|میذارم|پست)|"
    r"مراجع (?:قانونی|قضایی)|(?:پیگیری|اقدام) (?:قانونی|حقوقی)|از طریق قانون|"
    r"دیگه (?:ازتون|از شما) (?:خرید|سفارش)",
    # bg
    r"(?:една|1) звезд|лош\w* отзив|отзив\w* навсякъде|съдя|съд\b|съдебн|адвокат|кзп|полиция|"
    r"измам|никога повече|крадци",
    r"\b(?:izmam\w*|nikoga)\b",
    r"ще (?:пиша|разкажа|кажа)\w* (?:на всички|навсякъде|във фейсбук|в инстаграм)|"
    r"правни (?:мерки|действия)|по съдебен ред|повече (?:няма да|не) (?:пазарувам|поръчвам|поръчам|"
    r"купувам|купя)",
    # el
    r"(?:ενα|1) αστερ|κακη κριτικη|κριτικη .*αστερ|δικαστηρι|δικηγορ|καταγγελ|απατεων|"
    r"ποτε ξανα|αστυνομ|κλεφτες|μηνυσ|νομικα μετρα",
    r"\b(?:apateones|ksanagoras\w*|dikastirio)\b",
    r"δεν (?:θα )?ξανα(?:ψωνι|παραγγ|αγορα|αγορασ)|ξανα(?:ψωνι|παραγγ|αγορα)\w* ποτε|"
    r"θα (?:το |τα )?(?:γραψω|πω|ανεβασω)\w* (?:παντου|σε ολους|στο (?:facebook|instagram))|"
    r"νομικη οδο|νομικ\w* ενεργει",
)
UPSET = _any(
    r"outrageous|unacceptable|disgust|ridiculous|furious|pathetic|worst|\bangry\b|"
    r"fed up|sick of|irresponsible|incompetent|useless|terrible service|(?:are|is) a joke|"
    r"(?:nobody|no one|noone) (?:answers|replies|responds|helps)|who(?: is|'s) responsible for th",
    r"возмутительн|безобрази|кошмар|ужасн|отвратительн|издеватель|никто не (?:отвечает|отвечаете)|"
    r"\bзол\b|\bзлюсь|бесполезн|позорищ|безответственн|некомпетентн|в бешенстве|в ярости|"
    r"достали|надоело|кто (?:за это )?ответит|кто будет отвечать",
    r"افتضاح|مسخره|عصبانی|هیچ ?کس جواب|کسی جواب نمید|بی ?شرم|واقعا بده|خسته شدم از|بی ?مسئولیت|"
    r"بد ?قول|\bbadghol\w*|\bbad ghol\w*",
    r"безобразие|ужасн|отвратител|никой не отговаря|подигравка|ядосан|бесен|вбесен|писна ми|"
    r"безотговорн|некомпетентн|некадърн|безполезн|позор",
    r"απαραδεκτ|αισχος|ντροπη|χαλια|κανεις δεν απαντα|εξοργιστικ|θυμωμεν|εξαλλ|βαρεθηκα|"
    r"αγανακτ|τσαντισμεν|εξω φρενων|ανευθυν|ανικαν|για κλαματα|αχρηστ",
)
DAMAGE = _any(
    r"broke|smashed|shattered|cracked|chipped|damaged|crushed|missing|never arrived|stopped|"
    r"(?:was|were|is|are)n'?t in the (?:box|parcel|package)",
    r"разбит|вдребезги|слома|треснул|поврежд|повредил|помят|не пришл|пропал|перестал|"
    r"нет в (?:коробке|посылке)|не хватает|не положили",
    r"شکست|خرد شده|خورد شده|له شده|ترک|نرسید|گم شد|خراب",
    r"счуп|пукнат|повреден|смачкан|не пристигн|изгубен|липсва|няма в (?:кутията|пратката)",
    r"σπασ|κομματια|ραγισμεν|κατεστραμμεν|χαλασ|δεν ηρθε|χαθηκε|λειπ",
)


@dataclass(frozen=True, slots=True)
class Anger:
    """What the message says about the customer's need for a person."""

    signal: Signal | None

    @property
    def wants_person(self) -> bool:
        """Asked for a person outright."""
        return self.signal is Signal.PERSON

    @property
    def angry(self) -> bool:
        """Threatens, or is upset: a high-priority ticket."""
        return self.signal in (Signal.THREAT, Signal.UPSET)


def read_anger(text: str) -> Anger:
    """The strongest signal in ``text``: a threat beats upset beats asking for a person."""
    return _read_anger_cached(text) if len(text) <= CACHED_CHARS else _read_anger(text)


CACHED_CHARS = 2000
"""Readings of texts up to this long are remembered: a turn reads its message more than once
(the urgent check before every feature, then support's own decision)."""


@lru_cache(maxsize=1024)
def _read_anger_cached(text: str) -> Anger:
    return _read_anger(text)


def _read_anger(text: str) -> Anger:
    folded = normalize(text)
    if THREAT.search(folded):
        return Anger(Signal.THREAT)
    shouting = text.count("!") >= 2
    if UPSET.search(folded) or (shouting and DAMAGE.search(folded)):
        return Anger(Signal.UPSET)
    if PERSON.search(folded):
        return Anger(Signal.PERSON)
    return Anger(None)


def describes_damage(text: str) -> bool:
    """The message reports a broken, damaged or missing item."""
    return DAMAGE.search(normalize(text)) is not None
