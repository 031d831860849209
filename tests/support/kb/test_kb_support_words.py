"""The brand's own words for support's judgement: ``support:`` in a content file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.support.kb.check import build, check, load_knowledge_base
from bot.support.kb.loader import kb_files
from bot.support.scope import NAMES, OFF_TOPIC, Vocabulary, read
from tests.support.kb.test_kb_check import entry, write

BRAND = """\
support:
  names:
    en: [Plovdiv Old Town, Reebok]
    ru: [Пловдив]
  off_topic: [guitar, гитара]
entries:
""" + entry("strings", extra="")


def test_brand_words_are_read_normalised_and_used_by_the_judgement(tmp_path: Path) -> None:
    write(tmp_path, "faq.yml", BRAND)
    parsed, problems = check(kb_files(tmp_path))
    assert problems == []
    kb = build(parsed, "en")
    assert {"plovdiv", "old", "town", "reebok", "пловдив"} <= kb.words.names
    assert kb.words.off_topic == {"guitar", "гитара"}
    vocabulary = Vocabulary.of(kb)
    reading = read("reebok guitar in plovdiv?", vocabulary)
    assert reading.names == ("reebok", "plovdiv") and reading.off_topic
    assert reading.content == ()


def test_the_demo_keeps_its_own_city_and_goods_in_its_content() -> None:
    kb = load_knowledge_base(None, "en")
    assert {"sofia", "софия", "σοφια", "صوفیه", "nike"} <= kb.words.names
    assert {"shoes", "кроссовки", "παπουτσια"} <= kb.words.off_topic
    # The code keeps only what is true of every shop.
    assert not {"sofia", "nike", "adidas"} & NAMES
    assert not {"shoes", "laptop"} & OFF_TOPIC


def test_bad_support_blocks_are_reported_with_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "faq.yml", """\
support:
  nmaes: [Sofia]
  names:
    xx: [Sofia]
  off_topic: "guitar"
suport: {}
entries:
""" + entry("strings"))
    assert [str(p) for p in check(kb_files(tmp_path))[1]] == [
        f"{path}:2: unknown support key 'nmaes' (expected one of names, off_topic)",
        f"{path}:4: support.names has unknown language 'xx'",
        f"{path}:5: support.off_topic must be a list of words (or one list per language)",
        f"{path}:6: unknown key 'suport' (expected one of entries, policy, support)",
    ]


def test_kb_check_warns_when_examples_use_an_off_topic_word(tmp_path: Path) -> None:
    write(tmp_path, "faq.yml", "support:\n  off_topic: [Strings]\nentries:\n" + entry("strings"))
    result = CliRunner().invoke(app, ["kb", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "entry 'strings' uses off-topic word(s) strings (support: off_topic)" in result.output


def test_policy_values_are_checked_and_a_wrong_one_keeps_the_default(tmp_path: Path) -> None:
    path = write(tmp_path, "faq.yml", """\
policy:
  clarify_margin: 0.8
  answer_confidence: high
  misses_before_handoff: 1.5
  angry_sentiment: -0.4
entries:
""" + entry("strings"))
    parsed, problems = check(kb_files(tmp_path))
    assert [str(p) for p in problems] == [
        f"{path}:1: policy setting 'answer_confidence': must be a number from 0 to 1 "
        "(got 'high')",
        f"{path}:1: policy setting 'misses_before_handoff': must be a whole number, 0 or more "
        "(got 1.5)",
    ]
    policy = build(parsed, "en").policy
    assert (policy.clarify_margin, policy.angry_sentiment) == (0.8, -0.4)
    assert (policy.answer_confidence, policy.misses_before_handoff) == (0.5, 2)
