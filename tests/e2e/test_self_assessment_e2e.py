"""End to end through ``kaohe run``: a cycle opens, examinees are told, self-assessments survive SIGKILL."""

from __future__ import annotations

from e2e_helpers import (
    ANSWERS,
    HEAD,
    OFFICER,
    button,
    database,
    invitation_codes,
    open_cycle,
    register,
    submit_from,
    write_self_assessment,
)
from sqlmodel import select

from storage.models import SelfAnswer, SelfAssessment, SelfStatus


def statuses(database_url: str) -> dict[int, tuple[str, int]]:
    """Each self-assessment's status and how many sections it has, by examinee id."""
    with database(database_url) as session:
        return {
            a.examinee_id: (
                a.status,
                len(session.exec(select(SelfAnswer).where(SelfAnswer.assessment_id == a.id)).all()),
            )
            for a in session.exec(select(SelfAssessment))
        }


def test_a_cycle_is_announced_and_self_assessments_survive_a_kill(
    bot, fake_api, kaohe, sample_roster, scheme, database_url
):
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    officer = register(fake_api, codes, OFFICER, 501)
    head = register(fake_api, codes, HEAD, 502)

    opened = open_cycle(kaohe, None, "--scheme", str(scheme))
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
