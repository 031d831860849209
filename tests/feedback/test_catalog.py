"""The product catalog: the bundled one is clean; every error names its file and line."""

from __future__ import annotations

from pathlib import Path

from bot.feedback.catalog import load_catalog, parse_catalog


def test_bundled_catalog_has_no_problems() -> None:
    catalog = load_catalog()
    assert catalog.problems == ()
    assert {"matcha", "samovar", "delivery", "mobile_app"} <= set(catalog.items)


def test_synonyms_match_every_language_and_latin_spellings() -> None:
    matcher = load_catalog().matcher
    for text in ("ceremonial matcha", "матчу бы подешевле", "ماچا", "матчата", "το ματσά",
                 "chaynik tech", "to samovari"):
        assert any(c.startswith("p:") for c in matcher.find(text)), text


def test_errors_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yml"
    path.write_text(
        "items:\n"
        "  - id: teapot\n"
        "    name: {en: Teapot, ru: Чайник, fa: قوری, bg: Чайник, el: Τσαγιέρα}\n"
        "  - id: Bad Id\n"
        "    name: {en: X}\n"
        "  - id: cups\n"
        "    kind: gadget\n"
        "    name: {en: Cups, ru: Чашки, fa: فنجان, bg: Чаши, el: Κούπες}\n"
        "    synonyms: {en: [cup*, '*']}\n"
        "  - id: teapot\n"
        "    name: {en: Teapot, ru: Чайник, fa: قوری, bg: Чайник, el: Τσαγιέρα}\n"
        "    colour: red\n", encoding="utf-8")
    catalog = parse_catalog(path)
    lines = [str(p) for p in catalog.problems]
    assert f"{path}:4: id: String should match pattern '^[a-z][a-z0-9_]{{0,47}}$'" in lines
    assert any(line.startswith(f"{path}:7: kind:") for line in lines)
    assert any(line.startswith(f"{path}:12: colour:") for line in lines)
    assert list(catalog.items) == ["teapot"]  # the valid item survives


def test_broken_yaml_and_a_wrong_shape(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.yml"
    broken.write_text("items:\n  - id: a\n    name: {en: [unclosed\n", encoding="utf-8")
    [problem] = parse_catalog(broken).problems
    assert str(problem).startswith(f"{broken}:") and "not valid YAML" in problem.message
    broken.write_text("products: []\n", encoding="utf-8")
    assert "unknown key 'products'" in str(parse_catalog(broken).problems[0])


def test_missing_translation_and_empty_synonym(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yml"
    path.write_text("items:\n  - id: cups\n    name: {en: Cups}\n"
                    "    synonyms:\n      en: ['  ']\n", encoding="utf-8")
    lines = [str(p) for p in parse_catalog(path).problems]
    assert f"{path}:5: synonyms.en: empty synonym" in lines
    assert f"{path}:3: name: missing language(s) ru, fa, bg, el" in lines
