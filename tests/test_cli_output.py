"""What the command line prints: roster text as text, problems capped, and every failure one clear line
with no secret in it, whatever a library put into its error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telegram.error import InvalidToken, NetworkError

from bot.cli import main
from bot.commands import roster as roster_command
from bot.logs import REDACTED, Secrets

TOKEN = "123456:AAH-very-secret-token-for-tests"
MARKUP_NAMES = {"罗晨秀": "[/]", "马凯秀": "[bold red]孙[/bold red]李"}  # 主席 and 副主席 of 校学生会


@pytest.fixture
def config(tmp_path: Path, database_url: str, monkeypatch) -> str:
    monkeypatch.setenv("KAOHE_BOT_TOKEN", TOKEN)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[telegram]\nbot_username = "kaohe_test_bot"\n', encoding="utf-8"
    )
    return str(path)


@pytest.fixture
def markup_roster(tmp_path: Path, sample_roster: Path) -> Path:
    text = sample_roster.read_text(encoding="utf-8")
    for name, markup in MARKUP_NAMES.items():
        assert f",{name}," in text
        text = text.replace(f",{name},", f",{markup},")
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


DUES = (
    "--self-due", "2099-12-01T22:00", "--score-due", "2099-12-08T22:00", "--review-due", "2099-12-15T22:00",
)  # fmt: skip


def printed(config: str, capsys, *command: str) -> str:
    capsys.readouterr()
    assert main(["--config", config, *command]) == 0, command
    return capsys.readouterr().out


def test_names_that_look_like_console_markup_print_exactly_as_they_are(config, markup_roster, capsys):
    assert main(["--config", config, "roster", "import", str(markup_roster)]) == 0
    for command in (("roster", "show"), ("invites",)):
        out = printed(config, capsys, *command)
        assert all(name in out for name in MARKUP_NAMES.values()), command
    printed(config, capsys, "cycle", "open", "--name", "[red]2026[/]", *DUES)
    status = printed(config, capsys, "cycle", "status")
    assert "[red]2026[/]" in status and all(name in status for name in MARKUP_NAMES.values())


def test_a_roster_with_thousands_of_problems_prints_the_first_hundred_and_a_count(config, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    header = "id,name,team,department,position,oversees,college,term_start,committee\n"
    bad = "".join(f"2023{n:06d},名{n},校学生会,办公室,部长助理,,学院,2025-09,\n" for n in range(5000))
    path.write_text(header + bad, encoding="utf-8")
    assert main(["--config", config, "roster", "import", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    problems = [line for line in lines if "部长助理" in line]
    assert len(problems) == roster_command.SHOWN_PROBLEMS
    assert any("另有 4900 个问题未列出" in line for line in lines)
    assert not any("more problem(s)" in line for line in lines)  # one language per run
    assert len(lines) <= roster_command.SHOWN_PROBLEMS + 3


@pytest.mark.parametrize(
    ("error", "words", "status"),
    [
        (InvalidToken(f"The token `{TOKEN}` was rejected by the server."), "Telegram 拒绝了机器人令牌", 2),
        (NetworkError(f"httpx.ConnectError: https://api.telegram.org/bot{TOKEN}/getMe"), "无法连接", 1),
        (RuntimeError(f"something broke near {TOKEN.replace(':', '%3A')}"), "出错了：RuntimeError", 1),
    ],
    ids=["rejected", "unreachable", "unexpected"],
)
def test_a_failure_is_one_clear_line_in_the_configured_language_without_the_token(
    config, monkeypatch, capsys, error, words, status
):
    def fail(config, args):
        raise error

    monkeypatch.setattr(roster_command, "show_command", fail)
    assert main(["--config", config, "roster", "show"]) == status
    out, err = capsys.readouterr()
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
    first, *rest = err.splitlines()
    assert first.startswith("kaohe: ") and words in first
    if rest:  # the unexpected: a JSON record with the traceback, for the log collector
        [record] = rest
        entry = json.loads(record)
        assert entry["event"] == "command.failed" and "Traceback" in entry["exception"]
        assert REDACTED in entry["exception"]


def test_the_configured_language_words_the_failure(config, monkeypatch, capsys):
    Path(config).write_text('language = "en"\n' + Path(config).read_text(encoding="utf-8"), encoding="utf-8")

    def fail(config, args):
        raise InvalidToken(TOKEN)

    monkeypatch.setattr(roster_command, "show_command", fail)
    assert main(["--config", config, "roster", "show"]) == 2
    assert "Telegram rejected the bot token" in capsys.readouterr().err


def test_a_bad_configuration_never_shows_the_token(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KAOHE_BOT_TOKEN", TOKEN)
    path = tmp_path / "bad.toml"
    path.write_text(f'[telegram]\nmode = "fax"\ntoken = "{TOKEN}"\n', encoding="utf-8")
    assert main(["--config", str(path), "run"]) == 2
    out, err = capsys.readouterr()
    assert "telegram.mode" in err and TOKEN not in out + err


def test_secrets_are_scrubbed_as_written_in_urls_and_by_their_secret_half():
    secrets = Secrets([TOKEN, "short"])
    half = TOKEN.split(":")[1]
    text = f"GET /bot{TOKEN}/getMe; /bot123456%3A{half}/x; `{half}`; short stays"
    scrubbed = secrets.scrub(text)
    assert TOKEN not in scrubbed and half not in scrubbed and "short stays" in scrubbed
