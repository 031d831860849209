"""aiogram imported with its models built on first use (bot/channels/aiogram_api.py).

Each check runs in a fresh interpreter: the deferral only happens when this module is the
first to import aiogram, and the test process may have imported it already.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_import_leaves_the_bot_api_models_unbuilt() -> None:
    out = run_fresh(
        "from bot.channels import aiogram_api\n"
        "from aiogram.types import Message, Update\n"
        "print(aiogram_api.DEFERRED_MODELS, Message.__pydantic_complete__,"
        " Update.__pydantic_complete__)\n"
    )
    deferred, message_built, update_built = out.split()
    assert int(deferred) > 300
    assert (message_built, update_built) == ("False", "False")


def test_every_bot_api_model_builds_on_first_use() -> None:
    """A model the bot touches later (a new reply markup, a method's answer) must resolve the
    names the skipped rebuild would have: every one of them, and the generic answers."""
    out = run_fresh(
        "from pydantic import BaseModel\n"
        "from bot.channels.aiogram_api import Response, SendMessage, InlineKeyboardMarkup\n"
        "import aiogram.types as types, aiogram.methods as methods\n"
        "built = 0\n"
        "for module in (types, methods):\n"
        "    for name in module.__all__:\n"
        "        model = getattr(module, name)\n"
        "        if isinstance(model, type) and issubclass(model, BaseModel):\n"
        "            model.model_rebuild()\n"
        "            assert model.__pydantic_complete__, name\n"
        "            built += 1\n"
        "message = {'message_id': 7, 'date': 1700000000, 'text': 'hi',\n"
        "           'chat': {'id': 42, 'type': 'private'}}\n"
        "answer = Response[types.Message].model_validate({'ok': True, 'result': message})\n"
        "assert answer.result.chat.id == 42\n"
        "updates = Response[list[types.Update]].model_validate(\n"
        "    {'ok': True, 'result': [{'update_id': 1, 'message': message}]})\n"
        "assert updates.result[0].message.text == 'hi'\n"
        "print(built)\n"
    )
    assert int(out) > 500


def test_only_aiogram_api_imports_aiogram() -> None:
    """Another module importing aiogram first would build every model again."""
    importers = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "aiogram" or name.startswith("aiogram.") for name in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["bot/channels/aiogram_api.py"]
