"""Campaign files: the demo is clean; every problem of a broken file is reported as file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from bot.beta.loader import campaign_files, load
from bot.cli import app

BROKEN = """\
id: Bad-Id
product: Teapot
capacity: 0
title: {en: A}
description: {en: B}
consent: {version: "1", text: {en: C}}
invite: {text: {en: D}}
"""
RULES = """\
id: rules
product: Teapot
capacity: 5
starts: 2027-01-10
ends: 2027-01-01
title: {en: A, xx: B}
description: {en: B}
consent: {version: "1", text: {en: C}}
invite: {text: {en: D}}
questions:
  - id: colour
    type: single
    text: {en: "Which colour"}
    options:
      - {id: red, label: {en: Red}}
      - {id: blue, label: {en: Blue}}
eligibility:
  - question: size
    in: [big]
"""
SEMANTIC = """\
id: semantic
product: Teapot
capacity: 5
title: {en: A}
description: {en: B}
consent: {version: "1", text: {en: C}}
invite: {text: {en: D}}
questions:
  - id: colour
    type: single
    text: {en: "Which colour"}
    options:
      - {id: red, label: {en: Red}}
      - {id: blue, label: {en: Blue}}
  - id: cups
    type: nonsense
    text: {en: "How many cups"}
eligibility:
  - question: colour
    in: [green]
"""
CUPS = '  - id: cups\n    type: nonsense\n    text: {en: "How many cups"}\n'
UNKNOWN_RULE = SEMANTIC.replace(CUPS, "").replace("semantic", "unknown_rule").replace(
    "question: colour\n    in: [green]", "question: size\n    in: [big]")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / "beta" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_demo_campaign_is_clean() -> None:
    loaded = load(campaign_files(None))
    assert loaded.problems == []
    [campaign] = loaded.campaigns.values()
    assert campaign.id == "tasting_box" and len(campaign.questions) == 3
    assert set(campaign.consent.text) == {"en", "ru", "fa", "bg", "el"}


def test_every_problem_has_its_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "a_yaml.yml", "id: x\n  bad: [indent\n")
    write(tmp_path, "b_broken.yml", BROKEN)
    write(tmp_path, "c_rules.yml", RULES)
    write(tmp_path, "d_semantic.yml", SEMANTIC)
    write(tmp_path, "e_unknown_rule.yml", UNKNOWN_RULE)
    write(tmp_path, "f_empty.yml", "")
    write(tmp_path, "g_list.yml", "- 1\n- 2\n")
    (tmp_path / "beta" / "h_binary.yml").write_bytes(b"\xff\xfe\x00")
    loaded = load(campaign_files(tmp_path))
    shown = [f"{Path(p.file).name}:{p.line}: {p.message}" for p in loaded.problems]
    expected = [
        "a_yaml.yml:2: not valid YAML",
        "b_broken.yml:1: id: String should match pattern",
        "b_broken.yml:3: capacity: Input should be greater than or equal to 1",
        "c_rules.yml:6: title: Value error, unknown language 'xx'",
        "d_semantic.yml:15: questions.1: Input tag 'nonsense' found",
        "e_unknown_rule.yml:16: rule 1: unknown question 'size'",
        "f_empty.yml:1: the file is empty",
        "g_list.yml:1: a campaign file is a mapping",
        "h_binary.yml:1: cannot read the file",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in shown), (start, shown)
    assert loaded.campaigns == {}


def test_semantic_problems_point_at_their_rule(tmp_path: Path) -> None:
    write(tmp_path, "ok.yml", SEMANTIC.replace(CUPS, ""))
    loaded = load(campaign_files(tmp_path))
    shown = [f"{p.line}: {p.message}" for p in loaded.problems]
    assert "16: rule 1: question 'colour' has no option 'green'" in shown
    assert any(s.startswith("4: title: missing language 'ru'") for s in shown)
    assert loaded.campaigns == {}


def test_dates_in_the_wrong_order(tmp_path: Path) -> None:
    write(tmp_path, "dates.yml", RULES.replace("{en: A, xx: B}", "{en: A}"))
    [problem] = load(campaign_files(tmp_path)).problems
    assert problem.line == 1 and "'starts' is after 'ends'" in problem.message


def test_cli_check_reports_and_fails(tmp_path: Path) -> None:
    write(tmp_path, "b_broken.yml", BROKEN)
    result = CliRunner().invoke(app, ["beta", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "b_broken.yml:3: capacity" in result.output
    shutil.rmtree(tmp_path / "beta")
    write(tmp_path, "fine.yml", (Path(__file__).parents[2] / "bot/content/beta/tasting_box.yml")
          .read_text(encoding="utf-8"))
    ok = CliRunner().invoke(app, ["beta", "check", str(tmp_path)])
    assert ok.exit_code == 0 and "1 campaigns, 0 problems" in ok.output
