"""Files kaohe creates are its owner's alone: the database and its folder, the export's files and folders
(0600 and 0700, whatever the umask); ``kaohe init`` warns about a database others can read."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import make_engine

DUES = (
    "--self-due", "2099-12-01T22:00", "--score-due", "2099-12-08T22:00", "--review-due", "2099-12-15T22:00",
)  # fmt: skip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most careless umask: everything created readable and writable by everyone."""
    saved = os.umask(0)
    yield
    os.umask(saved)


def write_config(tmp_path: Path, database: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    return str(path)


def test_a_new_database_and_its_new_folders_are_private_whatever_the_umask(tmp_path, open_umask):
    database = tmp_path / "data" / "kaohe" / "kaohe.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")  # SQLite writes, and creates its -wal file
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700
    assert all(mode(extra) == 0o600 for extra in database.parent.glob("kaohe.sqlite3-*"))
    engine.dispose()


def test_kaohe_init_creates_a_private_database_and_says_nothing_about_it(tmp_path, open_umask, capsys):
    database = tmp_path / "db" / "kaohe.sqlite3"
    assert main(["--config", write_config(tmp_path, database), "init"]) == 0
    assert mode(database) == 0o600 and mode(database.parent) == 0o700
    assert "chmod" not in capsys.readouterr().err


def test_kaohe_init_warns_when_others_can_read_the_database(tmp_path, capsys):
    database = tmp_path / "kaohe.sqlite3"
    config = write_config(tmp_path, database)
    assert main(["--config", config, "init"]) == 0
    database.chmod(0o644)
    assert main(["--config", config, "init"]) == 0
    warning = capsys.readouterr().err
    assert "其他用户可以读取" in warning and "can be read by other users" not in warning  # one language
    assert f"chmod 600 {database}" in warning and "644" in warning


def test_the_export_is_written_private_whatever_the_umask(tmp_path, sample_roster, open_umask, capsys):
    config = write_config(tmp_path, tmp_path / "kaohe.sqlite3")
    assert main(["--config", config, "init"]) == 0
    assert main(["--config", config, "roster", "import", str(sample_roster)]) == 0
    assert main(["--config", config, "cycle", "open", "--name", "2026秋季考核", *DUES]) == 0
    out = tmp_path / "exports" / "2026"
    assert main(["--config", config, "export", "--cycle", "2026秋季考核", "--out", str(out)]) == 0
    written = list(out.rglob("*"))
    assert [p for p in written if p.is_file()], "nothing exported"
    assert {mode(p) for p in written if p.is_file()} == {0o600}
    assert {mode(p) for p in [out, out.parent, *written] if p.is_dir()} == {0o700}
