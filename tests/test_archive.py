"""The archive (归档备案): the workbook and printable forms, formula-safe cells, /export for the
committee, ``kaohe export`` and ``kaohe cycle archive``, a frozen cycle refusing every write, its
snapshot of names, and the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from appeal_helpers import (
    LEADER,
    MEMBER,
    OFFICER,
    RELEASED,
    SCORER,
    appeal_through,
    examinee_of,
    member,
    released_cycle,
    score,
)
from archive_helpers import FORMULA, decided_and_interviewed
from cli_helpers import kaohe_config
from cycle_helpers import SHANGHAI, Person, import_sample, open_sample_cycle
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from bot.cli import main
from flows import router
from flows.archive.export import ArchiveError, archive_cycle, examinee_file, export_files
from flows.results.board import load_board
from flows.results.fingerprint import board_hash
from flows.rules.cycles import CycleArchived, ensure_writable
from flows.ui.chat import Reply
from storage import audit, review
from storage.audit import entries
from storage.models import Cycle, CycleExaminee, SignatureRole

WORKBOOK = "2026秋季考核.xlsx"


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    return decided_and_interviewed(session, sample_roster)


def cycle_of(session) -> Cycle:
    return session.exec(select(Cycle)).one()


def rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def exported(session, **options) -> dict[str, bytes]:
    return export_files(session, cycle_of(session), SHANGHAI, now=RELEASED + timedelta(days=30), **options)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as a reader's copy-and-paste would give it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_workbook_opens_with_the_summary_then_the_score_sheet_of_every_team(people, session):
    book = load_workbook(io.BytesIO(exported(session)[WORKBOOK]))
    assert book.sheetnames == ["汇总", "评分表", "自我评定", "申诉与裁定", "审计日志"]
    summary = {row[0]: row for row in rows(book["汇总"])}
    office = summary["校学生会 / 办公室"]
    assert office[1:4] == (4, 1, 1) or office[1:4] == [4, 1, 1]  # members, self-assessed, scored
    assert office[7] == "A 1"  # the grades given
    sheet = book["评分表"]
    header = [cell.value for cell in sheet[2]]
    assert header[:4] == ["部门", "学号", "姓名", "职务"] and "总分（100）" in header
    teams = [row[0] for row in rows(sheet) if row[1] is None and row[0]]
    assert teams[:3] == ["校团委", "校学生会", "校社团联合会"]
    examinees = [row for row in rows(sheet) if row[1]]
    assert len(examinees) == len(session.exec(select(CycleExaminee)).all())
    [officer] = [row for row in examinees if row[2] == "郭宇雅"]
    assert officer[header.index("工作业绩（20）")] == 18  # as the decision changed it
    assert officer[header.index("总分（100）")] == 80
    assert officer[header.index("等级")] == "A 良好"
    assert officer[header.index("部门内排名")] == 1
    assert officer[header.index("申诉裁定")] == "更改结果"
    assert officer[header.index("评分人")] == "马凯秀"
    assert "团委办公室" in officer[header.index("面谈记录")]
    [written] = [row for row in rows(book["自我评定"]) if row[3] == "郭宇雅"]
    assert "已提交" in written and any("按时完成各项工作" in str(value) for value in written)


def test_the_workbook_is_set_up_for_printing(people, session):
    book = load_workbook(io.BytesIO(exported(session)[WORKBOOK]))
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$2" and sheet.freeze_panes == "A3"
    score = book["评分表"]
    assert score.page_setup.orientation == "landscape"
    assert score.column_dimensions["B"].width >= 12  # a 10-digit 学号 fits


def test_english_labels_are_optional(people, session):
    book = load_workbook(io.BytesIO(exported(session, english=True)[WORKBOOK]))
    assert [cell.value for cell in book["评分表"][2]][:2] == ["部门 department", "学号 student no."]


def test_appeals_and_the_audit_log_are_listed_in_chinese_with_local_times(people, session):
    book = load_workbook(io.BytesIO(exported(session)[WORKBOOK]))
    [appeal] = rows(book["申诉与裁定"])
    assert "郭宇雅" in appeal and "已裁定" in appeal
    assert any("照片" in str(value) for value in appeal) and "77.0 B" in appeal and "80.0 A" in appeal
    audit = rows(book["审计日志"])
    actions = [row[3] for row in audit]
    for action in ("提交评分表", "提交申诉", "上报申诉", "最终裁定", "记录面谈"):
        assert action in actions
    assert [row[0] for row in audit] == list(range(1, len(audit) + 1))  # the chain's places
    [decision] = [row for row in audit if row[3] == "最终裁定"]
    assert "总分：77.0 → 80.0" in decision[4] and "工作业绩：15.0 → 18.0" in decision[4]
    assert "{" not in decision[4]  # no raw JSON
    assert audit[0][1].hour == 10  # 02:00 UTC is 10:00 in Shanghai
    assert "roster.import" not in actions and "导入名单" not in actions  # only this cycle's records


def test_text_from_users_never_runs_as_a_formula(people, session):
    book = load_workbook(io.BytesIO(exported(session)[WORKBOOK]))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    found = [cell for cell in cells if cell.value == FORMULA]
    assert len(found) == 2  # the appeal's reason, in the appeals and in the audit log
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_every_department_has_its_examinees_printable_forms(people, session):
    files = exported(session)
    departments = [path for path in files if path.endswith(".pdf")]
    assert all(path.startswith("departments/") for path in departments)  # no file per examinee
    assert "departments/校学生会-办公室.pdf" in files and "departments/校团委-主席团.pdf" in files
    examinees = session.exec(select(CycleExaminee)).all()
    printed = "".join(pdf_text(files[path]) for path in departments)
    assert printed.count("学生干部考核评分表（附表三）") == len(examinees)
    assert all(e.student_no in printed for e in examinees)
    page = pdf_text(files["departments/校学生会-办公室.pdf"])
    for part in (
        "学生干部自我评定表（附表一）",
        "学生干部考核评分表（附表三）",
        "学生干部考核申诉表（附表六）",
        "郭宇雅",
        "马凯秀",
        "80.0",
        "A（良好）",
        "最终裁定更改",
        "2026-11-24 10:00",
    ):
        assert part in page
    assert "<script>alert(1)</script>" in page  # shown as the text it is
    assert "student no." not in page  # Chinese labels only by default


def test_an_examinees_own_forms_are_made_on_demand_page_for_page_as_in_their_department(people, session):
    files = exported(session)
    department = PdfReader(io.BytesIO(files["departments/校学生会-办公室.pdf"])).pages
    members = session.exec(
        select(CycleExaminee.student_no).where(
            CycleExaminee.team == "校学生会", CycleExaminee.department == "办公室"
        )
    ).all()
    own = {no: examinee_file(session, cycle_of(session), SHANGHAI, no) for no in members}
    assert own["2023000256"][0] == "forms/校学生会/2023000256-郭宇雅.pdf"
    assert len(department) == sum(len(PdfReader(io.BytesIO(data)).pages) for _, data in own.values())
    first = department[0].extract_text()
    assert "2026秋季考核 · 校学生会 · 办公室" in first and "第 1 页" in first
    assert "第 2 页" in department[1].extract_text()  # numbered within the department's PDF
    alone = PdfReader(io.BytesIO(own["2023000256"][1])).pages
    assert "2026秋季考核 · 校学生会 · 郭宇雅" in alone[0].extract_text()  # its own header
    assert "第 1 页" in alone[0].extract_text() and "附表六" in pdf_text(own["2023000256"][1])
    with pytest.raises(KeyError):
        examinee_file(session, cycle_of(session), SHANGHAI, "1999999999")


def test_departments_drawn_in_parallel_are_the_same_bytes(people, session):
    cycle = cycle_of(session)
    drawn = [export_files(session, cycle, SHANGHAI, now=RELEASED, workers=workers) for workers in (1, 2)]
    assert drawn[0] == drawn[1]


def test_the_committees_sign_off_appears_with_the_hash_of_the_results_signed(people, session):
    cycle = cycle_of(session)
    at = RELEASED + timedelta(days=1)
    board = load_board(session, cycle)
    president, teacher = member(session, "2023000042"), member(session, LEADER)  # 罗晨秀, 程婷
    signed = board_hash(board)
    for role, signer, comment, result in (
        (SignatureRole.PRESIDENT, president, "同意", signed),
        (SignatureRole.TEACHER, teacher, None, "0" * 64),  # signed other results
    ):
        review.sign(
            session,
            cycle_id=cycle.id,
            role=role,
            member_id=signer.id,
            version=1,
            now=at,
            comment=comment,
            result_hash=result,
        )
    session.commit()
    files = exported(session)
    sheet = load_workbook(io.BytesIO(files[WORKBOOK]))["评分表"]
    lines = [row[0] for row in rows(sheet) if row[1] is None and row[0]]
    [president_line] = [line for line in lines if line.startswith("主席复核")]
    assert "罗晨秀" in president_line and "同意" in president_line and signed[:16] in president_line
    [teacher_line] = [line for line in lines if line.startswith("团委老师")]
    assert "程婷" in teacher_line and "所签为较早版本" in teacher_line  # signed other results
    page = pdf_text(files["departments/校学生会-办公室.pdf"])
    assert "罗晨秀" in page and "同意" in page and "2026-12-17 10:00" in page and signed[:16] in page


def test_before_release_every_grade_is_provisional(session, sample_roster):
    import_sample(session, sample_roster)
    open_sample_cycle(session)
    score(session, OFFICER)
    files = exported(session)
    book = load_workbook(io.BytesIO(files[WORKBOOK]))
    assert all("暂定" in sheet["A1"].value for sheet in book.worksheets)
    [officer] = [row for row in rows(book["评分表"]) if row[2] == "郭宇雅"]
    assert "B 及格（暂定）" in officer
    page = pdf_text(files["departments/校学生会-办公室.pdf"])
    assert "B（及格）（暂定）" in page and page.count("暂定 · 结果尚未发布") == page.count("第 ")
    assert json.loads(files["manifest.json"])["provisional"] is True


def test_export_sends_the_committee_two_documents_and_refuses_others(people, session):
    member = people[MEMBER]
    member.says("/export")
    documents = [reply.attachment for reply in member.last]
    assert [d.filename for d in documents if d] == [WORKBOOK, "2026秋季考核-archive.zip"]
    load_workbook(io.BytesIO(documents[0].data))
    names = zipfile.ZipFile(io.BytesIO(documents[1].data)).namelist()
    assert "departments/校团委-主席团.pdf" in names and "manifest.json" in names
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


def test_kaohe_export_and_archive(people, session, tmp_path, database_url, capsys):
    config = kaohe_config(tmp_path, database_url)
    out = tmp_path / "archive"
    assert main(["--config", config, "export", "--cycle", "2026秋季考核", "--out", str(out)]) == 0
    assert "2026秋季考核" in capsys.readouterr().out
    load_workbook(out / WORKBOOK)
    assert (out / "departments" / "校学生会-办公室.pdf").exists() and not (out / "forms").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for path, entry in manifest["files"].items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == entry["sha256"]
    own = tmp_path / "own"
    command = ["--config", config, "export", "--cycle", "2026秋季考核", "--out", str(own)]
    assert main([*command, "--examinee", "2023000256"]) == 0
    assert "2023000256" in capsys.readouterr().out
    assert [p.relative_to(own).as_posix() for p in own.rglob("*.pdf")] == [
        "forms/校学生会/2023000256-郭宇雅.pdf"
    ]
    assert main([*command, "--examinee", "1999999999"]) == 2
    assert "不是「2026秋季考核」的被考核者" in capsys.readouterr().err
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


def test_an_archived_cycle_exports_the_same_bytes_after_the_roster_changes(
    people, session, tmp_path, sample_roster
):
    cycle = cycle_of(session)
    archive_cycle(session, cycle, actor="test", now=RELEASED + timedelta(days=10), tz=SHANGHAI)
    session.commit()
    before = exported(session)
    renamed = tmp_path / "roster.csv"
    text = sample_roster.read_text(encoding="utf-8")
    renamed.write_text(text.replace("马凯秀", "马凯").replace("程婷", "程亭").replace(",干事,", ",部长,", 1))
    import_sample(session, renamed)
    assert member(session, SCORER).name == "马凯"  # the roster did change
    after = export_files(session, cycle_of(session), SHANGHAI, now=RELEASED + timedelta(days=40))
    assert before.keys() == after.keys()
    changed = [path for path in before if before[path] != after[path]]
    assert changed == ["manifest.json"]
    first, second = (json.loads(files["manifest.json"]) for files in (before, after))
    assert first["exported_at"] != second["exported_at"]
    assert {**first, "exported_at": ""} == {**second, "exported_at": ""}
    assert "马凯秀" in pdf_text(after["departments/校学生会-办公室.pdf"])


def test_the_manifest_holds_every_files_hash_and_the_audit_chain_head(people, session):
    files = exported(session)
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for path, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    sums = files["SHA256SUMS"].decode().splitlines()
    assert f"{hashlib.sha256(files[WORKBOOK]).hexdigest()}  {WORKBOOK}" in sums
    chain = audit.chain_entries(session, audit.cycle_chain(cycle_of(session).id))
    assert manifest["audit_chain"] == {
        "chain": audit.cycle_chain(cycle_of(session).id),
        "rows": chain[-1].seq,
        "head": chain[-1].hash,
    }
