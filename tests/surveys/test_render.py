"""Every question of the demo surveys, in every language, as Telegram and Messenger send it."""

from __future__ import annotations

import pytest

from bot.channels import messenger_render, telegram_render
from bot.config import LANGUAGES
from bot.messages import Reply
from bot.surveys.check import load_catalogue
from bot.surveys.flow import NS, VERSION_CHARS
from bot.surveys.questions import render

CATALOGUE = load_catalogue(None)
CASES = [(survey.id, question.id, language)
         for survey in CATALOGUE.surveys.values() for question in survey.questions
         for language in LANGUAGES]


def reply_for(survey_id: str, question_id: str, language: str) -> Reply:
    survey = CATALOGUE.surveys[survey_id]
    index = survey.index(question_id)
    prefix = f"{NS}:{survey.id}:{survey.version[:VERSION_CHARS]}:{index}:"
    return render(survey.questions[index], language, survey.default_language, prefix=prefix,
                  progress=f"{index + 1}/{len(survey.questions)}")


@pytest.mark.parametrize(("survey_id", "question_id", "language"), CASES)
def test_telegram_keyboard_carries_every_choice(survey_id: str, question_id: str,
                                                language: str) -> None:
    reply = reply_for(survey_id, question_id, language)
    [call] = telegram_render.render(42, reply)
    assert "(This question is only available" not in call.text  # demo is fully translated
    if reply.buttons:
        assert call.reply_markup is not None
        rows = call.reply_markup.inline_keyboard  # type: ignore[union-attr]
        payloads = [button.callback_data for row in rows for button in row]
        assert payloads == [b.payload for b in reply.buttons]
        assert all(len(p.encode()) <= telegram_render.MAX_CALLBACK_BYTES for p in payloads)


@pytest.mark.parametrize(("survey_id", "question_id", "language"), CASES)
def test_messenger_quick_replies_fit(survey_id: str, question_id: str, language: str) -> None:
    reply = reply_for(survey_id, question_id, language)
    [body] = messenger_render.render("psid", reply)
    quick = body["message"].get("quick_replies", [])
    assert len(quick) == len(reply.buttons) <= messenger_render.QUICK_REPLIES
    titles = [q["title"] for q in quick]
    assert all(len(t) <= messenger_render.TITLE_LIMIT for t in titles)
    assert len(set(titles)) == len(titles)  # still tell apart after cutting to 20 characters


def test_nps_is_eleven_buttons_on_every_channel() -> None:
    reply = reply_for("support_csat", "nps", "fa")
    assert [b.title for b in reply.buttons] == [str(n) for n in range(11)]
    [body] = messenger_render.render("psid", reply)
    assert len(body["message"]["quick_replies"]) == 11
    [call] = telegram_render.render(42, reply)  # two short rows, not eleven
    rows = call.reply_markup.inline_keyboard  # type: ignore[union-attr]
    assert [[button.text for button in row] for row in rows] == [
        ["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
    assert "0 = اصلاً محتمل نیست" in reply.text
