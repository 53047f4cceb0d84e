"""The printable forms of the archive, laid out as the scheme's own forms: per examinee the
self-assessment (学生干部自我评定表, 附表一), the score sheet (学生干部考核评分表, 附表三) with its
signature rows kept together on one page, the appeal form (学生干部考核申诉表, 附表六) and the
interview record (面谈记录) when there are any.

``Forms.story`` lays out one examinee's forms; ``flows.archive.printing`` prints them, a PDF per
department. Labels are Chinese; ``label`` may add English beside them. Before release the grade reads
暂定 and every page says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, PageBreak, Spacer

from flows.archive.actions import Label
from flows.archive.blocks import Together
from flows.archive.evidence import evidence_line
from flows.archive.pdf import grid, text
from flows.archive.records import CycleRecord, ExamineeRecord, Signed
from flows.archive.workbook import PROVISIONAL
from flows.rules.names import POSITION_NAMES, Names
from storage.models import Interview, Outcome, Position

TEAM_MARKS = (("校团委", "团委"), ("校学生会", "学生会"), ("校社团联合会", "社联"))
SUMMARY_PROMPT = Names(
    "个人总结：请分别从思想政治、学习、工作（工作能力、工作态度、工作业绩）等方面结合具体资料或实例"
    "总结自己任职期间的进步与尚要改进之处",
    "personal summary",
)


class Forms:
    """Writes the forms of one cycle's record, with its timezone and labels."""

    def __init__(self, record: CycleRecord, tz: ZoneInfo, label: Label) -> None:
        self.record, self.tz, self.label = record, tz, label
        self.times: dict[datetime, str] = {}  # the committee's signatures: the same on every form

    def l(self, zh: str, en: str) -> str:  # noqa: E743
        return self.label(Names(zh, en))

    def local(self, moment: datetime | None) -> str:
        if not moment:
            return ""
        shown = self.times.get(moment)
        if shown is None:
            if len(self.times) >= 4096:
                self.times.clear()
            shown = self.times[moment] = moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return shown

    def title(self, zh: str, en: str) -> Flowable:
        return text(self.l(zh, en), "title")

    def story(self, r: ExamineeRecord) -> list[Flowable]:
        """Every form of one examinee, each starting on a new page."""
        forms = [self.self_assessment(r), self.score_sheet(r)]
        if r.appeal is not None:
            forms.append(self.appeal(r))
        story: list[Flowable] = []
        for form in forms:
            story += [*form, PageBreak()]
        return story[:-1]

    def who(self, r: ExamineeRecord) -> list[list[object]]:
        e = r.examinee
        position = self.label(POSITION_NAMES[Position(e.position)])
        return [
            [self.l("姓名", "name"), e.name, self.l("部门", "department"), e.department or e.team, "", ""],
            [self.l("职务", "position"), position, self.l("学号", "student no."), e.student_no, "", ""],
        ]

    def who_grid(self, r: ExamineeRecord) -> Flowable:
        spans = [((3, 0), (5, 0)), ((3, 1), (5, 1))]
        labels = [((0, 0), (0, 1)), ((2, 0), (2, 1))]
        return grid(self.who(r), [0.12, 0.2, 0.14, 0.54, 0.0, 0.0], spans=spans, labels=labels)

    def signature_rows(self, rows: Iterable[tuple[str, Signed | None]]) -> Flowable:
        """Signature rows (who signed, when, on which results), kept together on one page."""
        cells = []
        for role, signed in rows:
            name = signed.name if signed else ""
            if signed and signed.result_hash:
                stale = "" if signed.current else self.l("（所签为较早版本）", " (an earlier version)")
                name += f"\nSHA-256 {signed.result_hash[:16]}…{stale}"
            cells.append([role, name, self.l("日期", "date"), self.local(signed.at) if signed else ""])
        end = len(cells) - 1
        return grid(cells, [0.26, 0.42, 0.1, 0.22], labels=[((0, 0), (0, end)), ((2, 0), (2, end))])

    def self_assessment(self, r: ExamineeRecord) -> list[Flowable]:
        e, a = r.examinee, r.assessment
        filled = self.local(a.submitted_at if a else None)[:10]
        rows: list[list[object]] = [
            [self.l("姓名", "name"), e.name, self.l("部门", "department"), e.department or e.team, "", ""],
            [
                self.l("职务", "position"),
                self.label(POSITION_NAMES[Position(e.position)]),
                self.l("任职时间", "term"),
                (a.term_start if a and a.term_start else e.term_start),
                self.l("院部", "college"),
                (a.college if a and a.college else e.college),
            ],
            [self.label(SUMMARY_PROMPT), "", "", "", "", ""],
        ]
        spans = [((3, 0), (5, 0)), ((0, 2), (5, 2))]
        for section in self.record.scheme.self_assessment.sections:
            spans += [((0, len(rows)), (5, len(rows))), ((0, len(rows) + 1), (5, len(rows) + 1))]
            rows += [[self.label(Names(section.title.zh, section.title.en)), "", "", "", "", ""]]
            rows += [[r.answers.get(section.key, "") or " ", "", "", "", "", ""]]
        shaded = [((0, i), (5, i)) for i in range(3, len(rows), 2)]
        labels = [((0, 0), (0, 2)), ((2, 0), (2, 1)), ((4, 1), (4, 1)), *shaded]  # the sections' titles
        table = grid(rows, [0.12, 0.2, 0.14, 0.2, 0.1, 0.24], spans=spans, shaded=shaded, labels=labels)
        own = Together([self.signature_rows([(self.l("本人签字", "signed"), r.self_signature)])])
        return [
            self.title("学生干部自我评定表（附表一）", "self-assessment (form 1)"),
            text(
                f"{self.l('个人述职部分（本表由学生本人填写）', 'filled in by the examinee')}　"
                f"{self.l('填表时间', 'date')}：{filled or '　年　月　日'}",
                "note",
            ),
            table,
            Spacer(1, 4),
            own,
        ]

    def score_sheet(self, r: ExamineeRecord) -> list[Flowable]:
        scheme, result = self.record.scheme, r.final
        marks = "　".join(
            f"{short}（{'✓' if r.examinee.team == team else '　'}）" for team, short in TEAM_MARKS
        )
        rows: list[list[object]] = [
            [
                self.l("考核要素", "dimension"),
                self.l("考核项目", "item"),
                self.l("分值", "points"),
                self.l("评分", "score"),
            ]
        ]
        spans = []
        for dimension in scheme.rubric.dimensions:
            first = len(rows)
            for item in dimension.items:
                points = result.scores.get(item.key, "") if result else ""
                changed = " *" if result is not None and item.key in result.changed else ""
                rows.append(
                    [
                        self.label(Names(dimension.name.zh, dimension.name.en)),
                        self.label(Names(item.name.zh, item.name.en)),
                        item.points,
                        f"{points}{changed}",
                    ]
                )
            if len(rows) - first > 1:
                spans.append(((0, first), (0, len(rows) - 1)))
        grade = ""
        if result is not None:
            names = scheme.grade(result.grade).name
            provisional = f"（{self.label(PROVISIONAL)}）" if self.record.provisional else ""
            grade = f"{result.grade}（{self.label(Names(names.zh, names.en))}）{provisional}"
        end = len(rows)
        rows += [
            [self.l("总分", "total"), "", scheme.rubric.total, result.total if result else ""],
            [self.l("考核等级", "grade"), "", grade, ""],
            [
                self.l("考评意见", "evaluation"),
                "",
                r.sheet.comment if r.sheet and r.sheet.comment else " ",
                "",
            ],
        ]
        spans += [((0, end), (1, end)), ((0, end + 1), (1, end + 1)), ((2, end + 1), (3, end + 1))]
        spans += [((0, end + 2), (1, end + 2)), ((2, end + 2), (3, end + 2))]
        labels = [((0, 0), (3, 0)), ((0, 1), (2, end - 1)), ((0, end), (0, end + 2)), ((2, end), (2, end))]
        table = grid(rows, [0.2, 0.4, 0.15, 0.25], spans=spans, shaded=[((0, 0), (3, 0))], labels=labels)
        president = r.signatures.get("president")
        signatures = [
            (self.l("评分人签字", "scorer"), r.signatures.get("scorer")),
            (self.l("被考核者签字", "examinee"), r.signatures.get("examinee")),
            (self.l("学生联合会主席复核", "president's review"), president),
            (self.l("团委老师签字", "teacher"), r.signatures.get("teacher")),
        ]
        review_rows = [
            [
                self.l("学生联合会主席复核意见", "president's review comment"),
                (president.comment if president and president.comment else " "),
            ]
        ]
        review = grid(review_rows, [0.26, 0.74], labels=[((0, 0), (0, 0))])
        block: list[Flowable] = [table, Spacer(1, 4)]
        if r.appeal is not None and r.appeal.outcome == Outcome.CHANGED and r.appeal.decided_at:
            note = self.l(
                "* 经申诉，考核小组于 {at} 最终裁定更改", "* changed by the committee's decision of {at}"
            )
            block.append(text(note.format(at=self.local(r.appeal.decided_at)), "small"))
        block += [
            Together([review, self.signature_rows(signatures)]),
            Spacer(1, 6),
            *self.interviews(r),
        ]
        return [
            self.title("学生干部考核评分表（附表三）", "score sheet (form 3)"),
            text(
                f"{self.l('本表由校学生联合会分管主席填写', 'by the vice-president in charge')}　{marks}",
                "note",
            ),
            self.who_grid(r),
            Spacer(1, 4),
            *block,
        ]

    def appeal(self, r: ExamineeRecord) -> list[Flowable]:
        a, record = r.appeal, self.record
        assert a is not None
        from flows.appeals.common import disputed_text

        before, after = r.released, r.final
        outcome = {
            Outcome.UPHELD: self.l("维持原结果", "upheld"),
            Outcome.CHANGED: self.l("更改结果", "changed"),
        }
        escalated = (
            f"{self.local(a.escalated_at)} {record.name_of(a.escalated_by_member_id)}"
            if a.escalated_at
            else ""
        )
        if a.escalation_overdue:
            escalated += self.l("（超时自动上报）", " (escalated when overdue)")
        rows: list[list[object]] = [
            [self.l("申诉事项", "disputed"), disputed_text(a, record.scheme, "zh-CN")],
            [self.l("申诉理由", "reason"), a.reason or " "],
            [
                self.l("证明材料", "evidence"),
                "\n".join(evidence_line(record, p, n, self.label) for n, p in enumerate(r.evidence, 1))
                or "—",
            ],
            [self.l("提交时间", "submitted"), self.local(a.submitted_at)],
            [
                self.l("组织部上报", "escalated"),
                "\n".join(filter(None, [escalated, a.escalation_note or ""])) or "—",
            ],
            [
                self.l("征求意见", "opinions"),
                "\n".join(
                    f"{record.name_of(o.member_id)}：{o.question}\n→ {o.answer or '—'}" for o in r.opinions
                )
                or "—",
            ],
            [self.l("原考核结果", "result before"), f"{before.total}，{before.grade}" if before else ""],
            [
                self.l("考核小组处理意见（最终裁定）", "the committee's final decision"),
                f"{outcome.get(a.outcome, '') if a.outcome else ''}\n{a.decision_reason or ''}".strip()
                or " ",
            ],
            [
                self.l("裁定后结果", "result after"),
                f"{after.total}，{after.grade}" if after and a.decided_at else "",
            ],
        ]
        decided = Signed(record.name_of(a.decided_by_member_id), a.decided_at) if a.decided_at else None
        return [
            self.title("学生干部考核申诉表（附表六）", "appeal form (form 6)"),
            self.who_grid(r),
            Spacer(1, 4),
            grid(rows, [0.26, 0.74], labels=[((0, 0), (0, len(rows) - 1))]),
            Spacer(1, 4),
            self.signature_rows([(self.l("考核小组裁定人签字", "decided by"), decided)]),
        ]

    def interviews(self, r: ExamineeRecord) -> list[Flowable]:
        """The interview record under the score sheet (面谈, 校团委组织填写), blank when none was held."""
        heading = text(
            self.l("面谈记录（校团委组织填写）", "interview record (by the organisation department)")
        )
        story: list[Flowable] = []
        held: list[Interview | None] = [*r.interviews] or [None]  # an empty form when none was held
        for i in held:
            rows = [
                [
                    self.l("面谈时间", "time"),
                    self.local(i.held_at) if i else "",
                    self.l("面谈地点", "place"),
                    i.place if i else "",
                ],
                [
                    self.l("参加人", "participants"),
                    i.participants if i else "",
                    self.l("面谈主题", "topic"),
                    i.topic if i else "",
                ],
                [self.l("面谈内容概要", "summary"), (i.summary if i else "") or " ", "", ""],
            ]
            recorded = Signed(self.record.name_of(i.recorded_by_member_id), i.recorded_at) if i else None
            table = grid(
                rows,
                [0.16, 0.34, 0.16, 0.34],
                spans=[((1, 2), (3, 2))],
                labels=[((0, 0), (0, 2)), ((2, 0), (2, 1))],
                heights=[None, None, None if i else 50],
            )
            story.append(
                Together([heading, table, self.signature_rows([(self.l("记录人", "recorded by"), recorded)])])
            )
        return story
