"""End to end through ``kaohe run``: after the scoring deadline a committee member takes over a sheet
its scorer never submitted, with a reason, fills it in and submits it (the scorer is told), and the
committee confirms the balance.

The other sheets are scored and the deadlines moved into the past directly in the database: scoring
has its own end-to-end test, and ``kaohe cycle open`` takes only deadlines ahead.

The confirmation is pressed on the overview a fresh ``/review`` sends. (It once looked refused as "an
earlier screen": the test pressed the overview ``rate_departments`` had ended on, which the fresh one
had replaced, because waiting for the overview's text matched that older one, still unread.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cycle_helpers import GOOD, PASS, SMALL_ROSTER, TOP, score_everyone
from e2e_helpers import SMALL_USERS, database, invitation_codes, open_cycle, rate_departments, register, tap
from sqlmodel import select

from storage.models import Cycle, CycleExaminee, ScoreSheet, SheetStatus

REASON = "评分人逾期未提交，多次催办无果，由考核小组接管。"


def scored_but_one_past_the_deadline(database_url: str) -> None:
    """Every sheet submitted but 刘洋's, which her scorer 王芳 left a draft; the scoring deadline passed."""
    now = datetime.now(UTC)
    with database(database_url) as session:
        points = {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}
        score_everyone(session, points, now - timedelta(days=2), "T01")
        liu = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == "1004")).one()
        sheet = session.exec(select(ScoreSheet).where(ScoreSheet.examinee_id == liu.id)).one()
        sheet.status, sheet.submitted_at = SheetStatus.DRAFT, None
        cycle = session.exec(select(Cycle)).one()
        cycle.self_due, cycle.score_due = now - timedelta(days=3), now - timedelta(hours=1)
        session.add_all([sheet, cycle])


def test_a_committee_member_takes_over_an_unsubmitted_sheet_and_confirms(
    bot, fake_api, kaohe, scheme, database_url
):
    kaohe("roster", "import", str(SMALL_ROSTER))
    codes = invitation_codes(kaohe)
    bot.start()
    teacher = register(fake_api, codes, "T01", SMALL_USERS["T01"])
    scorer = register(fake_api, codes, "1002", SMALL_USERS["1002"])
    open_cycle(kaohe, None, "--scheme", str(scheme))  # the scorer is told at once, whatever the hour
    scored_but_one_past_the_deadline(database_url)

    teacher.send("/review")
    tap(teacher, "办公室")
    tap(teacher, "刘洋")
    tap(teacher, "接管评分")
    teacher.wait_for("请写下接管理由")
    teacher.send(REASON)
    taken = teacher.wait_for("已接管 刘洋 的评分表，已通知评分人 王芳")
    teacher.press(taken, next(label for label in taken.labels if "提交评分表" in label))
    tap(teacher, "✅ 确认提交")
    teacher.wait_for("已提交 刘洋 的评分表")
    told = scorer.wait_for("评分表已由考核小组接管")
    assert "赵敏" in told.body and REASON in told.body

    rate_departments(teacher)
    earlier = teacher.wait_for("各部门均已平衡")  # the overview rate_departments ends on, read
    teacher.send("/review")  # a fresh overview after the take-over: the live one now
    overview = teacher.wait_for("各部门均已平衡")
    assert overview.message_id != earlier.message_id
    teacher.press(overview, "✅ 确认复核平衡")
    teacher.press(teacher.wait_for("确认复核平衡（第 1 版）？"), "✅ 确认")
    teacher.wait_for("考核小组已确认第 1 版结果")
    assert bot.stop() == 0
