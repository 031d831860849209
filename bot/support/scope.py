"""Is a message the shop's business, and which entries do its words point to?

The NLU scores every message against the entries it was trained on, so "weather in Sofia"
lands on the entry whose examples mention Sofia. This module reads the message's own words
instead: function words, places and other shops' brands are set aside, and what is left is
looked up in the knowledge base's example questions. A message with no shop word is not the
shop's business, whatever the classifier says; a short message whose words belong to several
entries is ambiguous.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.latin_language import marker_words
from bot.support.kb.model import KnowledgeBase
from nlu.text import normalize, words
from nlu.training_data import load_training_data
from nlu.types import OUT_OF_SCOPE

CORE_DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"
"""The core intents' examples (greetings, thanks, asking for a person, complaints): their
words are the bot's own language, not another business's."""


def _words(text: str) -> frozenset[str]:
    """The words of a word list, normalised as messages are ("آلمان" is read "المان")."""
    return frozenset(words(text))


# Words that carry no topic: pronouns, articles, question words, auxiliaries, greetings and
# "question/problem about". Normalised like nlu.text.normalize (lower case, no Greek accents,
# ё as е, Persian ی/ک).
STOPWORDS = _words("""
i me my mine you your u we our us it its this that these those the a an is are was were be
been am do does did can could will would should shall may might must have has had not no yes
to for of in on at by from with about and or but if so as than then too very just also
how what where when why who which whom whose there here any some all one pls please plz hi
hello hey dear thanks thank ok okay question problem issue help tell know want wanna need
get got still again now today tonight tomorrow yesterday already ever never im ive dont
doesnt cant wont isnt whats wheres hows during after before until within regarding
concerning
я мне меня мой моя мое мои моей моего моим моему мою
вы вас вам ваш ваша ваши мы нас нам наш он она оно они его ее
их это этот эта эти тот та те то и а но или да нет не ни в во на по с со к ко у о об от до
за из для при про как что где когда почему зачем кто какой какая какие какое какую сколько
ли же бы вот уже еще ещё есть был была было были будет буду можно нужно надо хочу хотел
хотела пожалуйста здравствуйте привет добрый день спасибо вопрос проблема помогите скажите
подскажите сейчас сегодня завтра вчера очень через после перед около поводу насчет
من تو او ما شما آنها این آن اون یه یک و یا اما که از به با در برای تا را رو هم هست هستم
است نیست بود میشه می‌شه چی چه چطور چطوری چرا کجا کجاست کی کدوم کدام چند چقدر آیا لطفا
لطفاً سلام ممنون مرسی سوال سؤال مشکل دارم دارید دارین داره میخوام می‌خوام خواستم الان
امروز فردا دیروز خیلی یه سوال درباره مورد چطوره چطوریه چیه جای برام بهم واسه
аз ти той тя то ние вие те мен ме ми мой моя мое моите моята моят
ваш ваша вашата вас ви нас ни и а но
или да не ни в във на по с със към у от до за из при как какво къде кога защо кой коя кое
кои колко ли ще е са съм си бе беше има няма може трябва искам искаме моля здравейте
здрасти благодаря въпрос проблем помогнете кажете сега днес утре вчера много през след
преди около чрез относно
εγω εμενα μου με εσυ εσεις σας σου μας εμεις αυτος αυτη αυτο αυτα ο η το οι τα τον την του
της των τους στο στη στην στον στα στις στους και η αλλα ή να θα δεν μη μην σε απο για με
προς πως τι που ποτε γιατι ποιος ποια ποιο ποσο ποσα ποσες ειναι ειμαι ειστε ηταν εχω εχει
εχετε μπορω μπορειτε θελω παρακαλω γεια καλησπερα ευχαριστω ερωτηση προβλημα βοηθεια τωρα
σημερα αυριο χθες πολυ μετα πριν μεχρι σχετικα
""")

# Question words are function words for matching, but a message that has one asks something
# definite ("where is my parcel" is not as vague as "parcel").
QUESTION_WORDS = _words("""
where when how what why which who whats wheres hows
где когда как сколько почему что какой какая какие куда
کجا کجاست کی چند چقدر چرا چطور چطوری چه چی کدوم کدام
къде кога как колко защо какво кой коя кое
που ποτε πως ποσο ποσα ποσες γιατι τι ποιος ποια ποιο
""")

# Words that introduce a topic without asking anything about it: "question about payment",
# "re: my order", "по поводу возврата". A message of one topic word and these is a bare topic.
TOPIC_FILLERS = _words("""
about question questions regarding re concerning my the a an pls please plz thing things
stuff issue problem help hi hello hey urgent quick info information
вопрос вопросик по насчет поводу о об про мой моя мое мои моей моего мою а и с проблема
проблемы тема инфо информация здравствуйте привет
въпрос за относно моята моят моето моите ми а и с проблем тема информация здравейте
ερωτηση για την τη το η ο τον του της μου σχετικα με θεμα προβλημα πληροφοριες γεια
درباره مورد در سوال سؤال من با مشکل راجع به موضوع اطلاعات سلام ام
naschet nashet po povodu pro vopros otnosno vapros darbare mored soal gia sxetika thema
""")

# Days and times: a shop word in "are you open on saturday", not in "rain on saturday".
TIME_WORDS = _words("""
monday tuesday wednesday thursday friday saturday sunday weekend weekends morning evening
night week month
понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье выходные
выходных выходным утром вечером ночью неделе неделю
شنبه یکشنبه دوشنبه سه‌شنبه چهارشنبه پنجشنبه پنج‌شنبه جمعه اخر هفته صبح عصر شب
понеделник вторник сряда четвъртък петък събота неделя уикенд уикенда сутринта вечерта
седмица седмицата
δευτερα τριτη τεταρτη πεμπτη παρασκευη σαββατο κυριακη σαββατοκυριακο πρωι βραδυ εβδομαδα
""")

# Places: naming one says where, never which question. Normalised. The brand adds its own
# places and other shops' brands in its content (``support: names``, bot/support/kb/words.py).
NAMES = _words("""
germany france spain italy austria poland greece bulgaria russia iran usa america canada
australia japan china uk england britain ireland netherlands belgium sweden norway finland
denmark portugal switzerland turkey cyprus ukraine kazakhstan belarus israel
berlin paris london vienna madrid rome athens moscow tehran shiraz varna plovdiv
thessaloniki kazan minsk petersburg piter tokyo new york
германия германию франция францию испания испанию италия италию австрия австрию польша
польшу греция грецию болгария болгарию россия россию иран америка америку сша канада канаду
австралия австралию австралии япония японию китай казахстан казахстане беларусь кипр
берлин париж париже лондон вена мадрид рим афины москва москве тегеран питер
питере казань казани минск
германия франция испания италия австрия полша гърция гърцията българия русия иран америка
канада канаду австралия австралия япония китай кипър берлин париж лондон виена мадрид рим
атина москва варна варна пловдив пловдив германия
γερμανια γαλλια ισπανια ιταλια αυστρια πολωνια ελλαδα βουλγαρια ρωσια ιραν αμερικη καναδα
καναδα αυστραλια αυστραλιας ιαπωνια κινα κυπρο κυπρος βερολινο παρισι παρισι λονδινο βιεννη
μαδριτη ρωμη αθηνα αθηνα μοσχα θεσσαλονικη
آلمان فرانسه اسپانیا ایتالیا اتریش لهستان یونان بلغارستان روسیه ایران آمریکا امریکا کانادا
استرالیا ژاپن چین ترکیه قبرس برلین پاریس لندن وین مادرید رم آتن مسکو تهران شیراز
اصفهان مشهد تبریز
""")

# Other businesses' topics: with these the message is off topic unless shop words dominate.
# Goods the shop does not sell are the brand's to list (``support: off_topic``).
OFF_TOPIC = _words("""
weather rain forecast election elections vote president government homework math maths
mathematics joke jokes movie film song poem capital football recipe girlfriend boyfriend
horoscope bitcoin snow snowing raining sunny storm crypto ethereum translate translation
essay programming python javascript flight flights hotel hotels restaurant restaurants pizza
series netflix playstation lottery concert celebrity politics politician minister war
wifi router iphone android smartphone tyres tires universe sushi diet taxi plumber
electrician dentist
погода погоду погоды дождь выборы выборах выборов президент домашка домашнее задачу задача
математике математика анекдот шутка фильм песня стих столица столицу
футбол рецепт курс биткоин дожди дождя дождик снег снега снегопад жара жару
прогноз ветер солнечно крипта криптовалюта криптовалюту переведи сочинение
реферат программирование питон рейс рейсы авиабилеты отель отели гостиница ресторан
рестораны пицца пиццу сериал сериалы кино гороскоп лотерея матч чемпионат война войну
министр премьер роутер вайфай айфон андроид смартфон шины суши диета такси сантехник электрик
стоматолог
هوا هوای انتخابات رییس رئیس تمرین ریاضی جوک فیلم آهنگ شعر پایتخت
فوتبال باران بارون برف بورس ترجمه انشا برنامه نویسی پایتون پرواز هتل رستوران
پیتزا سریال فال جنگ وزیر نخست مودم وای فای ایفون اندروید سوشی رژیم تاکسی لوله کش برقکار دندانپزشک
времето изборите избори президент домашното домашно математика виц вица филм песен
стихотворение столицата столица футбол рецепта вали валя валеше дъжд
дъждовно сняг снега прогнозата слънчево борса биткойн преведи есе
съчинение програмиране полет полети хотел хотели ресторант ресторанти пица сериал сериали
кино хороскоп лотария мач мача първенство война министър премиер рутер айфон
андроид смартфон гумите гуми суши диета такси водопроводчик електротехник зъболекар
καιρο καιρος βροχη εκλογες εκλογων προεδρος ασκησεις ασκηση μαθηματικων μαθηματικα ανεκδοτο
ταινια τραγουδι ποιημα πρωτευουσα ποδοσφαιρο συνταγη καιρου βρεχει
βρεξει βροχες χιονι χιονιζει χιονισει ζεστη ηλιοφανεια χρηματιστηριο μεταφρασε
μεταφραση προγραμματισμος πτηση πτησεις ξενοδοχειο ξενοδοχεια εστιατοριο εστιατορια πιτσα
σινεμα ωροσκοπιο λοταρια ματς πρωταθλημα πολεμος υπουργος πρωθυπουργος ρουτερ
κινητο λαστιχα συνταγη συνταγες σουσι διαιτα ταξι υδραυλικο υδραυλικος ηλεκτρολογο
οδοντιατρο
fever antibiotics antibiotic throat cough flu doctor medicine pills symptoms vaccine
landlord rent deposit lasagna bechamel pasta sightseeing museum museums algorithm
coding array loop linked
жар кашель горло антибиотики антибиотик лекарство лекарства врач врача таблетки симптомы
прививка арендодатель аренда аренду залог лазанья бешамель паста достопримечательности
музей музеи алгоритм массив цикл
تب سرفه گلودرد آنتی بیوتیک دارو دکتر پزشک قرص علائم واکسن صاحبخانه اجاره رهن لازانیا
پاستا دیدنی موزه الگوریتم کدنویسی آرایه
треска кашлица гърло антибиотици антибиотик лекарство лекар хапчета
симптоми ваксина хазяин хазяйка наем наема депозит лазаня бешамел паста забележителности
разгледам музей музеи алгоритъм масив цикъл
πυρετος βηχας λαιμος αντιβιωσεις αντιβιωτικα φαρμακο φαρμακα γιατρος χαπια συμπτωματα
εμβολιο ιδιοκτητης ενοικιο ενοικιου νοικι λαζανια μπεσαμελ παστιτσιο μακαρονια αξιοθεατα
μουσειο αλγοριθμος βροχο
""")


OFF_TOPIC_PHRASES = re.compile(
    r"what time is it|which time is it|который час|сколько (?:сейчас )?времени в |"
    r"колко е часът|τι ωρα ειναι|ساعت .*چنده|ساعت چند است|"
    r"who (?:won|is the|was the)|кто (?:выиграл|победил)|кой (?:спечели|победи)|"
    r"ποιος (?:κερδισε|νικησε)|کی برد|چه کسی برد|"
    r"exchange rate|курс (?:доллара|евро|валют|рубля)|курсът на|قیمت (?:دلار|یورو|طلا|سکه)|"
    r"ισοτιμια|lose weight|похуде|отслаб|وزن کم|χασω (?:βαρος|κιλα)|"
    r"(?:сбить|сбивать) (?:температур|жар)|чем сбить|тب .*پایین|свалям температурата|"
    r"(?:ριξω|πεσει) (?:τον )?πυρετο|(?:bring|get) (?:a |the )?(?:fever|temperature) down")
"""Questions about the clock somewhere ("time" is a shop word: "delivery time") and who won
or who is someone: other businesses' questions whatever the rest of the words."""

SAME_MEANING = ((re.compile(r"\b(ποσο|πολυ|λιγο) καιρο\b"), r"\1 χρονο"),)
"""Idioms that borrow an off-topic word: Greek "πόσο καιρό" is "how long", not the weather."""


def stem(word: str) -> str:
    """A crude prefix stem: enough to match "оплата"/"оплатой", "shipping"/"shipped"."""
    return word if len(word) <= 4 else word[: max(4, len(word) - 3)]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """For each content-word stem of the example questions, its share in each entry."""

    shares: Mapping[str, Mapping[str, float]]
    titles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    uses: Mapping[str, int] = field(default_factory=dict)
    """In how many example questions each stem occurs."""
    names: frozenset[str] = NAMES
    """Places and brands: the generic list and the brand's own."""
    off_topic: frozenset[str] = OFF_TOPIC
    """Other businesses' words: the generic list and the brand's own."""
    known: frozenset[str] = frozenset()
    """Stems the bot knows besides the example questions: the answers' and titles' words, the
    core intents' examples and the transliterated function words. A content word outside
    ``shares`` and ``known`` is a word of somebody else's business ("Lipton", "Barcelona",
    "пакетиках" of a brand it does not sell)."""
    readings: dict[str, Reading] = field(default_factory=dict, compare=False, repr=False)
    """Recent messages' readings (``read``): a turn reads its message more than once."""

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Vocabulary:
        """Built from every example question of every entry, in every language."""
        names, off_topic = NAMES | kb.words.names, OFF_TOPIC | kb.words.off_topic
        found: dict[str, Counter[str]] = defaultdict(Counter)
        for entry in kb.entries.values():
            for questions in entry.questions.values():
                for question in questions:
                    for word in set(_content(question, names, off_topic)):
                        found[stem(word)][entry.id] += 1
        titles: dict[str, set[str]] = defaultdict(set)
        for entry in kb.entries.values():
            for title in entry.titles.values():
                for word in _content(title, names, off_topic):
                    titles[stem(word)].add(entry.id)
        known = set(titles) | _core_stems()
        for entry in kb.entries.values():
            for answer in entry.answers.values():
                known.update(stem(word) for word in _content(answer, names, off_topic))
        return cls({key: {e: n / sum(counts.values()) for e, n in counts.items()}
                    for key, counts in found.items()},
                   {key: frozenset(ids) for key, ids in titles.items()},
                   {key: sum(counts.values()) for key, counts in found.items()},
                   names, off_topic, frozenset(known))


@cache
def _core_stems() -> frozenset[str]:
    """Stems of the core intents' examples (not ``out_of_scope``'s) and of the transliterated
    function words: read once per process."""
    data = load_training_data([CORE_DATA])
    found = {stem(word) for example in data.examples if example.intent != OUT_OF_SCOPE
             for word in _content(example.text)}
    return frozenset(found | {stem(word) for word in marker_words()})


@dataclass(frozen=True, slots=True)
class Reading:
    """A message's words, as support judges them."""

    content: tuple[str, ...]
    """Words that are neither function words nor names."""
    names: tuple[str, ...]
    """Places and brands mentioned."""
    off_topic: bool
    """A word of another business's topic (weather, elections, homework…)."""
    word_shares: tuple[Mapping[str, float], ...]
    """For each content word the examples use, its share in each entry."""
    topics: frozenset[str] = frozenset()
    """Entries sharing a title word with the message, when the word names two or more
    ("payment" is in "Payment methods" and "Payment did not go through")."""
    pointing: tuple[Mapping[str, float], ...] = ()
    """``word_shares`` of the words seen in more than one example question."""
    asks: int = 0
    """Question words in the message ("where", "how much")."""
    times: int = 0
    """Shop words that only say when (days, weekend): they do not make weather a shop topic."""
    unknown: tuple[str, ...] = ()
    """Content words the bot does not know at all (see ``Vocabulary.known``)."""
    titled: int = 0
    """Content words of an entry's title ("возврат" in "Возврат товара"): a topic named."""
    bare: bool = False
    """Only content words and topic fillers ("about my refund"), no "ok?", "do", "can": a
    topic named, nothing asked about it."""

    @property
    def size(self) -> int:
        """Words that say something: content words, names and question words."""
        return len(self.content) + len(self.names) + self.asks

    @property
    def shop_words(self) -> int:
        """How many words of the message the knowledge base's examples use."""
        return len(self.word_shares)

    def distinctive(self, share: float) -> frozenset[str]:
        """Entries holding at least ``share`` of one of the message's words."""
        return frozenset(e for shares in self.pointing
                         for e, part in shares.items() if part >= share)

    def favourite(self) -> str | None:
        """The entry the message's words favour most (summed shares), if one leads."""
        totals: Counter[str] = Counter()
        for shares in self.word_shares:
            totals.update(shares)
        ranked = totals.most_common(2)
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return None
        return ranked[0][0]

    def candidates(self, share: float) -> frozenset[str]:
        """Entries holding at least ``share`` of some word of the message."""
        return frozenset(e for shares in self.word_shares
                         for e, part in shares.items() if part >= share)


READINGS_KEPT = 1024
"""At most this many readings are remembered per vocabulary (then the memory starts over)."""
READ_CACHED_CHARS = 2000


def read(text: str, vocabulary: Vocabulary) -> Reading:
    """Split ``text`` into content words, names and topic, and look the content up."""
    if len(text) > READ_CACHED_CHARS:
        return _read(text, vocabulary)
    if (kept := vocabulary.readings.get(text)) is not None:
        return kept
    if len(vocabulary.readings) >= READINGS_KEPT:
        vocabulary.readings.clear()
    reading = vocabulary.readings[text] = _read(text, vocabulary)
    return reading


def _read(text: str, vocabulary: Vocabulary) -> Reading:
    tokens = _tokens(text)
    names = tuple(w for w in tokens if w in vocabulary.names)
    content = tuple(_content_words(tokens, vocabulary.names, vocabulary.off_topic))
    known = tuple(shares for w in content if (shares := vocabulary.shares.get(stem(w))))
    # A word seen in a single example is as likely chance as a topic: it points nowhere.
    pointing = tuple(shares for w in content if vocabulary.uses.get(stem(w), 0) > 1
                     and (shares := vocabulary.shares.get(stem(w))))
    off_topic = any(w in vocabulary.off_topic for w in tokens) or bool(OFF_TOPIC_PHRASES.search(
        normalize(text)))
    topics = frozenset(e for w in content if len(ids := vocabulary.titles.get(stem(w), ())) > 1
                       for e in ids)
    asks = sum(w in QUESTION_WORDS for w in tokens)
    times = sum(w in TIME_WORDS and stem(w) in vocabulary.shares for w in content)
    unknown = tuple(w for w in content if stem(w) not in vocabulary.shares
                    and stem(w) not in vocabulary.known and w not in TIME_WORDS)
    titled = sum(stem(w) in vocabulary.titles for w in content)
    kept = set(content)
    bare = not names and all(w in kept or w in TOPIC_FILLERS for w in tokens)
    return Reading(content, names, off_topic, known, topics, pointing, asks, times, unknown,
                   titled, bare)


def _tokens(text: str) -> list[str]:
    """The words of ``text`` without bare numbers, idioms rewritten."""
    folded = normalize(text)
    for pattern, meaning in SAME_MEANING:
        folded = pattern.sub(meaning, folded)
    return [w for w in words(folded) if not w.isdigit()]


def _content(text: str, names: frozenset[str] = NAMES,
             off_topic: frozenset[str] = OFF_TOPIC) -> Iterable[str]:
    return _content_words(_tokens(text), names, off_topic)


def _content_words(tokens: Iterable[str], names: frozenset[str],
                   off_topic: frozenset[str]) -> Iterable[str]:
    for word in tokens:
        if word not in STOPWORDS and word not in names and word not in off_topic \
                and len(word) > 1 \
                and not any(ch.isdigit() for ch in word):
            yield word


def content_stems(text: str, names: frozenset[str] = NAMES,
                  off_topic: frozenset[str] = OFF_TOPIC) -> frozenset[str]:
    """The stems of a text's content words (what matching compares)."""
    return frozenset(stem(word) for word in _content(text, names, off_topic))
