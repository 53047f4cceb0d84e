"""End to end through ``kaohe run``: a cycle opens, examinees are told, self-assessments survive SIGKILL."""

from __future__ import annotations

from datetime import datetime, timedelta

from fakebotapi import BotMessage, SimUser
from sqlmodel import Session, select
from test_registration_e2e import HEAD, OFFICER, invitation_codes

from storage.db import make_engine
from storage.models import SelfAnswer, SelfAssessment, SelfStatus

ANSWERS = [
    "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步，按时参加政治学习。",
    "本学期绩点3.6，专业排名前15%，获得校级二等奖学金，没有缺课记录，英语六级通过。",
    "负责办公室档案整理和例会记录，共整理档案120份；协助组织迎新晚会，负责签到与物资，按时完成所有交办任务。",
    "文字表达和沟通协调能力明显提高，学会了用表格管理物资和经费。",
    "主动性还不够，遇到问题有时等待安排；今后要多提建议、多承担任务。",
]


def statuses(database_url: str) -> dict[int, tuple[str, int]]:
    """Each self-assessment's status and how many sections it has, by examinee id."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        result = {
            a.examinee_id: (
                a.status,
                len(session.exec(select(SelfAnswer).where(SelfAnswer.assessment_id == a.id)).all()),
            )
            for a in session.exec(select(SelfAssessment))
        }
    engine.dispose()
    return result


def register(fake_api, codes, student_no: str, user_id: int):
    user = fake_api.user(user_id)
    user.send(f"/start {codes[student_no]}")
    user.wait_for("你好")
    return user


def button(label: str):
    """Matches a message that carries the button ``label``."""
    return lambda message: label in message.labels


def write_self_assessment(user: SimUser) -> BotMessage:
    """``/self``, the header confirmed, every section answered: the review screen, with its submit button."""
    user.send("/self")
    user.press(user.wait_for(button("✅ 信息无误")), "✅ 信息无误")
    for answer in ANSWERS:
        user.wait_for("请用文字回答")
        user.send(answer)
    return user.wait_for(button("📨 提交"))


def submit_from(user: SimUser, review: BotMessage) -> None:
    """Submit the self-assessment from its review screen, and confirm."""
    user.press(review, "📨 提交")
    user.press(user.wait_for("确认提交自我评定吗"), "✅ 确认提交")
    user.wait_for("已于")


def in_days(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_cycle_is_announced_and_self_assessments_survive_a_kill(
    bot, fake_api, kaohe, sample_roster, scheme, database_url
):
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    officer = register(fake_api, codes, OFFICER, 501)
    head = register(fake_api, codes, HEAD, 502)

    due = {"--self-due": in_days(7), "--score-due": in_days(14), "--review-due": in_days(21)}
    dues = (part for pair in due.items() for part in pair)
    opened = kaohe("cycle", "open", "--name", "2026秋季考核", "--scheme", str(scheme), *dues)
    assert "80" in opened.stdout
    officer.wait_for("2026秋季考核")  # the running bot delivers the notice from the outbox
    head.wait_for("/self")

    # The officer fills in the whole form, then edits one section from the review screen.
    officer.press(write_self_assessment(officer), "✏️ 学习")
    officer.wait_for("（2/5）学习")
    officer.send("本学期绩点3.8，专业排名前10%，获得国家励志奖学金，全勤，英语六级高分通过。")
    submit_from(officer, officer.wait_for(button("📨 提交")))

    # The head answers two sections; the bot is killed; nothing is lost after a restart.
    head.send("/self")
    head.press(head.wait_for(button("✅ 信息无误")), "✅ 信息无误")
    head.wait_for("（1/5）")
    head.send(ANSWERS[0])
    head.wait_for("（2/5）")
    head.send(ANSWERS[1])
    head.wait_for("（3/5）")
    bot.kill()
    bot.start()
    head.send("/self")
    head.wait_for("（3/5）")
    for answer in ANSWERS[2:]:
        head.send(answer)
    submit_from(head, head.wait_for(button("📨 提交")))
    assert not [m.body for m in head.messages if "至少需要" in m.body]  # no update was handled twice

    done = statuses(database_url)
    assert sorted(done.values()) == [(SelfStatus.SUBMITTED, 5), (SelfStatus.SUBMITTED, 5)]
    status = kaohe("cycle", "status").stdout
    assert "2/80" in status
    assert len([m for m in officer.messages if "2026秋季考核" in m.body and "已开始" in m.body]) == 1
    assert bot.stop() == 0
