"""The beta flow and decision, pure: hand-built turns, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.beta.campaign import Campaign
from bot.beta.decide import decide
from bot.beta.flow import Beta
from bot.beta.loader import campaign_files, load
from bot.beta.records import SubmitApplication
from bot.consent.records import GrantConsent
from bot.engine.types import ContactInfo, DialogueState, Outcome, Turn
from bot.messages import Inbound, Kind

CAMPAIGN = """\
id: kettle
product: Smart kettle
capacity: 2
waitlist: false
contact: []
title: {en: Kettle beta}
description: {en: A kettle}
consent: {version: v2, text: {en: We keep your answers.}}
invite: {text: {en: Welcome}}
questions:
  - id: brews
    type: multiple
    text: {en: "What do you brew"}
    options:
      - {id: black, label: {en: Black}}
      - {id: green, label: {en: Green}}
      - {id: herbal, label: {en: Herbal}}
  - id: cups
    type: number
    min: 0
    max: 30
    text: {en: "Cups a day"}
eligibility:
  - {question: brews, in: [green]}
  - {question: cups, min: 2}
  - {contact: channel, not_in: [messenger]}
"""
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def campaign(tmp_path: Path) -> Campaign:
    (tmp_path / "beta").mkdir(exist_ok=True)
    (tmp_path / "beta" / "kettle.yml").write_text(CAMPAIGN, encoding="utf-8")
    loaded = load(campaign_files(tmp_path))
    assert [p for p in loaded.problems if "missing language" not in p.message] == []
    return loaded.campaigns["kettle"]


def turn(state: DialogueState, text: str | None = None, payload: str | None = None) -> Turn:
    kind = Kind.BUTTON if payload else Kind.TEXT
    message = Inbound(channel="webchat", update_id="1", user_id="u", chat_id="u", kind=kind,
                      text=text, payload=payload)
    return Turn(message, ContactInfo(3, "webchat", "u", "en"), state, NOW)


def test_multiple_choice_ticks_numbers_and_submit(tmp_path: Path) -> None:
    beta = Beta({"kettle": campaign(tmp_path)})
    offer = beta.apply_command(turn(DialogueState(), "/beta kettle"), "kettle")
    assert offer.state.step == "consent"
    agreed = beta.button(turn(offer.state, payload="beta:consent:kettle:yes"))
    assert isinstance(agreed, Outcome) and agreed.records == (GrantConsent("beta", "kettle:v2"),)
    assert agreed.replies[0].text.startswith("1/2 · What do you brew")
    ticked = beta.button(turn(agreed.state, payload="beta:a:kettle:0:2"))
    assert ticked is not None and "✓ Green" in [b.title for b in ticked.replies[0].buttons]
    done = beta.button(turn(ticked.state, payload="beta:a:kettle:0:d"))
    assert done is not None and done.replies[0].text.startswith("2/2 · Cups a day")
    too_many = beta.flow(turn(done.state, "99"))
    assert too_many is not None and "from 0 to 30" in too_many.replies[0].text
    finished = beta.flow(turn(done.state, "۳"))  # Persian digits
    assert finished is not None and finished.state == DialogueState()
    [record] = finished.records
    assert isinstance(record, SubmitApplication)
    assert record.answers == {"brews": ["green"], "cups": 3}
    assert beta.button(turn(done.state, payload="beta:a:kettle:0:1")) is None  # stale


def test_decision_by_rules_and_capacity(tmp_path: Path) -> None:
    kettle = campaign(tmp_path)
    web = {"channel": "webchat", "language": "en", "source": None}
    assert decide(kettle, {"brews": ["black", "green"], "cups": 3}, web, 0) == ("accepted",
                                                                               "rules")
    assert decide(kettle, {"brews": ["black"], "cups": 3}, web, 0)[0] == "rejected"
    assert decide(kettle, {"brews": ["green"], "cups": 1}, web, 0)[1] == (
        "rule: question cups >= 2")
    messenger = {**web, "channel": "messenger"}
    assert decide(kettle, {"brews": ["green"], "cups": 3}, messenger, 0)[1].startswith(
        "rule: contact channel")
    assert decide(kettle, {"brews": ["green"], "cups": 3}, web, 2) == ("rejected", "capacity")
    waiting = kettle.model_copy(update={"waitlist": True})
    assert decide(waiting, {"brews": ["green"], "cups": 3}, web, 2) == ("waitlisted",
                                                                        "capacity")
