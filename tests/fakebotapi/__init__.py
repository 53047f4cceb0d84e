"""A fake Telegram Bot API server for end-to-end tests of the bot, with simulated users and groups.

    with FakeBotApi() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        alice = api.user(1001, "Alice")
        alice.send("/start CODE")
        reply = alice.wait_for("欢迎")
        alice.press(reply, "确认")

Tests can also take the ``fake_bot_api`` fixture: put ``fake_bot_api = fakebotapi.fake_bot_api`` in a
conftest.py or test module (an assignment, so that ruff sees no unused import).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .actors import PressedButton, SimGroup, SimUser
from .records import ApiCall, BotMessage, CallbackAnswer, FileInfo
from .server import DEFAULT_TOKEN, FakeBotApi

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotMessage",
    "CallbackAnswer",
    "FakeBotApi",
    "FileInfo",
    "PressedButton",
    "SimGroup",
    "SimUser",
    "fake_bot_api",
]


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    """A running FakeBotApi with the default token, stopped after the test."""
    with FakeBotApi() as api:
        yield api
