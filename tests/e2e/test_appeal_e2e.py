"""End to end through ``kaohe run``: an examinee appeals with a photo, the organisation department
reports it, the committee asks the scorer, decides, and the examinee receives the final decision;
then ``kaohe export`` holds it all.

The score sheet is written and the result released directly in the database: scoring has its own
end-to-end test, and the committee's release is another flow.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from appeal_helpers import MEMBER, OFFICER, ORG_OFFICER, SCORER, score
from openpyxl import load_workbook
from sqlmodel import Session, select
from test_registration_e2e import invitation_codes
from test_self_assessment_e2e import in_days, register

from storage.db import make_engine
from storage.models import Appeal, AppealEvidence, AppealStatus, Cycle, EvidenceKind

REASON = "工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符，请核实。"
QUESTION = "请说明工作业绩一项的评分依据，是否计入了迎新晚会签到工作？"
ANSWER = "签到工作由学生会统一安排，当时计入了工作态度一项。"
DECISION = "经核实，迎新晚会签到工作确由本人完成，工作业绩一项加 3 分。"


def labelled(label: str):
    """Matches a message with a button whose label contains ``label``."""
    return lambda message: any(label in each for each in message.labels)


def tap(user, label: str) -> None:
    """Wait for a button whose label contains ``label`` and press it."""
    message = user.wait_for(labelled(label))
    user.press(message, next(each for each in message.labels if label in each))


def scored_and_released(database_url: str) -> None:
    """The officer's score sheet submitted by her scorer, and results released an hour ago."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        score(session, OFFICER, at=datetime.now(UTC) - timedelta(hours=2))
        cycle = session.exec(select(Cycle)).one()
        cycle.released_at = datetime.now(UTC) - timedelta(hours=1)
        session.add(cycle)
        session.commit()
    engine.dispose()


def stored_appeal(database_url: str) -> tuple[Appeal, list[AppealEvidence]]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        appeal = session.exec(select(Appeal)).one()
        evidence = list(session.exec(select(AppealEvidence)))
    engine.dispose()
    return appeal, evidence


USERS = {OFFICER: 501, SCORER: 511, ORG_OFFICER: 521, MEMBER: 541}


def released_to(
    bot, fake_api, kaohe, sample_roster, scheme, database_url, student_nos: tuple[str, ...]
) -> dict:
    """The sample roster, these members registered (by student number), a cycle open and the officer's
    result released: each member's chat, by student number."""
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    people = {no: register(fake_api, codes, no, USERS[no]) for no in student_nos}
    due = {"--self-due": in_days(7), "--score-due": in_days(14), "--review-due": in_days(21)}
    dues = (part for pair in due.items() for part in pair)
    kaohe("cycle", "open", "--name", "2026秋季考核", "--scheme", str(scheme), *dues)
    scored_and_released(database_url)
    return people


def appeals_against_an_item(officer) -> None:
    """``/appeal`` against 工作业绩 with the reason, up to the question for evidence."""
    officer.send("/appeal")
    tap(officer, "某个考核项目")
    tap(officer, "工作业绩")
    officer.wait_for("申诉理由")
    officer.send(REASON)
    officer.wait_for("证明材料")


def submits_and_the_department_opens_it(officer, department) -> None:
    """The officer submits her appeal; the organisation department is told and opens it in /appeals."""
    tap(officer, "提交申诉")
    tap(officer, "确认提交")
    officer.wait_for("申诉已于")
    department.wait_for("收到 郭宇雅 的申诉")
    department.send("/appeals")
    tap(department, "郭宇雅")


def decides_plus_three(member) -> None:
    """Having pressed ⚖️ 裁定: the result changed, 工作业绩 18 (three more), with the reason."""
    tap(member, "更改结果")
    tap(member, "工作业绩")
    member.wait_for("请输入新的分数")
    member.send("18")
    tap(member, "填写裁定理由")
    member.wait_for("裁定理由")
    member.send(DECISION)
    tap(member, "确认最终裁定")
    member.wait_for("已对 郭宇雅 的申诉作出最终裁定")


def test_an_appeal_with_a_photo_goes_through_the_department_and_the_committee_to_a_final_decision(
    bot, fake_api, kaohe, sample_roster, scheme, database_url, tmp_path
):
    people = released_to(
        bot, fake_api, kaohe, sample_roster, scheme, database_url, (OFFICER, SCORER, ORG_OFFICER, MEMBER)
    )
    officer, scorer, department, member = (people[no] for no in (OFFICER, SCORER, ORG_OFFICER, MEMBER))

    # The examinee appeals against one item, with a photo as evidence; the department reports it.
    appeals_against_an_item(officer)
    photo = officer.send_photo(caption="迎新晚会签到表")
    tap(officer, "完成")
    submits_and_the_department_opens_it(officer, department)
    tap(department, "上报考核小组")
    department.wait_for("已将 郭宇雅 的申诉上报考核小组")

    # The committee reads it beside the score sheet and asks the scorer.
    member.wait_for("上报考核小组")
    member.send("/appeals")
    tap(member, "郭宇雅")
    opened = member.wait_for(labelled("征求评分人意见"))
    assert (
        REASON in opened.body and "📷 照片：迎新晚会签到表" in opened.body and "总分：77.0/100" in opened.body
    )
    member.press(opened, next(label for label in opened.labels if "征求评分人意见" in label))
    member.wait_for("要问 马凯秀 的问题")
    member.send(QUESTION)
    member.wait_for("已向 马凯秀 征求意见")

    scorer.wait_for("征求你的意见")
    scorer.send("/appeals")
    tap(scorer, "答复")
    scorer.wait_for("请写下你的意见")
    scorer.send(ANSWER)
    scorer.wait_for("你的意见已提交考核小组")

    # The committee sees the answer attached, and decides: the result changes.
    member.wait_for("已答复")
    member.send("/appeals")
    tap(member, "郭宇雅")
    opened = member.wait_for(labelled("⚖️ 裁定"))
    assert ANSWER in opened.body
    member.press(opened, "⚖️ 裁定")
    decides_plus_three(member)

    # The examinee receives the final decision, privately.
    decision = officer.wait_for("最终裁定")
    assert "更改结果" in decision.body and "总分：80.0/100" in decision.body and DECISION in decision.body
    appeal, evidence = stored_appeal(database_url)
    assert appeal.status == AppealStatus.DECIDED
    [piece] = evidence
    sent = photo["photo"][-1]
    assert (piece.kind, piece.file_id, piece.file_unique_id) == (
        EvidenceKind.PHOTO,
        sent["file_id"],
        sent["file_unique_id"],
    )
    assert not [m for m in department.messages if "最终裁定" in m.body]  # only the examinee is told

    # The archive holds it.
    out = tmp_path / "archive"
    kaohe("export", "--cycle", "2026秋季考核", "--out", str(out))
    book = load_workbook(io.BytesIO((out / "2026秋季考核.xlsx").read_bytes()))
    [row] = list(book["申诉与裁定"].iter_rows(min_row=3, values_only=True))
    assert "郭宇雅" in row and REASON in row and "80.0 A" in row
    assert any(DECISION in str(value) for value in row) and any(
        sent["file_id"] in str(value) for value in row
    )
    assert bot.stop() == 0
