"""Knowledge-base files: the demo is clean, broken files are reported with file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.config import LANGUAGES
from bot.support.kb.check import build, check
from bot.support.kb.loader import kb_files

ALL = ("en", "ru", "fa", "bg", "el")


def entry(entry_id: str, *, skip: str = "", answer: str = "Fine.", extra: str = "") -> str:
    """One entry in every language but ``skip``, as YAML."""
    langs = [lang for lang in ALL if lang != skip]
    titles = "".join(f"\n      {lang}: T {lang}" for lang in langs)
    questions = "".join(f"\n      {lang}: [q1 {entry_id} {lang}, q2 {entry_id} {lang}, "
                        f"q3 {entry_id} {lang}]" for lang in langs)
    answers = "".join(f"\n      {lang}: {answer!r}" for lang in langs)
    return (f"  - id: {entry_id}\n    title:{titles}\n    questions:{questions}\n"
            f"    answer:{answers}\n{extra}")


def write(tmp_path: Path, name: str, body: str) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def problems(tmp_path: Path) -> list[str]:
    return [str(p) for p in check(kb_files(tmp_path))[1]]


def test_the_demo_content_is_clean_and_covers_every_language() -> None:
    parsed, found = check(kb_files(None))
    assert found == []
    assert 12 <= len(parsed.entries) <= 15
    for item in parsed.entries:
        assert set(item.answers) == set(LANGUAGES) == set(item.questions)
        assert all(6 <= len(qs) <= 20 for qs in item.questions.values()), item.id


def test_missing_language_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yml", "entries:\n" + entry("shipping", skip="fa"))
    found = problems(tmp_path)
    assert f"{path}:3: entry 'shipping': 'title' misses language 'fa'" in found
    assert any(p.startswith(f"{path}:") and "'answer' misses language 'fa'" in p for p in found)


def test_duplicate_id_points_at_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "entries:\n" + entry("returns"))
    second = write(tmp_path, "b.yml", "entries:\n" + entry("returns"))
    [duplicate] = [p for p in problems(tmp_path) if "duplicate" in p]
    assert duplicate.startswith(f"{second}:2: duplicate id 'returns' (first defined at ")
    assert "a.yml:2" in duplicate


def test_empty_answer(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yml", "entries:\n" + entry("pay", answer=" "))
    found = problems(tmp_path)
    assert f"{path}:16: entry 'pay': empty answer in 'en'" in found


def test_yaml_syntax_error_and_unknown_keys(tmp_path: Path) -> None:
    bad = write(tmp_path, "a.yml", "entries:\n  - id: x\n    title: [unclosed\n")
    typo = write(tmp_path, "b.yml", "entries:\n" + entry("ok", extra="    anwser: typo\n"))
    found = problems(tmp_path)
    assert any(p.startswith(f"{bad}:") and "not valid YAML" in p for p in found)
    assert any(p.startswith(f"{typo}:21: unknown key 'anwser'") for p in found)


def test_bad_ids_relations_links_and_thin_examples(tmp_path: Path) -> None:
    body = textwrap.dedent("""\
        entries:
          - id: Bad Id!
          - title: {en: no id}
        """) + entry("ok", extra="    related: [ghost]\n    links:\n      - url: ftp://x\n")
    path = write(tmp_path, "a.yml", body)
    found = problems(tmp_path)
    assert f"{path}:2: entry needs an 'id' of lowercase letters, digits and '_'" in found
    assert any("relates to unknown entry 'ghost'" in p for p in found)
    assert any("link needs an http(s) 'url'" in p for p in found)


def test_an_entry_without_the_default_answer_is_left_out(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", "entries:\n" + entry("a", skip="en") + entry("b"))
    parsed, found = check(kb_files(tmp_path))
    assert any("no answer in the default language 'en'" in str(p) for p in found)
    assert list(build(parsed, "en").entries) == ["b"]


def test_cli_kb_check(tmp_path: Path) -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["kb", "check"])
    assert clean.exit_code == 0, clean.output
    assert "0 problems" in clean.output
    write(tmp_path, "a.yml", "entries:\n" + entry("x", skip="el"))
    broken = runner.invoke(app, ["kb", "check", str(tmp_path)])
    assert broken.exit_code == 1
    assert "a.yml:3: entry 'x': 'title' misses language 'el'" in broken.output
    empty = runner.invoke(app, ["kb", "check", str(tmp_path / "nothing")])
    assert empty.exit_code == 1


MARKDOWN = """\
---
id: gift_cards
tags: [payment]
title: {en: Gift cards, ru: Подарочные карты, fa: کارت هدیه, bg: Ваучери, el: Δωροκάρτες}
questions:
  en: [do you sell gift cards, can I buy a voucher, gift card for a friend]
  ru: [есть подарочные карты, можно купить сертификат, подарочная карта для друга]
  fa: [کارت هدیه دارید, می‌شود کارت هدیه خرید, کارت هدیه برای دوستم]
  bg: [имате ли ваучери, може ли да купя ваучер, ваучер за приятел]
  el: [έχετε δωροκάρτες, μπορώ να αγοράσω δωροεπιταγή, δωροκάρτα για φίλο]
---
## en
Yes: **gift cards** from €10 to €200, sent by email.

## ru
Да: подарочные карты от 10 до 200 €, приходят на почту.

## fa
بله: کارت هدیه از ۱۰ تا ۲۰۰ یورو، با ایمیل ارسال می‌شود.

## bg
Да: ваучери от 10 до 200 €, изпращат се по имейл.
"""


def test_markdown_entries_with_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "gift_cards.md", MARKDOWN)
    parsed, found = check(kb_files(tmp_path))
    [item] = parsed.entries
    assert item.answers["ru"].startswith("Да: подарочные карты")
    assert item.answers["en"].endswith("sent by email.")
    assert [str(p) for p in found] == [f"{path}:12: entry 'gift_cards': 'answer' misses "
                                       "language 'el'"]


def test_markdown_without_front_matter_or_bad_yaml(tmp_path: Path) -> None:
    plain = write(tmp_path, "a.md", "## en\nHello\n")
    broken = write(tmp_path, "b.md", "---\nid: x\ntitle: [oops\n---\n## en\nHi\n")
    found = problems(tmp_path)
    assert f"{plain}:1: a Markdown entry must start with '---' and YAML front matter" in found
    assert any(p.startswith(f"{broken}:") and "not valid YAML" in p for p in found)
