"""`sarafan surveys check`: every problem as file:line, and the demo content is clean."""

from __future__ import annotations

from pathlib import Path

from bot.surveys.check import check, load_catalogue
from bot.surveys.loader import survey_files

BROKEN = """\
id: broken
title: {en: Broken, ru: Сломано}
questions:
  - id: first
    type: single
    text: {en: First, ru: Первый}
    options:
      - {id: a, label: {en: A, ru: А}}
      - {id: b, label: {en: B}}
    next:
      - {in: [zzz], goto: nowhere}
  - id: second
    type: number
    min: 10
    max: 1
    text: {en: Second, ru: Второй}
  - id: third
    type: yes_no
    text:
      en: "Third {later}"
      ru: Третий
    next:
      - {goto: first}
  - id: island
    type: yes_no
    text: {en: Island, ru: Остров}
  - id: first
    type: yes_no
    text: {en: Dup, ru: Дубль}
"""


def problems_of(tmp_path: Path, name: str, text: str) -> list[str]:
    folder = tmp_path / "surveys"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    _, problems = check(survey_files(tmp_path))
    return [str(p).replace(str(folder) + "/", "") for p in problems]


def test_demo_surveys_are_clean() -> None:
    read, problems = check(survey_files(None))
    assert problems == []
    assert {s.id for s in read.surveys} == {"tea_discovery", "support_csat"}
    catalogue = load_catalogue(None)
    for survey in catalogue.surveys.values():
        for question in survey.questions:
            assert question.text.languages() == {"en", "ru", "fa", "bg", "el"}


def test_yaml_error_has_file_and_line(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "bad.yml", "id: x\ntitle: [unclosed\n") == [
        "bad.yml:3: not valid YAML: expected ',' or ']', but got '<stream end>'"]


def test_schema_errors_point_at_their_line(tmp_path: Path) -> None:
    found = problems_of(tmp_path, "range.yml", BROKEN.replace("  - id: first\n    type: yes_no",
                                                               "  - id: dup\n    type: yes_no"))
    assert any(p.startswith("range.yml:12:") and "invalid range" in p for p in found), found


def test_logic_problems(tmp_path: Path) -> None:
    text = BROKEN.replace("    min: 10\n    max: 1\n", "")
    found = problems_of(tmp_path, "logic.yml", text)
    expected = [
        "logic.yml:4: question 'first', option 'b' is missing language 'ru'",
        "logic.yml:4: question 'first': rule goes to unknown question or ending 'nowhere'",
        "logic.yml:4: question 'first': rule names unknown option 'zzz' of question 'first'",
        "logic.yml:15: question 'third' pipes {later}, which is neither an earlier question "
        "nor a hidden field (source, campaign)",
        "logic.yml:22: question 'island' is unreachable",
        "logic.yml:25: duplicate id 'first' (question; ids of questions and endings must be "
        "unique and not 'end')",
    ]
    for problem in expected:
        assert problem in found, (problem, found)
    assert any(p.startswith("logic.yml:15: cycle: ") and "third -> first" in p
               for p in found), found


def test_duplicate_survey_ids_across_files(tmp_path: Path) -> None:
    one = "id: same\ntitle: One\nquestions:\n  - {id: q, type: yes_no, text: Q}\n"
    problems_of(tmp_path, "a.yml", one)
    found = problems_of(tmp_path, "b.yml", one)
    assert any(p.startswith("b.yml:1: duplicate survey id 'same'") for p in found), found


def test_unknown_key_and_bad_id(tmp_path: Path) -> None:
    found = problems_of(tmp_path, "keys.yml", "id: Bad-Id\ntitle: T\ncolour: red\n"
                                              "questions:\n  - {id: q, type: yes_no, text: Q}\n")
    assert any(p.startswith("keys.yml:1: id:") for p in found), found
    assert any(p.startswith("keys.yml:3: colour:") for p in found), found
