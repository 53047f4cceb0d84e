"""End to end through ``kaohe run``: reminders and announcements arrive once each, across a SIGKILL and 429s;
a reminder's button opens the self-assessment, the committee's digest's the review and a sheet to take over.

The bot plans every second here, and the cycle's scheme keeps its quiet hours hours away from now, so
that the test does not depend on the time of day it runs at.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from cycle_helpers import SMALL_ROSTER
from e2e_helpers import (
    HEAD,
    OFFICER,
    SHANGHAI,
    SMALL_USERS,
    BotProcess,
    button,
    database,
    eventually,
    in_days,
    invitation_codes,
    labelled,
    open_cycle,
    register,
)
from sqlmodel import col, select

from storage.models import Cycle, Notification, NotificationState

DEPUTY, CLERK = "2023000186", "2023000331"  # 杨超 and 江桂, also of 校学生会 办公室
VICE_PRESIDENT, PRESIDENT, TEACHER = "2023000111", "2023000042", "T001"  # 马凯秀, 罗晨秀, 龚杰
EXAMINEES = {OFFICER: 501, HEAD: 502, DEPUTY: 503, CLERK: 504, VICE_PRESIDENT: 505, PRESIDENT: 506}
COMMITTEE = {VICE_PRESIDENT: 505, PRESIDENT: 506, TEACHER: 507}


class DeliveryBot(BotProcess):
    """``kaohe run`` planning every second and sending at ``pace`` messages a second."""

    pace = 28.0

    def write_config(self, *, webhook: bool) -> None:
        super().write_config(webhook=webhook)
        with self.config.open("a", encoding="utf-8") as file:
            file.write(
                f"\n[delivery]\nmessages_per_second = {self.pace}\n"
                "plan_interval_seconds = 1.0\nsend_interval_seconds = 0.5\n"
            )


@pytest.fixture
def bot_class() -> type[BotProcess]:
    return DeliveryBot


def due_in(*seconds: float) -> tuple[str, str, str]:
    """The self-assessment, scoring and review deadlines, so many seconds from now."""
    self_due, score_due, review_due = (
        (datetime.now(SHANGHAI) + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S") for s in seconds
    )
    return self_due, score_due, review_due


def opened_days_ago(database_url: str, days: int = 2) -> None:
    """As if the cycle had opened ``days`` days ago, so that the ladder's rung of the day is in force."""
    with database(database_url) as session:
        cycle = session.exec(select(Cycle)).one()
        cycle.opened_at -= timedelta(days=days)
        session.add(cycle)


def scoring_overdue(database_url: str) -> None:
    """As if the self-assessment and scoring deadlines had passed, nothing scored: the review is on."""
    with database(database_url) as session:
        cycle = session.exec(select(Cycle)).one()
        now = datetime.now(UTC)
        cycle.self_due, cycle.score_due = now - timedelta(days=2), now - timedelta(hours=1)
        session.add(cycle)


def reminders_recorded_sent(database_url: str) -> int:
    with database(database_url) as session:
        sent = select(Notification).where(col(Notification.sent_at).is_not(None))
        return sum("⏰" in notification.text for notification in session.exec(sent))


def nothing_due_unsent(database_url: str) -> bool:
    with database(database_url) as session:
        pending = select(Notification).where(Notification.state == NotificationState.PENDING)
        return all(n.not_before > datetime.now(UTC) for n in session.exec(pending))


def texts(fake_api, chat: int) -> list[str]:
    return [message.body for message in fake_api.sent(chat)]


def count(fake_api, chat: int, words: str) -> int:
    return sum(words in text for text in texts(fake_api, chat))


def reminders(fake_api) -> int:
    """How many reminders the examinees have received."""
    return sum(count(fake_api, user, "⏰") for user in EXAMINEES.values())


def test_reminders_and_announcements_arrive_once_each_across_a_kill(
    bot, fake_api, kaohe, sample_roster, scheme, database_url
):
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    people = {no: register(fake_api, codes, no, user) for no, user in (EXAMINEES | COMMITTEE).items()}

    open_cycle(kaohe, due_in(40, 55, 600), "--scheme", str(scheme))
    for no in EXAMINEES:
        people[no].wait_for("已开始", timeout=20)
    eventually(lambda: nothing_due_unsent(database_url), timeout=20, what="every opening notice sent")

    # Two reminders get through, then Telegram stalls; the bot dies with the others unsent.
    fake_api.hold_sends(after=2)
    opened_days_ago(database_url)  # the reminder of the day is in force from the next plan on
    eventually(lambda: reminders(fake_api) == 2, timeout=20, what="two reminders at Telegram")
    eventually(lambda: reminders_recorded_sent(database_url) == 2, timeout=20, what="both recorded as sent")
    bot.kill()
    assert reminders(fake_api) == 2
    fake_api.release_sends()
    bot.start()
    eventually(lambda: reminders(fake_api) == len(EXAMINEES), timeout=20, what="a reminder for each")

    # The self-assessment closes: examinees hear it, the scorers that scoring is open; then the review.
    for no in EXAMINEES:
        people[no].wait_for("自我评定已于", timeout=60)
    for no in (VICE_PRESIDENT, PRESIDENT):
        people[no].wait_for("上级评定开始了", timeout=30)
    for no in COMMITTEE:
        people[no].wait_for("复核进度", timeout=60)

    for no, user in EXAMINEES.items():
        assert count(fake_api, user, "⏰") == 1, no
        assert count(fake_api, user, "已开始") == 1, no
        assert count(fake_api, user, "自我评定已于") == 1, no
    assert [count(fake_api, u, "上级评定开始了") for u in EXAMINEES.values()] == [0, 0, 0, 0, 1, 1]
    assert all(count(fake_api, user, "复核进度") == 1 for user in COMMITTEE.values())
    for user in (EXAMINEES | COMMITTEE).values():
        repeated = [text for text, n in Counter(texts(fake_api, user)).items() if n > 1]
        assert repeated == [], user
    assert bot.stop() == 0


def test_nudges_get_through_429s_exactly_once_and_the_unreachable_are_listed(
    bot, fake_api, kaohe, sample_roster, scheme
):
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    people = {no: register(fake_api, codes, no, EXAMINEES[no]) for no in (OFFICER, HEAD, DEPUTY, CLERK)}
    teacher = register(fake_api, codes, TEACHER, COMMITTEE[TEACHER])
    open_cycle(kaohe, None, "--scheme", str(scheme))
    for person in people.values():
        person.wait_for("已开始", timeout=20)
    people[CLERK].block_bot()

    fake_api.fail_next("sendMessage", times=3, retry_after=1)
    out = kaohe("remind").stdout
    assert "已催办 4 人" in out
    for no in (OFFICER, HEAD, DEPUTY):
        people[no].wait_for("考核小组提醒", timeout=30)
    assert [c.status for c in fake_api.calls("sendMessage")].count(429) == 3

    teacher.send("/nudge")
    prompt = teacher.wait_for(button("📣 催办 80 人"))
    teacher.press(prompt, "📣 催办 80 人")
    teacher.wait_for("今天已催办过")

    status = kaohe("cycle", "status").stdout
    assert "无法送达（屏蔽了机器人或删除了对话）：1 人：江桂" in status
    for no in (OFFICER, HEAD, DEPUTY):
        assert count(fake_api, EXAMINEES[no], "考核小组提醒") == 1
    assert bot.stop() == 0


def test_a_reminder_and_the_committee_digest_open_their_screens_with_their_buttons(
    bot, fake_api, kaohe, scheme, database_url
):
    kaohe("roster", "import", str(SMALL_ROSTER))
    codes = invitation_codes(kaohe)
    bot.start()
    member = register(fake_api, codes, "1004", SMALL_USERS["1004"])  # 刘洋, scored by 王芳
    teacher = register(fake_api, codes, "T01", SMALL_USERS["T01"])  # 赵敏, of the committee
    open_cycle(kaohe, (in_days(2), in_days(4), in_days(6)), "--scheme", str(scheme))
    member.wait_for("已开始", timeout=20)

    opened_days_ago(database_url, days=4)  # a rung of the self-assessment's ladder is in force
    reminder = member.wait_for(button("📝 填写自我评定"), timeout=20)
    assert "⏰" in reminder.body
    member.press(reminder, "📝 填写自我评定")
    assert member.wait_for("自我评定表（附表一）").message_id != reminder.message_id  # a screen of its own
    assert "⏰" in next(m for m in member.messages if m.message_id == reminder.message_id).body  # kept

    scoring_overdue(database_url)
    digest = teacher.wait_for("复核进度", timeout=20)
    assert "🔍 复核确认" in digest.labels and "刘洋" in digest.body
    teacher.press(digest, "🔍 复核确认")
    teacher.wait_for("复核确认（考核小组）")
    teacher.press(digest, next(label for label in digest.labels if "刘洋" in label))
    teacher.wait_for(labelled("接管评分"))
    assert bot.stop() == 0
