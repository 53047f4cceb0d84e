"""End to end through ``kaohe run``: an examinee appeals with a photo, the organisation department
reports it, the committee asks the scorer, decides, and the examinee receives the final decision;
then ``kaohe export`` holds it all.

The score sheet is written and the result released directly in the database: scoring has its own
end-to-end test, and the committee's release is another flow.
"""

from __future__ import annotations

import io

from appeal_helpers import MEMBER, OFFICER, ORG_OFFICER, SCORER
from e2e_helpers import (
    APPEAL_REASON,
    DECISION,
    appeals_against_an_item,
    database,
    decides_plus_three,
    labelled,
    released_to,
    submits_and_the_department_opens_it,
    tap,
)
from openpyxl import load_workbook
from sqlmodel import select

from storage.models import Appeal, AppealEvidence, AppealStatus, EvidenceKind

QUESTION = "请说明工作业绩一项的评分依据，是否计入了迎新晚会签到工作？"
ANSWER = "签到工作由学生会统一安排，当时计入了工作态度一项。"


def stored_appeal(database_url: str) -> tuple[Appeal, list[AppealEvidence]]:
    with database(database_url) as session:
        return session.exec(select(Appeal)).one(), list(session.exec(select(AppealEvidence)))


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
        APPEAL_REASON in opened.body
        and "📷 照片：迎新晚会签到表" in opened.body
        and "总分：77.0/100" in opened.body
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
    assert "郭宇雅" in row and APPEAL_REASON in row and "80.0 A" in row
    assert any(DECISION in str(value) for value in row)
    [photo] = (out / "evidence").iterdir()  # fetched from the Bot API, named by appeal and order
    assert any(f"evidence/{photo.name}" in str(value) for value in row) and photo.stat().st_size > 0
    assert bot.stop() == 0
