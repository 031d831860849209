"""Built-in and training-data entity extraction."""

from __future__ import annotations

from nlu.entities import EntityExtractor
from nlu.training_data import Pattern, TrainingData
from nlu.types import Entity, Example


def values(
    text: str, language: str | None = "en", data: TrainingData | None = None
) -> set[tuple[str, str]]:
    extractor = EntityExtractor.from_data(data or TrainingData())
    return {(e.entity, e.value) for e in extractor.extract(text, language)}


def test_email_url_and_number() -> None:
    found = values(
        "mail me at jo.doe+x@mail.example.com or see https://shop.example/a?b=1, 3 items"
    )
    assert ("email", "jo.doe+x@mail.example.com") in found
    assert ("url", "https://shop.example/a?b=1") in found
    assert ("number", "3") in found


def test_international_and_national_phone_numbers() -> None:
    assert ("phone_number", "+442079460958") in values("call +44 20 7946 0958")
    assert ("phone_number", "+79161234567") in values("тел 8 (916) 123-45-67", "ru")
    assert ("phone_number", "+359888123456") in values("обадете се на 0888 123 456", "bg")
    assert ("phone_number", "+989123456789") in values("شماره ۰۹۱۲۳۴۵۶۷۸۹", "fa")


def test_order_ids() -> None:
    assert ("order_id", "48213") in values("order #48213 is late")
    assert ("order_id", "ORD-2024-0042") in values("about ORD-2024-0042")
    assert ("order_id", "123456") in values("заказ номер 123456", "ru")


def test_decimal_comma_number() -> None:
    assert ("number", "12.5") in values("it costs 12,5 euro")


def test_regex_lookup_annotation_and_synonyms() -> None:
    data = TrainingData(
        examples=[Example("pay with visa", "pay", entities=(Entity("card", "visa", 9, 13, "a"),))],
        synonyms={"mastercard": "mc"},
        regexes=[Pattern("iban", (r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b",))],
        lookups=[Pattern("card", ("MasterCard",))],
        declared_entities={"iban"},
    )
    found = values("use mastercard or VISA, iban DE89370400440532013000", data=data)
    assert ("card", "mc") in found
    # As in Rasa: an annotated value is not a lookup table (only the model may tag it).
    assert ("card", "VISA") not in found
    assert ("iban", "DE89370400440532013000") in found
    assert not any(name == "number" for name, _ in found)
