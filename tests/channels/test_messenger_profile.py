"""``sarafan messenger profile`` sets Get Started and the greeting on every configured page."""

from __future__ import annotations

from typer.testing import CliRunner

from bot.channels.messenger_inbound import GET_STARTED
from bot.channels.messenger_profile import messenger_app, profile_body, set_profiles
from bot.cli import app
from tests.channels.messenger_harness import PAGE_A, PAGE_B, TOKENS, messenger_settings
from tests.fakes.graphapi import FakeGraphApi


def test_the_greeting_exists_in_every_language_within_160_characters() -> None:
    body = profile_body("ru")
    assert body["get_started"] == {"payload": GET_STARTED}
    locales = {g["locale"]: g["text"] for g in body["greeting"]}
    assert set(locales) == {"default", "en_US", "ru_RU", "fa_IR", "bg_BG", "el_GR"}
    assert locales["default"] == locales["ru_RU"] != locales["en_US"]
    assert len(set(locales.values())) == 5 and all(len(t) <= 160 for t in locales.values())


async def test_every_page_gets_its_profile_with_its_own_token(sqlite_url: str) -> None:
    graph = FakeGraphApi({PAGE_A: TOKENS[PAGE_A]})  # page B's token is not accepted here
    await graph.start()
    try:
        outcome = await set_profiles(messenger_settings(sqlite_url, graph.base_url))
    finally:
        await graph.close()
    assert outcome[PAGE_A] == "ok" and "190" in outcome[PAGE_B]
    assert graph.profiles[PAGE_A]["get_started"]["payload"] == GET_STARTED


def test_the_command_is_mounted_and_refuses_without_pages() -> None:
    assert "profile" in CliRunner().invoke(app, ["messenger", "--help"]).output
    result = CliRunner().invoke(messenger_app, ["profile"], env={"SARAFAN_MESSENGER__PAGES": "[]"})
    assert result.exit_code == 2
