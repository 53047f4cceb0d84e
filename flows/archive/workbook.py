"""The archive workbook (考核档案, Excel): per team the score sheet (评分表, 附表三) and the
self-assessments (自我评定, 附表一); then the appeals and decisions (申诉与裁定), their evidence
and the opinions asked, the interviews (面谈记录) and the audit log (审计日志) of the whole cycle.

Headers are in Chinese and English. Text typed by users is written so that no spreadsheet will
ever run it as a formula: a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) is stored as a string and marked as literal text (Excel's quote prefix).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from flows.appeals.common import disputed_text
from flows.archive.records import SIGNATURE_ROLES, CycleRecord, ExamineeRecord
from flows.rules.names import POSITION_NAMES, Names
from flows.rules.scheme import Text
from storage.appeal_models import AppealStatus, Outcome
from storage.models import Position

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
STATUS_NAMES: dict[str, Names] = {
    "draft": Names("草稿", "draft"),
    "submitted": Names("已提交", "submitted"),
    "returned": Names("已退回", "returned"),
    AppealStatus.ESCALATED.value: Names("已上报", "escalated"),
    AppealStatus.DECIDED.value: Names("已裁定", "decided"),
    Outcome.UPHELD.value: Names("维持原结果", "upheld"),
    Outcome.CHANGED.value: Names("更改结果", "changed"),
}

Cell = object


def both(names: Names | Text) -> str:
    """``姓名 name``: a header or value in Chinese, then English."""
    zh, en = (names.zh, names.en)
    return zh if zh == en else f"{zh} {en}"


def status_text(status: object) -> str:
    names = STATUS_NAMES.get(str(status)) if status is not None else None
    return both(names) if names else ""


def append_row(sheet: Worksheet, values: Iterable[Cell], *, bold: bool = False) -> None:
    """Add a row; text that a spreadsheet could read as a formula stays literal text."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        if bold:
            cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def sheet_title(name: str, taken: Sequence[str]) -> str:
    """A worksheet name Excel accepts (at most 31 characters, none of []:*?/\\), unique in the book."""
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:SHEET_NAME_MAX]
    number = 2
    while title in taken:
        suffix = f" ({number})"
        title = title[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    return title


class Book:
    """The workbook being written, with the cycle's timezone for every time in it."""

    def __init__(self, record: CycleRecord, tz: ZoneInfo) -> None:
        self.record = record
        self.tz = tz
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)  # type: ignore[arg-type]

    def sheet(self, name: str, title: str, headers: Sequence[str]) -> Worksheet:
        sheet = self.workbook.create_sheet(sheet_title(name, self.workbook.sheetnames))
        append_row(sheet, [title], bold=True)
        append_row(sheet, headers, bold=True)
        sheet.freeze_panes = "A3"
        return sheet

    def time(self, moment: datetime | None) -> datetime | None:
        """A stored UTC time as local wall time (Excel has no time zones)."""
        return moment.astimezone(self.tz).replace(tzinfo=None) if moment is not None else None

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def workbook(record: CycleRecord, tz: ZoneInfo) -> bytes:
    """The archive workbook of a cycle as .xlsx bytes."""
    book = Book(record, tz)
    for team in record.teams():
        people = [r for r in record.examinees if r.examinee.team == team]
        _score_sheet(book, team, people)
        _self_assessments(book, team, people)
    _appeals(book)
    _evidence(book)
    _opinions(book)
    _interviews(book)
    _audit(book)
    return book.bytes()


def _who(r: ExamineeRecord) -> list[Cell]:
    e = r.examinee
    return [e.student_no, e.name, e.department or "", both(POSITION_NAMES[Position(e.position)])]


WHO = ["学号 student no.", "姓名 name", "部门 department", "职务 position"]


def _score_sheet(book: Book, team: str, people: list[ExamineeRecord]) -> None:
    scheme, cycle = book.record.scheme, book.record.cycle
    items = scheme.rubric.items
    signed = [f"{both(names)} 签字 signature" for names in SIGNATURE_ROLES.values()]
    headers = [
        *WHO,
        *(f"{both(item.name)} ({item.points})" for item in items),
        f"总分 total ({scheme.rubric.total})",
        "等级 grade",
        "考评意见 evaluation",
        "申诉裁定 appeal decision",
        "主席复核意见 president's review comment",
        *(label for pair in zip(signed, ["时间 time"] * len(signed), strict=True) for label in pair),
    ]
    title = f"{cycle.name} 学生干部考核评分表（附表三）Score sheet — {team}"
    sheet = book.sheet(f"{team} 评分表", title, headers)
    for r in people:
        result = r.final
        scores = [result.scores.get(item.key) if result else None for item in items]
        grade = both(scheme.grade(result.grade).name) if result else ""
        outcome = status_text(r.appeal.outcome) if r.appeal and r.appeal.outcome else ""
        signatures = []
        for role in SIGNATURE_ROLES:
            signature = r.signatures.get(role)
            signatures += [signature.name, book.time(signature.at)] if signature else ["", None]
        comment = r.sheet.comment if r.sheet else ""
        president = r.signatures.get("president")
        review_comment = (president.comment or "") if president else ""
        total = result.total if result else None
        append_row(sheet, [*_who(r), *scores, total, grade, comment, outcome, review_comment, *signatures])


def _self_assessments(book: Book, team: str, people: list[ExamineeRecord]) -> None:
    scheme, cycle = book.record.scheme, book.record.cycle
    sections = scheme.self_assessment.sections
    headers = [
        *WHO,
        "任职时间 term",
        "院部 college",
        "状态 status",
        "填表时间 submitted",
        *(both(section.title) for section in sections),
    ]
    if scheme.self_assessment.self_score:
        headers.append("自评总分 self-score")
    title = f"{cycle.name} 学生干部自我评定表（附表一）Self-assessments — {team}"
    sheet = book.sheet(f"{team} 自我评定", title, headers)
    for r in people:
        a = r.assessment
        row: list[Cell] = [
            *_who(r),
            (a.term_start if a and a.term_start else r.examinee.term_start),
            (a.college if a and a.college else r.examinee.college),
            status_text(a.status) if a else "",
            book.time(a.submitted_at) if a else None,
            *(r.answers.get(section.key, "") for section in sections),
        ]
        if scheme.self_assessment.self_score:
            row.append(sum(r.self_scores.values()) if r.self_scores else None)
        append_row(sheet, row)


def _appealed(book: Book) -> list[ExamineeRecord]:
    return [r for r in book.record.examinees if r.appeal is not None]


def _appeals(book: Book) -> None:
    headers = [
        "团队 team",
        *WHO,
        "状态 status",
        "申诉事项 disputed",
        "申诉理由 reason",
        "证明材料 evidence",
        "提交时间 submitted",
        "上报时间 escalated",
        "上报人 reported by",
        "上报说明 note",
        "超时自动上报 escalated by the scheduler",
        "裁定时间 decided",
        "裁定人 decided by",
        "裁定结果 outcome",
        "裁定理由 reasons",
        "原总分 total before",
        "原等级 grade before",
        "裁定后总分 total after",
        "裁定后等级 grade after",
    ]
    record = book.record
    sheet = book.sheet(
        "申诉 appeals", f"{record.cycle.name} 申诉与裁定（附表六）Appeals and decisions", headers
    )
    for r in _appealed(book):
        a = r.appeal
        assert a is not None
        before, after = r.released, r.final
        append_row(
            sheet,
            [
                r.examinee.team,
                *_who(r),
                status_text(a.status),
                _disputed(book, r),
                a.reason or "",
                len(r.evidence),
                book.time(a.submitted_at),
                book.time(a.escalated_at),
                record.name_of(a.escalated_by_member_id),
                a.escalation_note or "",
                "是 yes" if a.escalation_overdue else "",
                book.time(a.decided_at),
                record.name_of(a.decided_by_member_id),
                status_text(a.outcome),
                a.decision_reason or "",
                before.total if before else None,
                before.grade if before else "",
                after.total if after and a.decided_at else None,
                after.grade if after and a.decided_at else "",
            ],
        )


def _disputed(book: Book, r: ExamineeRecord) -> str:
    assert r.appeal is not None
    zh, en = (disputed_text(r.appeal, book.record.scheme, locale) for locale in ("zh-CN", "en"))
    return both(Names(zh, en))


def _evidence(book: Book) -> None:
    headers = [
        "团队 team",
        *WHO,
        "序号 no.",
        "类型 kind",
        "文字或附言 text or caption",
        "file_id",
        "file_unique_id",
        "时间 added",
    ]
    sheet = book.sheet("证明材料 evidence", f"{book.record.cycle.name} 申诉证明材料 Appeal evidence", headers)
    for r in _appealed(book):
        for number, piece in enumerate(r.evidence, start=1):
            row = [
                r.examinee.team,
                *_who(r),
                number,
                str(piece.kind),
                piece.text,
                piece.file_id,
                piece.file_unique_id,
            ]
            append_row(sheet, [*row, book.time(piece.added_at)])


def _opinions(book: Book) -> None:
    headers = [
        "团队 team",
        *WHO,
        "征求对象 asked",
        "问题 question",
        "提问时间 asked at",
        "意见 answer",
        "答复时间 answered",
    ]
    record = book.record
    sheet = book.sheet("征求意见 opinions", f"{record.cycle.name} 申诉征求意见 Opinions on appeals", headers)
    for r in _appealed(book):
        for o in r.opinions:
            row = [r.examinee.team, *_who(r), record.name_of(o.member_id), o.question, book.time(o.asked_at)]
            append_row(sheet, [*row, o.answer or "", book.time(o.answered_at)])


def _interviews(book: Book) -> None:
    headers = [
        "团队 team",
        *WHO,
        "面谈时间 time",
        "面谈地点 place",
        "参加人 participants",
        "面谈主题 topic",
        "面谈内容概要 summary",
        "记录人 recorded by",
        "记录时间 recorded at",
    ]
    record = book.record
    sheet = book.sheet("面谈 interviews", f"{record.cycle.name} 面谈记录 Interview records", headers)
    for r in record.examinees:
        for i in r.interviews:
            row = [
                r.examinee.team,
                *_who(r),
                book.time(i.held_at),
                i.place,
                i.participants,
                i.topic,
                i.summary,
            ]
            append_row(sheet, [*row, record.name_of(i.recorded_by_member_id), book.time(i.recorded_at)])


def _audit(book: Book) -> None:
    headers = [
        "时间 time",
        "操作人 actor",
        "动作 action",
        "对象 entity",
        "编号 id",
        "变更前 before",
        "变更后 after",
        "理由 reason",
    ]
    record = book.record
    sheet = book.sheet("审计日志 audit", f"{record.cycle.name} 审计日志 Audit log", headers)
    for entry in record.audit:
        actor = entry.actor
        if actor.startswith("member:"):
            actor = f"{record.name_of(int(actor.split(':', 1)[1]))} ({actor})"
        append_row(
            sheet,
            [
                book.time(entry.at),
                actor,
                entry.action,
                entry.entity,
                entry.entity_id,
                _json(entry.before),
                _json(entry.after),
                entry.reason or "",
            ],
        )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value is not None else ""
