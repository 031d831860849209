"""Where a product team sees attachments: the HTTP API (item, CSV and JSON Lines exports) on
SQLite and PostgreSQL, and `sarafan feedback list/show`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from bot.api.tokens import create_token
from bot.cli import app
from bot.config import Settings
from bot.messages import Attachment, AttachmentKind, Inbound, Kind
from tests.harness import BotHarness, make_harness

DOCUMENT = Attachment(AttachmentKind.DOCUMENT, "BQAC-doc", "application/pdf", 0, "receipt.pdf")
PHOTO = Attachment(AttachmentKind.PHOTO, "AgAC-photo", "image/jpeg", 15000, group="album-1")
CAPTION = "/feedback the samovar leaks from the tap"


async def _file_with_attachments(bot: BotHarness) -> None:
    await bot.bot.ingest(Inbound(channel="test", update_id="u1", user_id="c1", chat_id="c1",
                                 kind=Kind.TEXT, text=CAPTION, attachments=(PHOTO, DOCUMENT)))
    await bot.drain()


async def test_api_item_and_exports_show_attachments(database_url: str) -> None:
    bot = await make_harness(Settings(database_url=database_url, environment="test",
                                      _env_file=None))  # type: ignore[call-arg]
    try:
        await _file_with_attachments(bot)
        async with bot.bot.sessionmaker() as session:
            token, _ = await create_token(session, "t", ["feedback:read"], rate_per_minute=1000)
            await session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=bot.bot.http)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            page = (await http.get("/api/v1/feedback", headers=headers)).json()
            csv_text = (await http.get("/api/v1/feedback/export", headers=headers,
                                       params={"format": "csv"})).text
            lines = (await http.get("/api/v1/feedback/export", headers=headers,
                                    params={"format": "jsonl"})).text
            schema = (await http.get("/api/v1/openapi.json")).json()
    finally:
        await bot.close()
    expected = [PHOTO.to_dict(), DOCUMENT.to_dict()]
    [item] = page["items"]
    assert item["attachments"] == expected
    [row] = list(csv.DictReader(io.StringIO(csv_text)))
    assert json.loads(row["attachments"]) == expected
    assert json.loads(lines.splitlines()[0])["attachments"] == expected
    documented = schema["components"]["schemas"]["AttachmentView"]["properties"]
    assert {"kind", "file_id", "mime_type", "size", "file_name", "group"} <= set(documented)


def test_cli_list_and_show_name_the_attachments(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"

    async def fill() -> None:
        bot = await make_harness(Settings(database_url=url, environment="test",
                                          _env_file=None))  # type: ignore[call-arg]
        try:
            await _file_with_attachments(bot)
        finally:
            await bot.close()

    asyncio.run(fill())
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": url, "SARAFAN_CONFIG": "/nonexistent"})
    listed = runner.invoke(app, ["feedback", "list"])
    assert listed.exit_code == 0
    assert "[📎 photo, document] the samovar leaks from the tap" in listed.output
    as_json = json.loads(runner.invoke(app, ["feedback", "list", "--json"]).output)
    assert as_json["attachments"][0]["file_id"] == "AgAC-photo"
    [theme] = runner.invoke(app, ["feedback", "themes"]).output.split()[:1]
    shown = runner.invoke(app, ["feedback", "show", theme]).output
    assert "📎 photo AgAC-photo image/jpeg 15000 bytes" in shown
    assert "📎 document receipt.pdf application/pdf 0 bytes" in shown
