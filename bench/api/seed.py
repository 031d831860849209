"""Bulk demo rows straight into the feature tables (SQLAlchemy Core inserts), for the API
benchmark and the API tests: contacts, feedback items, survey responses with answers, beta
applications. Deterministic (seeded random), five languages, several channels and sources."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.tables import BetaApplication
from bot.feedback.tables import FeedbackItem
from bot.storage.base import utcnow
from bot.storage.models import Contact
from bot.surveys.tables import SurveyAnswer, SurveyResponse

LANGUAGES = ("en", "ru", "fa", "bg", "el")
CHANNELS = ("telegram", "messenger", "webchat")
SOURCES = ("spring-promo", "instagram", "qr-shop", None)
CATEGORIES = ("bug", "feature", "praise", "complaint", "question")
PRODUCTS = ("green-tea", "samovar", "tasting-box", None)
SENTIMENTS = ("negative", "neutral", "positive")
TEXTS = {
    "en": "The delivery took too long and the box was damaged",
    "ru": "Доставка заняла слишком много времени, коробка помята",
    "fa": "ارسال خیلی طول کشید و جعبه آسیب دیده بود",
    "bg": "Доставката отне твърде дълго и кутията беше повредена",
    "el": "Η παράδοση άργησε πολύ και το κουτί ήταν χτυπημένο",
}
CHUNK = 5000


async def _chunks(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(table), rows[start:start + CHUNK])


async def seed(session: AsyncSession, *, contacts: int = 1000, feedback: int = 0,
               responses: int = 0, applicants: int = 0, seed_value: int = 11) -> list[int]:
    """Insert the rows (in ``session``'s transaction); the new contacts' ids."""
    rnd = random.Random(seed_value)
    now = utcnow()
    # No explicit ids: PostgreSQL sequences must stay ahead of the rows for later inserts.
    prefix = f"bench-{seed_value}-"
    await _chunks(session, Contact.__table__, [
        {"channel": rnd.choice(CHANNELS), "external_id": f"{prefix}{n}",
         "display_name": f"Person {n}", "language": LANGUAGES[n % 5],
         "language_source": "detected", "first_seen": now - timedelta(days=90),
         "last_seen": now - timedelta(minutes=n % 5000), "source": rnd.choice(SOURCES)}
        for n in range(contacts)])
    ids = list((await session.scalars(select(Contact.id).where(
        Contact.external_id.startswith(prefix)).order_by(Contact.id))).all())
    rows = []
    for n in range(feedback):
        language = LANGUAGES[n % 5]
        text = f"{TEXTS[language]} #{n}"
        rows.append({
            "key": f"bench:{seed_value}:{n}", "contact_id": ids[n % contacts],
            "channel": CHANNELS[n % 3], "language": language, "source": SOURCES[n % 4],
            "campaign": None, "origin": "command", "text": text,
            "text_hash": hashlib.sha256(text.encode()).hexdigest(),
            "category": CATEGORIES[n % 5], "product": PRODUCTS[n % 4],
            "sentiment": SENTIMENTS[n % 3], "sentiment_score": (n % 3 - 1) * 0.6,
            "rating": None, "concepts": {}, "attachments": [], "theme_manual": False,
            "erased": False, "created_at": now - timedelta(minutes=n)})
    await _chunks(session, FeedbackItem.__table__, rows)
    await _survey(session, rnd, ids, responses, seed_value)
    await _chunks(session, BetaApplication.__table__, [
        {"campaign": "tasting_box", "contact_id": ids[n], "status": "applied",
         "email": f"person{ids[n]}@example.com", "phone": None, "answers": {},
         "consent_version": "v1", "channel": CHANNELS[n % 3], "language": LANGUAGES[n % 5],
         "source": SOURCES[n % 4], "via": "link", "applied_at": now - timedelta(hours=n),
         "updated_at": now - timedelta(hours=n)}
        for n in range(min(applicants, contacts))])
    return ids


async def _survey(session: AsyncSession, rnd: random.Random, ids: list[int], count: int,
                  seed_value: int) -> None:
    """``count`` support_csat responses, most completed, each with a CSAT and an NPS answer."""
    if not count:
        return
    now = utcnow()
    responses, answers = [], []
    for n in range(count):
        done = n % 10 != 0
        started = now - timedelta(minutes=3 * n)
        responses.append({
            "key": f"b{seed_value}-{n}", "survey_id": "support_csat",
            "version": "bench", "contact_id": ids[n % len(ids)], "channel": CHANNELS[n % 3],
            "language": LANGUAGES[n % 5], "source": SOURCES[n % 4], "campaign": None,
            "hidden": {}, "status": "completed" if done else "abandoned",
            "current_question": None if done else "nps", "promoter_asked": False,
            "started_at": started, "last_activity_at": started + timedelta(seconds=40),
            "completed_at": started + timedelta(seconds=40) if done else None})
        answers.append({"response_id": n, "survey_id": "support_csat",
                        "version": "bench", "question_id": "csat", "question_type": "csat",
                        "question_text": "How satisfied are you?", "option_ids": [],
                        "number": float(rnd.randint(1, 5)), "skipped": False,
                        "superseded": False, "erased": False, "created_at": started})
        if done:
            answers.append({"response_id": n, "survey_id": "support_csat",
                            "version": "bench", "question_id": "nps", "question_type": "nps",
                            "question_text": "How likely are you to recommend us?",
                            "option_ids": [], "number": float(rnd.randint(0, 10)),
                            "skipped": False, "superseded": False, "erased": False,
                            "created_at": started + timedelta(seconds=20)})
    await _chunks(session, SurveyResponse.__table__, responses)
    stored = {key: ident for key, ident in (await session.execute(
        select(SurveyResponse.key, SurveyResponse.id).where(
            SurveyResponse.key.startswith(f"b{seed_value}-")))).all()}
    for answer in answers:  # the n-th response's id, now that the database gave it one
        answer["response_id"] = stored[f"b{seed_value}-{answer['response_id']}"]
    await _chunks(session, SurveyAnswer.__table__, answers)
