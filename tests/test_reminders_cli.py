"""``kaohe remind`` and the unreachable section of ``kaohe cycle status``, in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import kaohe_config
from cycle_helpers import bind
from sqlmodel import Session

from bot.cli import main
from storage import outbox
from storage.db import make_engine

OFFICER, HEAD = "2023000256", "2023000157"


@pytest.fixture
def config(tmp_path: Path, database_url: str, sample_roster: Path) -> str:
    return kaohe_config(tmp_path, database_url, sample_roster)


@pytest.fixture
def session(database_url: str):
    engine = make_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def open_cycle(config: str) -> None:
    dues = (
        "--self-due",
        "2099-12-01T22:00",
        "--score-due",
        "2099-12-08T22:00",
        "--review-due",
        "2099-12-15T22:00",
    )
    assert main(["--config", config, "cycle", "open", "--name", "2099秋季考核", *dues]) == 0


def test_remind_nudges_everyone_pending_once_a_day(config, session, capsys):
    bind(session, OFFICER, 501)
    bind(session, HEAD, 502)
    assert main(["--config", config, "remind"]) == 2
    assert "kaohe cycle open" in capsys.readouterr().err
    open_cycle(config)
    capsys.readouterr()
    assert main(["--config", config, "remind"]) == 0
    out = capsys.readouterr().out
    assert "80 人待完成，已催办 2 人" in out and "未绑定 78 人" in out
    assert main(["--config", config, "remind", "--name", "2099秋季考核"]) == 0
    assert "已催办 0 人，今天已催办过 2 人" in capsys.readouterr().out


def test_status_lists_who_cannot_be_reached(config, session, capsys):
    bind(session, OFFICER, 501)
    open_cycle(config)
    [row] = outbox.due(session, datetime.now(UTC) + timedelta(days=1))  # the cycle's notice to her
    outbox.mark_failed(session, row, "Forbidden: bot was blocked by the user", retry_at=None)
    session.commit()
    capsys.readouterr()
    assert main(["--config", config, "cycle", "status"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("无法送达"))
    assert "：1 人：郭宇雅（" in line and OFFICER in line and "blocked" in line
