"""End to end through ``kaohe run``: every notice keeps the quiet hours (免打扰时段).

The cycle's scheme has quiet hours from an hour ago until a minute and a half from now. In them the
cycle is opened, the results are released by the teacher's signature and an examinee appeals: the
people doing it get their answers at once, but no notice goes out until the quiet hours end; then
each one arrives exactly once. (The scores and the first two signatures are written directly in the
database: scoring and the sign-off have their own end-to-end tests.)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from cycle_helpers import GOOD, PASS, SMALL_ROSTER, TOP, score_everyone
from e2e_helpers import (
    APPEAL_REASON,
    SMALL_USERS,
    database,
    eventually,
    invitation_codes,
    open_cycle,
    quiet_scheme,
    register,
    tap,
)
from sqlmodel import select

from storage import review
from storage.models import Cycle, Member, Notification, NotificationState, SignatureRole

EXAMINEES = ("1001", "1002", "1003", "1004", "1005")
QUIET_FOR = timedelta(seconds=90)
NOTICES = {"opened": "已开始", "result": "签字后发布", "appeal": "收到 刘洋 的申诉"}


def scored_and_signed_by_committee_and_president(database_url: str) -> None:
    """Every sheet submitted, the committee's confirmation and the president's signature on version 1."""
    with database(database_url) as session:
        now = datetime.now(UTC)
        score_everyone(
            session, {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}, now, "T01"
        )
        cycle = session.exec(select(Cycle)).one()
        signers = {m.student_no: m.id for m in session.exec(select(Member))}
        for role, student_no in ((SignatureRole.COMMITTEE, "T01"), (SignatureRole.PRESIDENT, "1001")):
            review.sign(
                session, cycle_id=cycle.id, role=role, member_id=signers[student_no], version=1, now=now
            )


def appeal(user) -> None:
    user.send("/appeal")
    tap(user, "某个考核项目")
    tap(user, "工作业绩")
    user.wait_for("申诉理由")
    user.send(APPEAL_REASON)
    user.wait_for("证明材料")
    user.send("迎新晚会签到表由我整理，共 312 人。")
    tap(user, "完成")
    tap(user, "提交申诉")
    tap(user, "确认提交")
    user.wait_for("申诉已于")


def pending_notices(database_url: str) -> list[Notification]:
    with database(database_url) as session:
        return list(session.exec(select(Notification).where(Notification.state == NotificationState.PENDING)))


def held_until(database_url: str, end: datetime) -> bool:
    """Whether every notice (all eleven) waits in the outbox for the quiet hours to end."""
    pending = pending_notices(database_url)
    return len(pending) >= 11 and all(n.not_before >= end.replace(microsecond=0) for n in pending)


def notices(fake_api, chat: int) -> Counter[str]:
    """How many of each notice the chat has received."""
    bodies = [message.body for message in fake_api.sent(chat)]
    return Counter(name for name, words in NOTICES.items() for body in bodies if words in body)


def test_opening_releasing_and_appealing_in_quiet_hours_send_nothing_until_they_end_then_each_once(
    bot, fake_api, kaohe, database_url, tmp_path
):
    kaohe("roster", "import", str(SMALL_ROSTER))
    bot.start()
    codes = invitation_codes(kaohe)
    people = {
        student_no: register(fake_api, codes, student_no, user) for student_no, user in SMALL_USERS.items()
    }
    teacher, officer = people["T01"], people["1004"]

    now = datetime.now(UTC)
    end = now + QUIET_FOR
    scheme = quiet_scheme(tmp_path, now - timedelta(hours=1), end)
    open_cycle(kaohe, None, "--scheme", str(scheme))
    scored_and_signed_by_committee_and_president(database_url)

    teacher.send("/review")
    tap(teacher, "团委老师签字")
    tap(teacher, "确认签字并发布")
    teacher.wait_for("5 位被考核者将在与我的私聊中收到本人结果")  # a reply goes out at once
    appeal(officer)

    eventually(lambda: held_until(database_url, end), timeout=20, what="every notice held back until the end")
    assert datetime.now(UTC) < end, "the steps took longer than the quiet hours; make QUIET_FOR longer"
    assert {user: notices(fake_api, user) for user in SMALL_USERS.values()} == {
        user: Counter() for user in SMALL_USERS.values()
    }

    results = {}
    for student_no in EXAMINEES:
        result = people[student_no].wait_for(NOTICES["result"], timeout=QUIET_FOR.total_seconds() + 30)
        assert result.labels == ["✍️ 签字（确认收到）", "📝 申诉"]  # the buttons of /result, with the notice
        results[student_no] = result
    teacher.wait_for(NOTICES["appeal"], timeout=30)
    eventually(lambda: not pending_notices(database_url), timeout=30, what="every notice sent")
    for student_no in EXAMINEES:
        assert notices(fake_api, SMALL_USERS[student_no]) == Counter(opened=1, result=1), student_no
    assert notices(fake_api, SMALL_USERS["T01"]) == Counter(appeal=1)
    sent = [
        m
        for user in SMALL_USERS.values()
        for m in fake_api.sent(user)
        if any(w in m.body for w in NOTICES.values())
    ]
    assert len(sent) == 11 and min(m.date for m in sent) >= int(end.timestamp())

    # The release notice's buttons work as /result's: one examinee signs, another starts an appeal.
    people["1003"].press(results["1003"], "✍️ 签字（确认收到）")
    people["1003"].wait_for("签字确认收到结果")
    people["1005"].press(results["1005"], "📝 申诉")
    people["1005"].wait_for("你对哪一项有异议")
    assert bot.stop() == 0
