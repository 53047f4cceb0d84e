"""End to end through ``kaohe run``: roster, invitations, registration and every refusal, over the Bot API."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from e2e_helpers import HEAD, OFFICER, TOKEN, WEBHOOK_SECRET, database, invitation_codes
from sqlmodel import select

from storage.models import Invitation, Member, TelegramBinding


def bindings(database_url: str) -> dict[str, int]:
    with database(database_url) as session:
        rows = session.exec(
            select(Member.student_no, TelegramBinding.telegram_user_id).join(
                TelegramBinding, TelegramBinding.member_id == Member.id
            )
        ).all()
    return dict(rows)


@pytest.fixture
def codes(kaohe, sample_roster) -> dict[str, str]:
    kaohe("init")
    assert "新增" in kaohe("roster", "import", str(sample_roster)).stdout
    return invitation_codes(kaohe)


def test_members_register_with_their_links_and_every_refusal_changes_nothing(
    bot, fake_api, codes, database_url, kaohe
):
    bot.start()
    assert [c for c, _ in fake_api.commands(language_code="")] == ["start", "help"]  # the strangers' menu
    assert fake_api.commands(language_code="en")

    officer = fake_api.user(501, "宇雅")
    officer.send(f"/start {codes[OFFICER]}")
    welcome = officer.wait_for("郭宇雅")
    assert all(word in welcome.body for word in ("校学生会", "办公室", "干事", "/self"))
    fake_api.wait_for_call("setMyCommands", lambda call: "chat_id" in json.dumps(call.params))

    head = fake_api.user(502, "Long", language_code="en")
    head.send(f"/start {codes[HEAD]}")
    assert "head of department" in head.wait_for("龙浩").body

    thief = fake_api.user(503)
    thief.send(f"/start {codes[OFFICER]}")  # a used code: a second account for a bound member
    thief.wait_for("已经被使用")
    thief.send("/start not-a-code")
    thief.wait_for("邀请码无效")
    group = fake_api.group(-100777, "学生会群")
    group.send(thief, f"/start {codes['2023000331']}")
    group.wait_for("私聊")
    officer.send(f"/start {codes['2023000331']}")  # an account already bound
    officer.wait_for("已绑定为")
    assert bindings(database_url) == {OFFICER: 501, HEAD: 502}

    with database(database_url) as session:
        invitation = session.exec(select(Invitation).where(Invitation.code == codes["2023000404"])).one()
        invitation.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(invitation)
    late = fake_api.user(504)
    late.send(f"/start {codes['2023000404']}")
    late.wait_for("过期")

    for attempt in range(3):  # with the used and the unknown code above, five wrong codes: now it must wait
        thief.send(f"/start wrong-{attempt}")
        thief.wait_for("邀请码无效")
    thief.send(f"/start {codes['2023000331']}")
    thief.wait_for("次数过多")
    assert bindings(database_url) == {OFFICER: 501, HEAD: 502}

    officer.send("/start")
    assert "欢迎回来" in officer.wait_for("/me").body
    fake_api.user(505).send("/start")
    fake_api.user(505).wait_for("邀请链接")

    assert OFFICER not in invitation_codes(kaohe)  # registered members get no more invitations
    assert bot.stop() == 0
    log = bot.log_text()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert any(record.get("event") == "update.handled" for record in bot.log_records())


def test_reissue_revokes_the_old_link(bot, fake_api, codes, kaohe):
    out = kaohe("invites", "--reissue", OFFICER, "--format", "csv").stdout
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["code"] != codes[OFFICER]
    bot.start()
    user = fake_api.user(601)
    user.send(f"/start {codes[OFFICER]}")
    user.wait_for("作废")
    user.send(f"/start {row['code']}")
    user.wait_for("郭宇雅")
    refused = kaohe("invites", "--reissue", OFFICER, check=False)
    assert refused.returncode == 2 and "已绑定" in refused.stderr


def test_run_refuses_an_uninitialised_database(fake_api, kaohe, tmp_path, bot):
    bot.database_url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    bot.write_config(webhook=False)
    refused = kaohe("run", check=False)
    assert refused.returncode == 2 and "kaohe init" in refused.stderr


def test_webhook_mode_checks_the_secret_token_on_every_request(bot, fake_api, codes):
    bot.start(webhook=True)
    [call] = fake_api.calls("setWebhook")
    assert call.params["url"] == f"http://127.0.0.1:{bot.webhook_port}/hook"
    user = fake_api.user(701)
    user.send(f"/start {codes[OFFICER]}")  # delivered by the fake API with the secret header
    user.wait_for("郭宇雅")
    forged = urllib.request.Request(
        f"http://127.0.0.1:{bot.webhook_port}/hook",
        data=json.dumps({"update_id": 999, "message": {}}).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 403
    assert WEBHOOK_SECRET not in bot.log_text()
    assert bot.stop() == 0
