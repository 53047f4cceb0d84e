"""The command line: init creates and upgrades the schema, run refuses a stale one, errors are plain words."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot.cli import main
from bot.logs import JsonFormatter, RedactSecrets
from storage.db import current_revision, head_revision, make_engine


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    monkeypatch.delenv("KAOHE_CONFIG", raising=False)
    monkeypatch.setenv("KAOHE_BOT_TOKEN", "123:secret")
    path = tmp_path / "kaohe.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    return path


def test_init_creates_the_schema_and_a_second_init_does_nothing(config_file, tmp_path, capsys):
    assert main(["--config", str(config_file), "init"]) == 0
    assert f"数据库已创建（结构 {head_revision()}）" in capsys.readouterr().out
    assert current_revision(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")) == head_revision()
    assert main(["init", "--config", str(config_file), "--lang", "en"]) == 0
    assert capsys.readouterr().out == f"database already at schema {head_revision()}: nothing to do\n"


def test_run_refuses_an_uninitialised_database_and_says_to_run_init(config_file, capsys):
    assert main(["--config", str(config_file), "run"]) == 2
    assert "kaohe init" in capsys.readouterr().err


def test_run_refuses_a_database_behind_the_code(config_file, tmp_path, capsys):
    main(["--config", str(config_file), "init"])
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    assert main(["--config", str(config_file), "run"]) == 2
    error = capsys.readouterr().err
    assert "结构版本是 old" in error and "kaohe init" in error


def test_webhook_mode_without_a_secret_is_refused_before_starting(config_file, tmp_path, capsys):
    config_file.write_text(
        config_file.read_text()
        + '[telegram]\nmode = "webhook"\n[telegram.webhook]\nurl = "https://x.example/k"\n'
    )
    main(["--config", str(config_file), "init"])
    assert main(["--config", str(config_file), "run"]) == 2
    assert "secret_token" in capsys.readouterr().err


def test_a_bad_configuration_file_ends_with_a_message_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[telegram]\nmode = "fax"\n')
    assert main(["--config", str(path), "init"]) == 2
    error = capsys.readouterr().err
    assert "telegram.mode" in error and "Traceback" not in error


def test_log_lines_never_contain_the_token():
    token = "123456:AAH-very-secret"
    record = logging.makeLogRecord(
        {"msg": "HTTP Request: POST https://api.telegram.org/bot%s/getMe", "args": (token,), "name": "httpx"}
    )
    assert RedactSecrets([token]).filter(record)
    line = JsonFormatter().format(record)
    assert token not in line and "<redacted>/getMe" in line


def test_cycle_open_starts_without_the_libraries_it_does_not_use():
    """Start-up is most of a command's time: ``kaohe cycle open`` loads neither Alembic nor Telegram, nor
    the archive's workbook and PDFs, nor ``cycle status`` and the review behind it."""
    loads = (
        "from bot.cli import build_parser; import sys;"
        "build_parser(['cycle', 'open']); import flows.cycles.opening;"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", loads], capture_output=True, text=True, check=True).stdout
    modules = set(loaded.split())
    assert "flows.cycles.opening" in modules
    libraries = {"alembic", "telegram", "rich", "openpyxl", "reportlab"}
    unused = libraries | {"flows.review.signoff", "flows.archive.export", "bot.commands.cycle_status"}
    assert modules & unused == set()


def test_the_parser_of_every_command_loads_none_of_what_only_running_some_needs():
    """``kaohe --help`` builds every command's parser: it loads neither Telegram nor the archive's workbook,
    PDFs and charts, nor the home screen behind ``kaohe remind``; each command loads them when it runs."""
    loads = (
        "from bot.cli import build_parser; import sys; build_parser(); print(' '.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", loads], capture_output=True, text=True, check=True).stdout
    modules = set(loaded.split())
    assert "bot.commands.export" in modules and "bot.commands.remind" in modules
    libraries = {"alembic", "telegram", "openpyxl", "reportlab", "matplotlib"}
    unused = libraries | {"flows.archive.export", "flows.archive.manifest", "flows.home", "bot.evidence"}
    assert modules & unused == set()
