"""The archive workbook (考核档案, Excel), made to be read and printed: the 汇总 (per department: head
count, scores, grades, rating, distribution rules) first; the score sheet (评分表, 附表三) of every
team with each examinee's rank in their department, their interview record (面谈, on the score
sheet as on the scheme's form) and the committee's signatures; the self-assessments written (自我评定,
附表一); the appeals with their evidence (by its file in the archive) and the opinions asked (申诉与裁定,
附表六), when there are any; and the cycle's audit log
(审计日志) with Chinese action names, local times and each row's place in the hash chain.

Labels are Chinese, with English beside them on request. Before release every grade and every
title says 暂定 (provisional). Sheets are written by ``flows.archive.sheets.write_table``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flows.appeals.common import disputed_text
from flows.archive.actions import Label, action_name, change_text
from flows.archive.evidence import evidence_line
from flows.archive.records import SIGNATURE_ROLES, CycleRecord, ExamineeRecord, Signed
from flows.archive.sheets import (
    Column,
    Group,
    Row,
    Spool,
    Spooled,
    new_workbook,
    workbook_bytes,
    write_table,
)
from flows.archive.summary import departments, ranks
from flows.rules.names import POSITION_NAMES, Names
from storage.models import AppealStatus, Interview, Outcome, Position

STATUS_NAMES: dict[str, Names] = {
    "draft": Names("草稿", "draft"),
    "submitted": Names("已提交", "submitted"),
    "missing": Names("缺交", "missing"),
    "returned": Names("已退回", "returned"),
    AppealStatus.ESCALATED.value: Names("已上报", "escalated"),
    AppealStatus.DECIDED.value: Names("已裁定", "decided"),
    Outcome.UPHELD.value: Names("维持原结果", "upheld"),
    Outcome.CHANGED.value: Names("更改结果", "changed"),
}
PRESIDIUM = Names("主席团", "presidium")
PROVISIONAL = Names("暂定", "provisional")


class Book:
    """The workbook being written: the record, the timezone of every time in it, and the labels."""

    def __init__(self, record: CycleRecord, tz: ZoneInfo, label: Label) -> None:
        self.record = record
        self.tz = tz
        self.label = label
        moment = record.cycle.archived_at or record.cycle.released_at or record.cycle.opened_at
        self.workbook = new_workbook(moment.astimezone(tz))

    def time(self, moment: datetime | None) -> datetime | None:
        """A stored UTC time as local wall time (Excel has no time zones)."""
        return moment.astimezone(self.tz).replace(tzinfo=None) if moment is not None else None

    def title(self, zh: str, en: str) -> str:
        """``<cycle> <title>``, marked 暂定 before release."""
        mark = f"（{self.label(PROVISIONAL)}）" if self.record.provisional else ""
        return f"{self.record.cycle.name} {self.label(Names(zh, en))}{mark}"

    def columns(
        self, *specs: tuple[str, str] | tuple[str, str, int] | tuple[str, str, int, bool]
    ) -> list[Column]:
        return [Column(self.label(Names(spec[0], spec[1])), *spec[2:]) for spec in specs]

    def table(
        self,
        name: str,
        title: Names,
        columns: list[Column],
        rows: Iterable[Row] | Spool,
        landscape: bool = True,
    ) -> None:
        """One sheet of the workbook, titled ``<cycle> <title>``."""
        write_table(self.workbook, name, self.title(*title), columns, rows, landscape=landscape)

    def grade(self, key: str) -> str:
        """``B 及格``; before release ``B 及格（暂定）``."""
        names = self.record.scheme.grade(key).name
        mark = f"（{self.label(PROVISIONAL)}）" if self.record.provisional else ""
        return f"{key} {self.label(Names(names.zh, names.en))}{mark}"

    def status(self, status: object) -> str:
        names = STATUS_NAMES.get(str(status)) if status is not None else None
        return self.label(names) if names else ""


@dataclass(frozen=True)
class SheetsPart:
    """The workbook's rows of some departments' examinees, made where their records were read (a
    drawing worker) and added to ``Sheets`` in roster order."""

    summary: list[Row]
    scores: list[tuple[str, Spooled]]  # each team's score rows, in roster order
    selves: Spooled
    appeals: Spooled
    count: int  # examinees
    signed: dict[str, Signed]  # the first examinee's signatures (the committee's sign-off)


def sheets_part(book: Book, record: CycleRecord) -> SheetsPart:
    """The rows of ``record``'s examinees (those of some departments)."""
    ranked = ranks(record)
    scores = []
    for team in record.teams():
        rows = (_score_row(book, r, ranked) for r in record.examinees if r.examinee.team == team)
        scores.append((team, Spool(rows, memory=True).spooled()))
    return SheetsPart(
        list(_summary_rows(book, record)),
        scores,
        Spool(_self_rows(book, record), memory=True).spooled(),
        Spool(_appeal_rows(book, record), memory=True).spooled(),
        len(record.examinees),
        record.examinees[0].signatures if record.examinees else {},
    )


class Sheets:
    """The workbook written a department at a time: ``add`` each batch's rows (``sheets_part``) in
    roster order (they are spooled to disk, ``flows.archive.sheets.Spool``), then ``bytes`` writes the
    sheets. The same records give the same bytes, however they are parted."""

    def __init__(self, basis: CycleRecord, tz: ZoneInfo, label: Label) -> None:
        self.book = Book(basis, tz, label)
        self.summary: list[Row] = []
        self.scores, self.selves, self.appeals = Spool(), Spool(), Spool()
        self.team: str | None = None
        self.count = 0  # examinees added
        self.signed: dict[str, Signed] = {}  # the committee's sign-off, as the first score sheet has it

    def add(self, part: SheetsPart) -> None:
        """Add the rows of some departments' examinees, after the ones added."""
        self.summary.extend(part.summary)
        if part.count and not self.count:
            self.signed = part.signed
        self.count += part.count
        for team, rows in part.scores:
            if team != self.team:
                self.scores.extend([Group(team)])
                self.team = team
            self.scores.add(rows)
        self.selves.add(part.selves)
        self.appeals.add(part.appeals)

    def bytes(self) -> bytes:
        """The archive workbook as .xlsx bytes."""
        book = self.book
        book.table(
            "汇总", Names("考核结果汇总", "summary"), _summary_columns(book), self.summary, landscape=False
        )
        self.scores.extend(Group(line) for line in _signoff_lines(book, self.signed))
        book.table(
            "评分表",
            Names("学生干部考核评分表（附表三）", "score sheets (form 3)"),
            _score_columns(book),
            self.scores,
        )
        book.table(
            "自我评定",
            Names("学生干部自我评定表（附表一）", "self-assessments (form 1)"),
            _self_columns(book),
            self.selves,
        )
        if self.appeals.count:
            book.table(
                "申诉与裁定",
                Names("申诉与裁定（附表六）", "appeals and decisions (form 6)"),
                _appeal_columns(book),
                self.appeals,
            )
        else:
            self.appeals.close()
        _audit(book)
        return workbook_bytes(book.workbook)


def _department(book: Book, team: str, department: str | None) -> str:
    return f"{team} / {department or book.label(PRESIDIUM)}"


def _summary_columns(book: Book) -> list[Column]:
    return book.columns(
        ("团队 / 部门", "team / department", 30),
        ("人数", "members", 6),
        ("自评已交", "self-assessed", 8),
        ("已评分", "scored", 8),
        ("平均分", "average", 8),
        ("最高分", "highest", 8),
        ("最低分", "lowest", 8),
        ("等级分布", "grades", 24),
        ("部门业绩评价", "department rating", 12),
        ("分布规则", "distribution rules", 40, True),
    )


def _summary_rows(book: Book, record: CycleRecord) -> Iterator[Row]:
    label = book.label
    ratings = {rating.key: rating.name for rating in record.scheme.distribution.ratings}
    for d in departments(record):
        grades = " · ".join(f"{key} {count}" for key, count in d.grades.items() if count)
        rating = label(Names(ratings[d.rating].zh, ratings[d.rating].en)) if d.rating in ratings else ""
        complete = d.scored == d.members
        rules = "；".join(d.breaks) if d.breaks else (label(Names("符合", "kept")) if complete else "")
        counts = [d.members, d.self_assessed, d.scored, d.average, d.highest, d.lowest]
        yield [_department(book, d.team, d.department), *counts, grades, rating, rules]


def _who(book: Book, r: ExamineeRecord) -> list[str]:
    e = r.examinee
    return [
        e.department or book.label(PRESIDIUM),
        e.student_no,
        e.name,
        book.label(POSITION_NAMES[Position(e.position)]),
    ]


WHO = (("部门", "department", 12), ("学号", "student no.", 12), ("姓名", "name", 8), ("职务", "position", 8))


def _score_columns(book: Book) -> list[Column]:
    rubric = book.record.scheme.rubric
    return book.columns(
        *WHO,
        *(
            (f"{item.name.zh}（{item.points}）", f"{item.name.en} ({item.points})", 7)
            for item in rubric.items
        ),
        (f"总分（{rubric.total}）", f"total ({rubric.total})", 8),
        ("等级", "grade", 10),
        ("部门内排名", "rank", 6),
        ("考评意见", "evaluation", 30, True),
        ("评分人", "scorer", 8),
        ("评分时间", "scored at", 16),
        ("申诉裁定", "appeal decision", 10),
        ("被考核者签字", "examinee's receipt", 16),
        ("面谈记录", "interview", 30, True),
    )


def _score_row(book: Book, r: ExamineeRecord, ranked: dict[int, int]) -> Row:
    items = book.record.scheme.rubric.items
    result, scorer, receipt = r.final, r.signatures.get("scorer"), r.signatures.get("examinee")
    outcome = book.status(r.appeal.outcome) if r.appeal and r.appeal.outcome else ""
    return [
        *_who(book, r),
        *(result.scores.get(item.key) if result else None for item in items),
        result.total if result else None,
        book.grade(result.grade) if result else "",
        ranked.get(r.examinee.id),
        r.sheet.comment if r.sheet and r.sheet.comment else "",
        scorer.name if scorer else "",
        book.time(scorer.at) if scorer else None,
        outcome,
        book.time(receipt.at) if receipt else None,
        "\n".join(_interview(book, i) for i in r.interviews),
    ]


def _interview(book: Book, i: Interview) -> str:
    return f"{book.time(i.held_at):%Y-%m-%d %H:%M} {i.place}：{i.topic}（{i.participants}）\n{i.summary}"


def _signoff_lines(book: Book, signatures: dict[str, Signed]) -> Iterator[str]:
    """The committee's signatures under the score sheet (as the first examinee's record has them):
    who, when, the comment, the results signed."""
    for role in ("president", "teacher"):
        signed = signatures.get(role)
        names = SIGNATURE_ROLES[role]
        if signed is None:
            yield f"{book.label(Names(names.zh, names.en))}{book.label(Names('签字', 'signature'))}：—"
            continue
        when = f"{book.time(signed.at):%Y-%m-%d %H:%M}"
        comment = f"；{book.label(Names('复核意见', 'comment'))}：{signed.comment}" if signed.comment else ""
        digest = f"；SHA-256 {signed.result_hash[:16]}…" if signed.result_hash else ""
        stale = "" if signed.current else f"（{book.label(Names('所签为较早版本', 'an earlier version'))}）"
        yield f"{book.label(Names(names.zh, names.en))}：{signed.name} {when}{comment}{digest}{stale}"


def _self_columns(book: Book) -> list[Column]:
    return book.columns(
        ("团队", "team", 10),
        *WHO,
        ("任职时间", "term", 9),
        ("院部", "college", 14),
        ("状态", "status", 7),
        ("填表时间", "submitted", 16),
        *((s.title.zh, s.title.en, 40, True) for s in book.record.scheme.self_assessment.sections),
    )


def _self_rows(book: Book, record: CycleRecord) -> Iterator[Row]:
    sections = record.scheme.self_assessment.sections
    for r in (r for r in record.examinees if r.assessment is not None):
        a = r.assessment
        assert a is not None
        yield [
            r.examinee.team,
            *_who(book, r),
            a.term_start or r.examinee.term_start,
            a.college or r.examinee.college,
            book.status(a.status),
            book.time(a.submitted_at),
            *(r.answers.get(section.key, "") for section in sections),
        ]


def _appeal_columns(book: Book) -> list[Column]:
    return book.columns(
        *WHO,
        ("状态", "status", 7),
        ("申诉事项", "disputed", 14, True),
        ("申诉理由", "reason", 30, True),
        ("证明材料", "evidence", 30, True),
        ("提交时间", "submitted", 16),
        ("上报", "escalated", 22, True),
        ("征求意见", "opinions", 30, True),
        ("裁定", "decision", 30, True),
        ("原结果", "before", 10),
        ("裁定后结果", "after", 10),
    )


def _appeal_rows(book: Book, record: CycleRecord) -> Iterator[Row]:
    for r in (r for r in record.examinees if r.appeal is not None):
        a = r.appeal
        assert a is not None
        before, after = r.released, r.final
        escalated = (
            f"{book.time(a.escalated_at):%Y-%m-%d %H:%M} {record.name_of(a.escalated_by_member_id)}"
            if a.escalated_at
            else ""
        )
        if a.escalation_overdue:
            escalated += f"（{book.label(Names('超时自动上报', 'escalated when overdue'))}）"
        decided = ""
        if a.decided_at:
            who = f"{book.status(a.outcome)} {record.name_of(a.decided_by_member_id)}"
            decided = f"{who} {book.time(a.decided_at):%Y-%m-%d %H:%M}\n{a.decision_reason or ''}"
        yield [
            *_who(book, r),
            book.status(a.status),
            book.label(Names(*(disputed_text(a, record.scheme, locale) for locale in ("zh-CN", "en")))),
            a.reason or "",
            "\n".join(evidence_line(record, p, n, book.label) for n, p in enumerate(r.evidence, 1)),
            book.time(a.submitted_at),
            "\n".join(filter(None, [escalated, a.escalation_note or ""])),
            "\n".join(f"{record.name_of(o.member_id)}：{o.question} → {o.answer or '—'}" for o in r.opinions),
            decided,
            f"{before.total} {before.grade}" if before else "",
            f"{after.total} {after.grade}" if after and a.decided_at else "",
        ]


def _audit(book: Book) -> None:
    record, label = book.record, book.label
    columns = book.columns(
        ("序号", "no.", 6),
        ("时间", "time", 16),
        ("操作人", "actor", 12),
        ("动作", "action", 14),
        ("变更内容", "what changed", 40, True),
        ("理由", "reason", 30, True),
        ("哈希", "hash", 14),
    )
    rows = []
    for entry in record.audit:
        actor = entry.actor
        if actor.startswith("member:"):
            actor = record.name_of(int(actor.split(":", 1)[1])) or actor
        elif actor == "cli":
            actor = label(Names("管理员（命令行）", "administrator (command line)"))
        rows.append(
            [
                entry.seq,
                book.time(entry.at),
                actor,
                action_name(entry.action, label),
                change_text(entry, record.scheme, label),
                entry.reason or "",
                entry.hash[:12],
            ]
        )
    head = record.audit[-1].hash[:16] if record.audit else "—"
    title = (
        book.title("审计日志", "audit log")
        + f"（{label(Names('哈希链', 'hash chain'))} {len(rows)}，{head}…）"
    )
    write_table(book.workbook, "审计日志", title, columns, rows)
