"""``kaohe backup`` and ``kaohe restore``, on every database backend: SQLite through its online backup
API, PostgreSQL through pg_dump and pg_restore."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from bot.cli import main
from storage.db import make_engine
from storage.models import Member

SMALL = Path(__file__).parent / "data" / "roster" / "small.csv"


@pytest.fixture
def config(tmp_path: Path, database_url: str, sample_roster: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    assert main(["--config", str(path), "init"]) == 0
    assert main(["--config", str(path), "roster", "import", str(sample_roster)]) == 0
    return str(path)


def active_members(database_url: str) -> int:
    engine = make_engine(database_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Member).where(col(Member.active))).one()
    engine.dispose()
    return count


def test_a_restored_backup_brings_the_database_back_to_when_it_was_made(
    config, database_url, tmp_path, capsys
):
    copy = tmp_path / "backup"
    assert main(["--config", config, "backup", str(copy)]) == 0
    assert "已备份" in capsys.readouterr().out and copy.stat().st_size > 0
    assert main(["--config", config, "roster", "import", str(SMALL)]) == 0  # a later change
    assert active_members(database_url) == 6

    assert main(["--config", config, "restore", str(copy), "--yes"]) == 0

    assert "已从" in capsys.readouterr().out
    assert active_members(database_url) == 82


def test_restore_asks_for_yes_when_no_one_can_answer_and_changes_none(config, database_url, tmp_path, capsys):
    copy = tmp_path / "backup"
    main(["--config", config, "backup", str(copy)])
    main(["--config", config, "roster", "import", str(SMALL)])

    assert main(["--config", config, "restore", str(copy)]) == 2  # stdin is not a terminal here

    assert "--yes" in capsys.readouterr().err
    assert active_members(database_url) == 6


def test_a_backup_never_overwrites_a_file(config, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    assert main(["--config", config, "backup", str(taken)]) == 2
    assert taken.read_text() == "keep me"


def test_sqlite_keeps_the_replaced_database_and_refuses_what_is_not_a_backup(tmp_path, capsys):
    database = tmp_path / "kaohe.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    main(["--config", str(config), "init"])
    copy = tmp_path / "copy.sqlite3"
    main(["--config", str(config), "backup", str(copy)])
    nonsense = tmp_path / "notes.txt"
    nonsense.write_text("not a database" * 100)

    assert main(["--config", str(config), "restore", str(nonsense), "--yes"]) == 2
    assert main(["--config", str(config), "restore", str(copy), "--yes"]) == 0

    assert (tmp_path / "kaohe.sqlite3.before-restore").exists()
