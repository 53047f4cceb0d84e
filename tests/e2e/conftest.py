"""The end-to-end fixtures: the fake Bot API, ``kaohe run`` (``bot``), the ``kaohe`` command line and a
scheme whose quiet hours are hours away from now.

Each test gets a fresh database on every backend (see tests/conftest.py). A test module that needs the
bot configured otherwise overrides ``bot_class`` with a subclass of ``BotProcess``. The rig itself and
what the tests share are in e2e_helpers.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from e2e_helpers import SHANGHAI, TOKEN, BotProcess, Operator, quiet_scheme
from fakebotapi import FakeBotApi


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture
def e2e_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    env["KAOHE_BOT_TOKEN"] = TOKEN
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return env


@pytest.fixture
def bot_class() -> type[BotProcess]:
    return BotProcess


@pytest.fixture
def bot(
    bot_class: type[BotProcess],
    fake_api: FakeBotApi,
    tmp_path: Path,
    database_url: str,
    e2e_env: dict[str, str],
) -> Iterator[BotProcess]:
    process = bot_class(fake_api, tmp_path, e2e_env, database_url)
    yield process
    if process.running:
        process.kill()


@pytest.fixture
def kaohe(bot: BotProcess) -> Operator:
    return Operator(bot.config, bot.env)


@pytest.fixture
def scheme(tmp_path: Path) -> Path:
    """The shipped scheme with quiet hours from six to seven hours from now."""
    now = datetime.now(SHANGHAI)
    return quiet_scheme(tmp_path, now + timedelta(hours=6), now + timedelta(hours=7))
