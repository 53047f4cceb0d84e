"""Test helpers for the archive: the 82-person sample cycle with an appeal decided and an interview."""

from __future__ import annotations

from pathlib import Path

from appeal_helpers import LEADER, OFFICER, ORG_OFFICER, released_cycle, sends_file
from cycle_helpers import Person
from sqlmodel import Session

from flows.ui.chat import Content

FORMULA = '=HYPERLINK("http://example.com","点此查看") 工作业绩评分与事实不符。'


def decided_and_interviewed(session: Session, sample: Path) -> dict[str, Person]:
    """The released sample cycle: 郭宇雅 appealed (a formula-like reason, a photo), the committee
    changed her 工作业绩 to 18 (80, A), and her feedback interview is recorded."""
    people = released_cycle(session, sample)
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says(FORMULA)
    sends_file(officer, Content.PHOTO, "photo-1", "+签到表照片")
    officer.taps("完成")
    officer.taps("提交申诉")
    officer.taps("确认提交")
    people[ORG_OFFICER].presses("ap:1:now:1")
    leader = people[LEADER]
    leader.presses("ad:1:start:1")
    leader.taps("更改结果")
    leader.taps("工作业绩")
    leader.says("18")
    leader.taps("填写裁定理由")
    leader.says("-经核实，签到工作确由本人完成。")
    leader.taps("确认最终裁定")
    leader.says("/interview 郭宇雅")
    for value in (
        "2026-12-16 09:30",
        "团委办公室",
        "程婷、郭宇雅",
        "@结果反馈",
        "<script>alert(1)</script> 约定改进。",
    ):
        leader.says(value)
    leader.taps("保存")
    return people
