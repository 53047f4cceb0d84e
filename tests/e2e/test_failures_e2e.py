"""End to end: ``kaohe`` against a Bot API that refuses the token, cannot be reached or answers 502, and a
second ``kaohe run`` on the same database. Each says what is wrong in one line a time, retries what can
be retried, and never writes the token anywhere."""

from __future__ import annotations

import subprocess
import time
from types import SimpleNamespace

from e2e_helpers import KAOHE, TOKEN, BotProcess, free_port

WRONG_TOKEN = "123456:the-WRONG-secret-token"  # well formed: the fake answers 401, as Telegram does


def run_until_exit(bot: BotProcess, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KAOHE, "--config", str(bot.config), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def launch(bot: BotProcess) -> BotProcess:
    """``kaohe run`` started without waiting for it to reach the Bot API."""
    bot.process = subprocess.Popen(
        [*KAOHE, "--config", str(bot.config), "run"],
        env=bot.env,
        stdout=bot.log.open("ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    return bot


def wait_for_log(bot: BotProcess, words: str, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while bot.log_text().count(words) < count:
        assert bot.running, f"kaohe run exited:\n{bot.log_text()}"
        assert time.monotonic() < deadline, f"{words!r} not logged {count} times:\n{bot.log_text()}"
        time.sleep(0.1)


def secrets_in(text: str, *tokens: str) -> list[str]:
    return [secret for token in tokens for secret in (token, token.split(":")[1]) if secret in text]


def test_a_rejected_token_ends_kaohe_run_and_kaohe_invites_with_one_line_and_no_token(bot, kaohe, e2e_env):
    kaohe("init")
    env = {**e2e_env, "KAOHE_BOT_TOKEN": WRONG_TOKEN}
    for command in (("run",), ("invites",)):
        done = run_until_exit(bot, env, *command)
        output = done.stdout + done.stderr
        assert done.returncode == 2, output
        assert "Telegram 拒绝了机器人令牌" in output and "KAOHE_BOT_TOKEN" in output
        assert "Traceback" not in output
        assert secrets_in(output, WRONG_TOKEN, TOKEN) == []


def test_an_unreachable_bot_api_is_retried_with_one_line_a_try_until_stopped(
    kaohe, tmp_path, database_url, e2e_env
):
    kaohe("init")
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    nowhere = SimpleNamespace(base_url=f"{closed}/bot", base_file_url=f"{closed}/file/bot")
    bot = launch(BotProcess(nowhere, tmp_path, e2e_env, database_url))
    try:
        wait_for_log(bot, "无法连接 Telegram Bot API", count=3)
        assert bot.stop() == 0
    finally:
        if bot.running:
            bot.kill()
    log = bot.log_text()
    assert f"无法连接 Telegram Bot API（{closed}/bot）" in log and "秒后重试" in log
    assert "Traceback" not in log and secrets_in(log, TOKEN) == []


def test_a_bot_api_answering_502_at_first_is_retried_and_the_bot_then_runs(bot, kaohe, fake_api):
    kaohe("init")
    fake_api.fail_next("getMe", times=2, status=502)
    fake_api.fail_next("getUpdates", times=2, status=502)
    bot.start()
    user = fake_api.user(501)
    user.send("/start")
    user.wait_for("邀请链接")
    assert bot.stop() == 0
    log = bot.log_text()
    assert log.count("无法连接 Telegram Bot API") >= 4 and "已重新连上" in log
    assert "Traceback" not in log and secrets_in(log, TOKEN) == []


def test_a_second_kaohe_run_in_polling_mode_waits_for_the_first_and_takes_over(
    bot, kaohe, fake_api, tmp_path, database_url, e2e_env
):
    kaohe("init")
    bot.start()
    (tmp_path / "second").mkdir()
    second = launch(BotProcess(fake_api, tmp_path / "second", e2e_env, database_url))
    try:
        wait_for_log(second, "另一个 kaohe run")
        assert "bot started" not in second.log_text()  # it waits, saying so in the configured language
        user = fake_api.user(501)
        user.send("/start")
        user.wait_for("邀请链接")
        bot.kill()  # the first dies without a word: the second takes over at once, not after the lease
        wait_for_log(second, "bot started")
        user.send("/start")
        user.wait_for("邀请链接")
        assert second.stop() == 0
        assert secrets_in(second.log_text(), TOKEN) == []
    finally:
        if second.running:
            second.kill()
