"""End to end through ``kaohe run``: a whole small cycle, from self-assessment to the private release.

Everyone writes their self-assessment in chat; the vice-president scores her departments, the
president scores her, the committee scores the president in /review; the committee rates the
departments, changes a grade with a reason, looks at the chart and confirms; the federation president
and the teacher sign; each examinee then receives exactly their own result, and no other member, the
scorer or a group chat learns anything of it.
"""

from __future__ import annotations

from cycle_helpers import GOOD, PASS, SMALL_ROSTER, TOP
from e2e_helpers import (
    SMALL_USERS,
    database,
    invitation_codes,
    open_cycle,
    rate_departments,
    register,
    submit_from,
    tap,
    write_self_assessment,
)
from sqlmodel import select

from storage.models import Cycle, ReviewChange

NAMES = {"1001": "李华", "1002": "王芳", "1003": "张伟", "1004": "刘洋", "1005": "陈静"}
COMMENT = "工作认真负责，能按时完成任务；希望今后更加主动，多提建设性意见。"
REASON = "本学期三次缺席部门例会，经考核小组讨论调为及格"


def score(scorer, name: str, points: list[str]) -> None:
    """Score ``name`` through /score: every item typed, the comment, submitted."""
    scorer.send("/score")
    tap(scorer, name)
    for number, value in enumerate(points, start=1):
        scorer.wait_for(f"评分（{number}/10）")
        scorer.send(value)
    scorer.wait_for("考评意见")
    scorer.send(COMMENT)
    tap(scorer, "📨 提交")
    tap(scorer, "✅ 确认提交")
    scorer.wait_for("已于")


def committee_scores_the_president(member, points: list[str]) -> None:
    member.send("/review")
    tap(member, "主席团")
    tap(member, "李华")
    tap(member, "评分（考核小组）")
    for number, value in enumerate(points, start=1):
        member.wait_for(f"考核小组评分 · 李华（{number}/10）")
        member.send(value)
    member.wait_for("考评意见 · 李华")
    member.send(COMMENT)
    tap(member, "提交评分表")
    tap(member, "✅ 确认提交")
    member.wait_for("已提交 李华 的评分表（总分 98）")


def balance_and_confirm(teacher) -> None:
    """Rate the three departments, regrade 刘洋 with a reason, look at the chart, confirm."""
    rate_departments(teacher)
    tap(teacher, "办公室")
    tap(teacher, "刘洋")
    tap(teacher, "改等级")
    tap(teacher, "B 及格")
    teacher.wait_for("请写下修改理由")
    teacher.send(REASON)
    assert "考核等级：B（及格） · 考核小组调整" in teacher.wait_for("已修改并记录").body
    teacher.send("/review")
    tap(teacher, "📊 校学生会")
    chart = teacher.wait_for(lambda message: message.photo is not None)
    assert "办公室：2 人 · 评分 2/2 · 评价 优秀 · S1 B1 · ✅" in chart.body
    teacher.send("/review")
    tap(teacher, "确认复核平衡")
    tap(teacher, "✅ 确认")
    teacher.wait_for("考核小组已确认第 1 版结果。已通知学联主席（李华）复核签字")


def sign_off(president, teacher) -> None:
    president.wait_for("请你以学联主席身份复核并签字")  # delivered from the outbox
    president.send("/review")
    tap(president, "学联主席复核签字")
    president.wait_for("请发送你的复核意见")
    president.send("同意考核小组的复核意见。")
    president.wait_for("你已复核签字（第 1 版）")
    teacher.wait_for("请你以团委老师身份签字")
    teacher.send("/review")
    tap(teacher, "团委老师签字")
    tap(teacher, "确认签字并发布")
    teacher.wait_for("5 位被考核者将在与我的私聊中收到本人结果")


def results_in(user) -> list[str]:
    return [message.body for message in user.messages if "你的考核结果" in message.body]


def test_a_whole_cycle_ends_with_each_result_known_only_to_its_examinee_and_the_committee(
    bot, fake_api, kaohe, scheme, database_url
):
    kaohe("roster", "import", str(SMALL_ROSTER))
    codes = invitation_codes(kaohe)
    bot.start()
    people = {
        student_no: register(fake_api, codes, student_no, user) for student_no, user in SMALL_USERS.items()
    }
    president, vice, teacher = people["1001"], people["1002"], people["T01"]
    open_cycle(kaohe, None, "--scheme", str(scheme))
    for student_no in NAMES:
        people[student_no].wait_for("2026秋季考核")
        submit_from(people[student_no], write_self_assessment(people[student_no]))

    score(vice, "张伟", TOP)
    score(vice, "刘洋", GOOD)
    score(vice, "陈静", PASS)
    score(president, "王芳", GOOD)
    committee_scores_the_president(teacher, TOP)
    balance_and_confirm(teacher)
    sign_off(president, teacher)

    for student_no in NAMES:
        people[student_no].wait_for("你的考核结果")
    for student_no, name in NAMES.items():
        [result] = results_in(people[student_no])
        assert f"{name} · 校学生会" in result
        assert not [other for other in NAMES.values() if other != name and other in result]
    [officer] = results_in(people["1004"])
    assert "总分：88 / 100" in officer and "考核等级：B（及格）" in officer and COMMENT in officer
    assert REASON not in officer
    assert results_in(teacher) == []

    # Nobody else learns 刘洋's result: not a department colleague, not the scorer, not a group.
    assert not [m.body for m in people["1003"].messages if "刘洋" in m.body]
    about_him = [m.body for m in vice.messages if "刘洋" in m.body]
    assert about_him and not [body for body in about_him if "考核等级：" in body or "B（及格）" in body]
    assert not [m.body for m in vice.messages if REASON in m.body]
    vice.send("/score")
    tap(vice, "刘洋")
    sheet = vice.wait_for("只能查看")
    assert "88" in sheet.body and "及格" not in sheet.body and REASON not in sheet.body
    group = fake_api.group(-1001234, "校学生会工作群")
    group.send(people["1004"], "/result")
    pointer = group.wait_for("私聊")
    assert [m.body for m in group.messages] == [pointer.body]
    assert not [name for name in NAMES.values() if name in pointer.body] and "考核等级" not in pointer.body

    # The examinee signs for the result in private; the status shows the sign-off and the receipt.
    officer_chat = people["1004"]
    officer_chat.send("/result")
    tap(officer_chat, "签字")
    officer_chat.wait_for("签字确认收到结果")
    status = kaohe("cycle", "status").stdout
    line = next(line for line in status.splitlines() if line.startswith("复核签字（第 1 版）"))
    assert "李华" in line and "赵敏" in line and line.endswith(" 1/5")

    with database(database_url) as session:
        assert session.exec(select(Cycle)).one().released_at is not None
        [change] = session.exec(select(ReviewChange).where(ReviewChange.reason == REASON)).all()
        assert (change.before, change.after) == ("A", "B")
    assert bot.stop() == 0
