"""End to end through ``kaohe run``: a vice-president scores a whole department by typing and tapping."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cycle_helpers import submit_self_assessment
from e2e_helpers import button, database, invitation_codes, labelled, open_cycle, register
from sqlmodel import select

from flows.rules.scheme import default_scheme
from flows.scoring.presses import ScoreAction, ScorePress
from flows.ui.buttons import parse_button
from storage.models import CycleExaminee, ItemScore, ScoreSheet, SheetStatus

VICE_PRESIDENT = "2023000111"  # 马凯秀, in charge of 办公室, 体育部 and 生活部
OFFICE = {"2023000157": "龙浩", "2023000186": "杨超", "2023000256": "郭宇雅", "2023000331": "江桂"}
OTHER_TEAM_OFFICER = "2023002373"  # 闫欣刚 of 校团委 组织部: scored by someone else
COMMENT = "工作认真负责，能按时完成任务；希望今后更加主动，多提建设性意见。"


def score_one(scorer, name: str, offset: int) -> Decimal:
    """Open ``name`` from /score, type every item but tap the second, comment, submit; the total entered.

    The whole sheet is at most three bot messages: the list (which becomes the examinee's
    self-assessment), the sheet edited step by step, and the question asked again after a refused score.
    """
    items = default_scheme().rubric.items
    before = len(scorer.messages)
    scorer.send("/score")
    listing = scorer.wait_for(labelled(name))
    scorer.press(listing, next(label for label in listing.labels if name in label))
    scorer.wait_for(f"评分（1/{len(items)}）")
    scorer.send("二十")  # not a number: refused with the item's range
    scorer.wait_for("不是有效分数")
    typed = [item.points - Decimal(offset) / 2 for item in items]
    scorer.send(str(typed[0]))
    second = scorer.wait_for(f"评分（2/{len(items)}）")
    tapped = second.buttons[0][0]  # a suggested value, tapped instead of typed
    scorer.press(second, tapped[1])
    typed[1] = Decimal(tapped[0].split()[0])
    for value in typed[2:]:
        scorer.wait_for("评分（")
        scorer.send(str(value))
    scorer.wait_for("考评意见")
    scorer.send(COMMENT)
    scorer.press(scorer.wait_for(button("📨 提交")), "📨 提交")
    scorer.press(scorer.wait_for(button("✅ 确认提交")), "✅ 确认提交")
    done = scorer.wait_for("已于")
    assert done.edited and labelled(name)(done)  # the sheet turned back into the list
    shown = scorer.messages[before:]
    assert len(shown) <= 3, [message.body[:40] for message in shown]
    assert [message for message in shown if message.buttons] == [done]  # older keyboards are gone
    return sum(typed, Decimal(0))


def entered_totals(database_url: str) -> dict[str, Decimal]:
    totals = {}
    with database(database_url) as session:
        for sheet, examinee in session.exec(select(ScoreSheet, CycleExaminee).join(CycleExaminee)).all():
            assert sheet.status == SheetStatus.SUBMITTED
            points = session.exec(select(ItemScore.points).where(ItemScore.sheet_id == sheet.id)).all()
            totals[examinee.student_no] = sum((Decimal(p) for p in points), Decimal(0))
    return totals


def test_a_vice_president_scores_a_department_and_the_database_holds_what_was_entered(
    bot, fake_api, kaohe, sample_roster, database_url
):
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    open_cycle(kaohe)
    with database(database_url) as session:
        for student_no in OFFICE:
            submit_self_assessment(session, student_no, at=datetime.now(UTC))
        stranger = session.exec(
            select(CycleExaminee).where(CycleExaminee.student_no == OTHER_TEAM_OFFICER)
        ).one()
    bot.start()
    scorer = register(fake_api, codes, VICE_PRESIDENT, 601)

    expected = {
        student_no: score_one(scorer, name, offset)
        for offset, (student_no, name) in enumerate(OFFICE.items())
    }

    scorer.send("/score")
    listing = scorer.wait_for(labelled("江桂"))
    opened = parse_button(listing.buttons[0][0][1])
    assert isinstance(opened, ScorePress)
    forged = ScorePress(opened.cycle, ScoreAction.OPEN, stranger.id).pack()  # another scorer's examinee
    answer = scorer.press_forged(listing, forged).wait_answer()
    assert answer.text is not None and "不属于你" in answer.text  # a toast, nothing else
    for data in (
        f"c:{opened.cycle}:o:{'9' * 25}",
        f"c:{opened.cycle}:o:²",
        f"c:{opened.cycle}:p:１:results:20",
    ):
        assert scorer.press_forged(listing, data).wait_answer().text  # answered, not crashed
    assert entered_totals(database_url) == expected
    assert "button.refused" in bot.log_text() and "update failed" not in bot.log_text()
    assert bot.stop() == 0
