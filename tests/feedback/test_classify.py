"""Categories, products and sentiment of single messages in the five languages."""

from __future__ import annotations

import pytest

from bot.feedback.catalog import load_catalog
from bot.feedback.classify import analyse

CATALOG = load_catalog()


@pytest.mark.parametrize(("language", "text", "category", "product"), [
    ("en", "could you add an oolong gift box", "feature_request", "oolong"),
    ("ru", "добавьте пожалуйста улун побольше", "feature_request", "oolong"),
    ("fa", "کاش اپلیکیشن موبایل داشتید", "feature_request", "mobile_app"),
    ("bg", "направете приложение за телефона", "feature_request", "mobile_app"),
    ("el", "θα ήθελα εφαρμογή για το κινητό", "feature_request", "mobile_app"),
    ("en", "the kettle stopped working", "bug", "kettle"),
    ("ru", "сайт выдает ошибку при оплате", "bug", "website"),
    ("fa", "سایت موقع پرداخت ارور میده", "bug", "website"),
    ("bg", "сайтът дава грешка", "bug", "website"),
    ("el", "το site βγάζει σφάλμα", "bug", "website"),
    ("en", "absolutely love your matcha", "praise", "matcha"),
    ("ru", "обожаю вашу сенчу", "praise", "sencha"),
    ("el", "λατρεύω το σαμοβάρι σας", "praise", "samovar"),
])
def test_category_and_product(language: str, text: str, category: str, product: str) -> None:
    found = analyse(text, language, CATALOG)
    assert (found.category, found.product) == (category, product)


def test_angry_and_unclear() -> None:
    angry = analyse("terrible, the worst, I hate it", "en", CATALOG)
    assert angry.category == "complaint" and angry.polarity == "negative"
    assert analyse("hmm", "en", CATALOG).category is None
    question = analyse("where is the teapot?", "en", CATALOG)
    assert question.category == "question" and question.signal < 1


@pytest.mark.parametrize(("language", "text"), [
    ("fa", "استانبول. بهترین رستوران اونجا کجاست؟"),  # Persian writes "؟"
    ("el", "ποιο τσάι είναι το καλύτερο;"),  # Greek writes ";" for "?"
    ("bg", "виена. кой е най-добрият музей там"),  # a question word, no mark at all
    ("en", "which of your teas is the best"),
])
def test_questions_in_every_script_are_questions(language: str, text: str) -> None:
    assert analyse(text, language, CATALOG).asks
