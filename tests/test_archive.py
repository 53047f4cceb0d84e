"""The archive (归档备案): the workbook and printable forms, formula-safe cells, /export for the
committee, ``kaohe export`` and ``kaohe cycle archive``, and a frozen cycle refusing every write."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from appeal_helpers import (
    LEADER,
    MEMBER,
    OFFICER,
    ORG_OFFICER,
    RELEASED,
    appeal_through,
    examinee_of,
    member,
    released_cycle,
    sends_file,
)
from cycle_helpers import SHANGHAI, Person
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import main
from flows import router
from flows.archive.export import ArchiveError, archive_cycle, export_files
from flows.rules.cycles import CycleArchived, ensure_writable
from flows.ui.chat import Content, Reply
from storage import review
from storage.audit import entries
from storage.cycle_models import Cycle, CycleExaminee
from storage.review_models import SignatureRole

FORMULA = '=HYPERLINK("http://example.com","点此查看") 工作业绩评分与事实不符。'
WORKBOOK = "2026秋季考核.xlsx"


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    people = released_cycle(session, sample_roster)
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says(FORMULA)
    sends_file(officer, Content.PHOTO, "photo-1", "+签到表照片")
    officer.taps("完成")
    officer.taps("提交申诉")
    officer.taps("确认提交")
    org = people[ORG_OFFICER]
    org.presses("ap:1:now:1")
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


def cycle_of(session) -> Cycle:
    return session.exec(select(Cycle)).one()


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_the_workbook_holds_each_teams_score_sheet_and_self_assessments(people, session):
    files = export_files(session, cycle_of(session), SHANGHAI)
    book = load_workbook(io.BytesIO(files[WORKBOOK]))
    teams = ["校学生会", "校团委", "校社团联合会"]
    for team in teams:
        assert f"{team} 评分表" in book.sheetnames and f"{team} 自我评定" in book.sheetnames
    assert book.sheetnames[-5:] == [
        "申诉 appeals",
        "证明材料 evidence",
        "征求意见 opinions",
        "面谈 interviews",
        "审计日志 audit",
    ]
    union = book["校学生会 评分表"]
    members = session.exec(select(CycleExaminee).where(CycleExaminee.team == "校学生会")).all()
    assert len(rows(union)) == len(members)
    header = [cell.value for cell in union[2]]
    assert header[:2] == ["学号 student no.", "姓名 name"] and "总分 total (100)" in header
    [officer] = [row for row in rows(union) if row[1] == "郭宇雅"]
    assert officer[header.index("工作业绩 Work results (20)")] == 18  # as the decision changed it
    assert officer[header.index("总分 total (100)")] == 80
    assert officer[header.index("等级 grade")] == "良好 Good"
    assert officer[header.index("申诉裁定 appeal decision")] == "更改结果 changed"
    assert officer[header.index("评分人 scorer 签字 signature") + 0] == "马凯秀"
    [written] = [row for row in rows(book["校学生会 自我评定"]) if row[1] == "郭宇雅"]
    assert "已提交 submitted" in written and any("按时完成各项工作" in str(value) for value in written)


def test_appeals_evidence_interviews_and_the_audit_log_are_listed(people, session):
    book = load_workbook(io.BytesIO(export_files(session, cycle_of(session), SHANGHAI)[WORKBOOK]))
    [appeal] = rows(book["申诉 appeals"])
    assert "郭宇雅" in appeal and "已裁定 decided" in appeal and "更改结果 changed" in appeal
    assert 77 in appeal and 80 in appeal and "闫欣刚" in appeal and "程婷" in appeal
    [evidence] = rows(book["证明材料 evidence"])
    assert "photo-1" in evidence and "unique-photo-1" in evidence and "photo" in evidence
    [interview] = rows(book["面谈 interviews"])
    assert "团委办公室" in interview and "程婷" in interview
    actions = [row[2] for row in rows(book["审计日志 audit"])]
    for action in ("score.submit", "appeal.submit", "appeal.escalate", "appeal.decide", "interview.record"):
        assert action in actions
    assert "roster.import" not in actions  # only this cycle's records


def test_text_from_users_never_runs_as_a_formula(people, session):
    book = load_workbook(io.BytesIO(export_files(session, cycle_of(session), SHANGHAI)[WORKBOOK]))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    typed = {FORMULA, "+签到表照片", "-经核实，签到工作确由本人完成。", "@结果反馈"}
    found = [cell for cell in cells if cell.value in typed]
    assert {cell.value for cell in found} == typed
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_every_examinee_has_a_printable_form_with_signatures_and_escaped_text(people, session):
    files = export_files(session, cycle_of(session), SHANGHAI)
    forms = [path for path in files if path.startswith("forms/")]
    assert len(forms) == len(session.exec(select(CycleExaminee)).all())
    page = files["forms/校学生会/2023000256-郭宇雅.html"].decode()
    for part in (
        "学生干部自我评定表（附表一）",
        "学生干部考核评分表（附表三）",
        "郭宇雅",
        "马凯秀",
        "80.0",
        "A（良好）",
    ):
        assert part in page
    assert "最终裁定更改" in page and "2026-11-24 10:00" in page  # the self-assessment's signature time
    files_text = "".join(data.decode() for path, data in files.items() if path.endswith(".html"))
    assert "<script>" not in files_text


def test_the_committees_sign_off_appears_on_the_score_sheet(people, session):
    cycle = cycle_of(session)
    at = RELEASED + timedelta(days=1)
    president, teacher = member(session, "2023000042"), member(session, LEADER)  # 罗晨秀, 程婷
    review.sign(
        session,
        cycle_id=cycle.id,
        role=SignatureRole.PRESIDENT,
        member_id=president.id,
        version=1,
        now=at,
        comment="同意",
    )
    review.sign(
        session, cycle_id=cycle.id, role=SignatureRole.TEACHER, member_id=teacher.id, version=1, now=at
    )
    officer = member(session, OFFICER)
    review.sign(
        session, cycle_id=cycle.id, role=SignatureRole.EXAMINEE, member_id=officer.id, version=1, now=at
    )
    session.commit()
    files = export_files(session, cycle, SHANGHAI)
    sheet = load_workbook(io.BytesIO(files[WORKBOOK]))["校学生会 评分表"]
    header = [cell.value for cell in sheet[2]]
    [row] = [row for row in rows(sheet) if row[1] == "郭宇雅"]
    signed = {
        label: row[header.index(f"{label} 签字 signature")]
        for label in ("被考核者 examinee", "主席复核 president's review", "团委老师 teacher")
    }
    assert signed == {
        "被考核者 examinee": "郭宇雅",
        "主席复核 president's review": "罗晨秀",
        "团委老师 teacher": "程婷",
    }
    assert row[header.index("主席复核意见 president's review comment")] == "同意"
    [other] = [row for row in rows(sheet) if row[1] == "龙浩"]
    assert not other[header.index("被考核者 examinee 签字 signature")]  # only her own receipt
    page = files["forms/校学生会/2023000256-郭宇雅.html"].decode()
    assert "罗晨秀" in page and "同意" in page and "2026-12-17 10:00" in page
    assert "review.sign" in [
        row[2] for row in rows(load_workbook(io.BytesIO(files[WORKBOOK]))["审计日志 audit"])
    ]


def test_export_sends_the_committee_two_documents_and_refuses_others(people, session):
    member = people[MEMBER]
    member.says("/export")
    documents = [reply.attachment for reply in member.last]
    assert [d.filename for d in documents if d] == [WORKBOOK, "2026秋季考核-forms.zip"]
    load_workbook(io.BytesIO(documents[0].data))
    assert "forms/校团委/2023002373-闫欣刚.html" in zipfile.ZipFile(io.BytesIO(documents[1].data)).namelist()
    assert entries(session, "archive.export")[0].actor.startswith("member:")
    assert "只有考核小组成员" in people[OFFICER].says("/export")
    assert not [r for r in people[OFFICER].last if r.attachment]


# Archiving freezes the cycle


def test_a_cycle_with_an_open_appeal_cannot_be_archived(session, sample_roster):
    people = released_cycle(session, sample_roster)
    appeal_through(people[OFFICER])
    with pytest.raises(ArchiveError) as refused:
        archive_cycle(session, cycle_of(session), actor="test", now=RELEASED + timedelta(days=4), tz=SHANGHAI)
    assert refused.value.key == "archive_open_appeals" and "郭宇雅" in refused.value.params["names"]


def test_a_cycle_cannot_be_archived_while_examinees_may_still_appeal(session, sample_roster):
    released_cycle(session, sample_roster)
    with pytest.raises(ArchiveError) as refused:
        archive_cycle(session, cycle_of(session), actor="test", now=RELEASED + timedelta(days=1), tz=SHANGHAI)
    assert refused.value.key == "archive_window_open" and refused.value.params["closes"] == "2026-12-19 10:00"


def test_an_archived_cycle_refuses_every_write(people, session):
    cycle = cycle_of(session)
    at = RELEASED + timedelta(days=10)
    archive_cycle(session, cycle, actor="test", now=at, tz=SHANGHAI)
    session.commit()
    ensure_writable(cycle, at - timedelta(seconds=1))  # before archiving: fine
    with pytest.raises(CycleArchived):
        ensure_writable(cycle, at)
    with pytest.raises(ArchiveError):
        archive_cycle(session, cycle, actor="test", now=at, tz=SHANGHAI)
    [row] = entries(session, "cycle.archive")
    assert row.actor == "test"
    officer = people[OFFICER]
    officer.now = at + timedelta(minutes=1)
    assert "没有进行中的考核周期" in officer.says("/appeal")


def test_the_router_answers_a_refused_write_instead_of_failing(people, session, monkeypatch):
    cycle = cycle_of(session)

    def writes(context, incoming):
        ensure_writable(cycle, context.now)
        return [Reply("written")]

    cycle.archived_at = RELEASED
    monkeypatch.setitem(router.COMMANDS, "self", writes)
    assert "已归档" in people[OFFICER].says("/self")


# The command line


def config_for(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return str(path)


def test_kaohe_export_and_archive(people, session, tmp_path, database_url, capsys):
    config = config_for(tmp_path, database_url)
    out = tmp_path / "archive"
    assert main(["--config", config, "export", "--cycle", "2026秋季考核", "--out", str(out)]) == 0
    assert "2026秋季考核" in capsys.readouterr().out
    load_workbook(out / WORKBOOK)
    assert (out / "forms" / "校学生会" / "2023000256-郭宇雅.html").exists()
    assert main(["--config", config, "export", "--cycle", "没有这个", "--out", str(out)]) == 2
    assert main(["--config", config, "cycle", "archive", "--name", "2026秋季考核"]) == 2
    assert "申诉期" in capsys.readouterr().err  # released in the future of the test's clock
    cycle = cycle_of(session)
    cycle.released_at = datetime.now(UTC) - timedelta(days=10)
    session.add(cycle)
    session.commit()
    assert main(["--config", config, "cycle", "archive", "--name", "2026秋季考核"]) == 0
    assert "已归档" in capsys.readouterr().out
    assert main(["--config", config, "cycle", "archive", "--name", "2026秋季考核"]) == 2
    assert "已经归档" in capsys.readouterr().err
    session.expire_all()
    assert cycle_of(session).archived_at is not None
    assert examinee_of(session, OFFICER) is not None
