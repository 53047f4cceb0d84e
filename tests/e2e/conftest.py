"""The end-to-end rig: the real ``kaohe`` command line and ``kaohe run`` process against the fake Bot API.

``kaohe(...)`` runs a command as an operator would; ``bot`` starts ``kaohe run`` (polling, or webhook
with ``bot.start(webhook=True)``), can stop it with SIGTERM or kill it with SIGKILL, and reads its
log. Each test gets a fresh database on every backend (see tests/conftest.py).

The bot runs on the wall clock. Every notice keeps the quiet hours, so a test that waits for one
opens its cycle with ``scheme``: the shipped scheme with its quiet hours moved hours away from now,
so that the test does not depend on the time of day it runs at (``quiet_scheme`` makes other hours).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import FakeBotApi

from flows.rules.scheme import DEFAULT_SCHEME

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the configured timezone (the default)
TOKEN = "123456:e2e-SECRET-token"
WEBHOOK_SECRET = "e2e-webhook-secret"
KAOHE = [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Operator:
    """Runs ``kaohe`` sub-commands with the test's configuration, as the administrator would."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config = config
        self.env = env

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*KAOHE, "--config", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"kaohe {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done


class BotProcess:
    """``kaohe run`` as a child process."""

    def __init__(self, api: FakeBotApi, folder: Path, env: dict[str, str], database_url: str) -> None:
        self.api = api
        self.config = folder / "kaohe.toml"
        self.log = folder / "bot.log"
        self.env = env
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.webhook_port = free_port()
        self.write_config(webhook=False)

    def write_config(self, *, webhook: bool) -> None:
        mode = "webhook" if webhook else "polling"
        self.config.write_text(
            f"""
[telegram]
api_base_url = "{self.api.base_url}"
api_file_url = "{self.api.base_file_url}"
mode = "{mode}"
poll_timeout = 1

[telegram.webhook]
listen = "127.0.0.1"
port = {self.webhook_port}
path = "hook"
url = "http://127.0.0.1:{self.webhook_port}/hook"
secret_token = "{WEBHOOK_SECRET}"

[database]
url = "{self.database_url}"

[logging]
level = "INFO"
format = "json"
""",
            encoding="utf-8",
        )

    def start(self, *, webhook: bool = False) -> BotProcess:
        """Start ``kaohe run`` and return once it is receiving (a getUpdates or setWebhook of its own)."""
        self.write_config(webhook=webhook)
        before = len(self.api.calls())
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*KAOHE, "--config", str(self.config), "run"],
                env=self.env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        self.api.wait_for_call("setWebhook" if webhook else "getUpdates", timeout=20, after=before)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_records(self) -> list[dict]:
        records = []
        for line in self.log_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records


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
def bot(
    fake_api: FakeBotApi, tmp_path: Path, database_url: str, e2e_env: dict[str, str]
) -> Iterator[BotProcess]:
    process = BotProcess(fake_api, tmp_path, e2e_env, database_url)
    yield process
    if process.running:
        process.kill()


@pytest.fixture
def kaohe(bot: BotProcess) -> Operator:
    return Operator(bot.config, bot.env)


def quiet_scheme(folder: Path, start: datetime, end: datetime) -> Path:
    """The shipped scheme with quiet hours from ``start`` to ``end`` (local times of day, to the second)."""
    text = DEFAULT_SCHEME.read_text(encoding="utf-8")
    quiet = 'quiet_hours = { start = "23:00", end = "07:00" }'
    assert quiet in text
    start, end = (f"{moment.astimezone(SHANGHAI):%H:%M:%S}" for moment in (start, end))
    hours = f'quiet_hours = {{ start = "{start}", end = "{end}" }}'
    path = folder / f"scheme-{start.replace(':', '')}.toml"
    path.write_text(text.replace(quiet, hours), "utf-8")
    return path


@pytest.fixture
def scheme(tmp_path: Path) -> Path:
    """The shipped scheme with quiet hours from six to seven hours from now."""
    now = datetime.now(SHANGHAI)
    return quiet_scheme(tmp_path, now + timedelta(hours=6), now + timedelta(hours=7))
