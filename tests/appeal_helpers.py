"""Test helpers for appeals, interviews and the archive: a scored and released cycle, and the people in it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from cycle_helpers import (
    NOW,
    SHANGHAI,
    Person,
    bind,
    import_sample,
    open_sample_cycle,
    score_items,
    submit_self_assessment,
)
from sqlmodel import Session, select

from flows.router import handle
from flows.rules.scheme import default_scheme
from flows.ui.chat import ChatKind, Content, Incoming, Reply
from flows.ui.context import FlowContext
from storage import scoring
from storage.models import Appeal, Cycle, CycleExaminee, Member

OFFICER = "2023000256"  # 郭宇雅, 校学生会 办公室 干事, scored by 马凯秀
SCORER = "2023000111"  # 马凯秀, vice-president in charge of 办公室, a committee member (组员)
ORG_OFFICER = "2023002373"  # 闫欣刚, 校团委 组织部 干事: receives appeals, not on the committee
LEADER = "T002"  # 程婷, teacher, the committee's leader (组长)
MEMBER = "2023000116"  # another vice-president on the committee (组员)
OUTSIDER = "2023000157"  # 龙浩, head of 办公室: neither examinee, receiver nor committee
POINTS = ["15", "12", "12", "6", "4", "5", "6", "6", "6", "5"]  # 77: grade B
RELEASED = NOW + timedelta(days=22)  # after the review deadline

IDS = {OFFICER: 501, SCORER: 511, ORG_OFFICER: 521, LEADER: 531, MEMBER: 541, OUTSIDER: 551}


def member(session: Session, student_no: str) -> Member:
    return session.exec(select(Member).where(Member.student_no == student_no)).one()


def examinee_of(session: Session, student_no: str) -> CycleExaminee:
    return session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()


def score(session: Session, student_no: str, points: list[str] = POINTS, at: datetime = NOW) -> None:
    """A submitted score sheet for ``student_no`` from their scorer."""
    examinee = examinee_of(session, student_no)
    scorer = examinee.scorer_member_id
    assert scorer is not None
    sheet = scoring.start_sheet(session, examinee.id, scorer, at)  # type: ignore[arg-type]
    keys = [item.key for item in default_scheme().rubric.items]
    score_items(session, sheet, examinee, dict(zip(keys, map(Decimal, points), strict=True)), scorer, at)
    scoring.save_comment(session, sheet, "工作认真负责，执行力较强。", at)
    scoring.submit_sheet(session, sheet, actor=f"member:{scorer}", now=at, after={})
    session.commit()


def release(session: Session, at: datetime = RELEASED) -> Cycle:
    """Results released at ``at`` (set directly: the committee's release is another flow)."""
    cycle = session.exec(select(Cycle)).one()
    cycle.released_at = at
    session.add(cycle)
    session.commit()
    return cycle


def released_cycle(session: Session, sample: Path) -> dict[str, Person]:
    """The sample roster in a cycle whose officer wrote, was scored and got her result; everyone bound."""
    import_sample(session, sample)
    for student_no, user in IDS.items():
        bind(session, student_no, user)
    open_sample_cycle(session)
    submit_self_assessment(session, OFFICER)
    score(session, OFFICER, at=NOW + timedelta(days=8))
    release(session)
    people = {student_no: Person(session, user) for student_no, user in IDS.items()}
    for person in people.values():
        person.now = RELEASED + timedelta(hours=1)
    return people


def the_appeal(session: Session) -> Appeal:
    session.expire_all()
    return session.exec(select(Appeal)).one()


def appeal_through(
    person: Person, reason: str = "工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符。"
) -> str:
    """Write and submit an appeal against one item with one text as evidence; the last reply."""
    person.says("/appeal")
    person.taps("某个考核项目")
    person.taps("工作业绩")
    person.says(reason)
    person.says("迎新晚会签到表由我整理，共 312 人。")
    person.taps("完成")
    person.taps("提交申诉")
    return person.taps("确认提交")


def with_an_appeal(session: Session, sample: Path) -> dict[str, Person]:
    """The released cycle of ``released_cycle`` with the officer's appeal submitted."""
    people = released_cycle(session, sample)
    appeal_through(people[OFFICER])
    return people


def opens_the_appeal(person: Person) -> str:
    """``/appeals``, then the officer's appeal: what ``person`` sees of it."""
    person.says("/appeals")
    return person.taps("郭宇雅")


def reported(people: dict[str, Person]) -> None:
    appeal_through(people[OFFICER])
    opens_the_appeal(people[ORG_OFFICER])
    people[ORG_OFFICER].taps("上报考核小组")


def decide_changed(member: Person) -> str:
    opens_the_appeal(member)
    member.taps("裁定")
    member.taps("更改结果")
    member.taps("工作业绩")
    text = member.says("25")
    assert "有效的分数" in text and "工作业绩：原得分 15" in text  # the item asked again
    member.says("18")
    member.taps("填写裁定理由")
    member.says("经核实，签到工作确由本人完成，工作业绩加 3 分。")
    return member.taps("确认最终裁定")


def sends_file(person: Person, content: Content, file_id: str, caption: str = "") -> str:
    """A photo or document with Telegram's file ids, as the adapter hands it to the flows."""
    incoming = Incoming(
        person.id,
        person.id,
        ChatKind.PRIVATE,
        content,
        caption,
        language_code=person.language,
        file_id=file_id,
        file_unique_id=f"unique-{file_id}",
    )
    actions = handle(FlowContext(session=person.session, now=person.now, tz=SHANGHAI), incoming)
    person.session.commit()
    person.last = [a for a in actions if isinstance(a, Reply)]
    return "\n".join(r.text for r in person.last)


def refused(person: Person, data: str) -> str:
    """Press button ``data``, which must be answered with a toast and nothing else; the toast's text."""
    person.presses(data)
    assert person.toast and not person.last, person.last
    return person.toast
