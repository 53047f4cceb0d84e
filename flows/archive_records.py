"""Everything the archive (归档备案) of a cycle holds, gathered once: per examinee their
self-assessment (附表一), score sheet (附表三) with signatures, appeal (附表六) and interviews; and the
audit trail of the cycle's records.

``signatures`` is the one place that says who signed what and when. The score sheet's signatures
by the examinee (被考核者签字), the president (主席复核签字) and the teacher (团委老师签字) come from
the committee's sign-off; until that is stored, only the scorer's submission (评分人) and the
examinee's confirmation of their self-assessment are known, and the other signatures stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from flows.appeals_result import Result, final_result, released_result
from flows.cycles import scheme_of
from flows.names import Names
from flows.scheme import Scheme
from storage import appeals, interviews, scoring
from storage import cycles as cycle_store
from storage.appeal_models import Appeal, AppealEvidence, AppealOpinion
from storage.archive import entries_about, member_actors
from storage.cycle_models import Cycle, CycleExaminee, SelfAssessment, SelfStatus
from storage.interviews import Interview
from storage.models import AuditEntry, Member
from storage.scoring_models import ScoreSheet, SheetStatus

SIGNATURE_ROLES: dict[str, Names] = {
    "examinee": Names("被考核者", "examinee"),
    "scorer": Names("评分人", "scorer"),
    "president": Names("主席复核", "president's review"),
    "teacher": Names("团委老师", "teacher"),
}


@dataclass(frozen=True)
class Signature:
    """A recorded confirmation: who confirmed which record, and when."""

    name: str
    at: datetime


@dataclass
class ExamineeRecord:
    """One examinee's whole record in the archive."""

    examinee: CycleExaminee
    assessment: SelfAssessment | None
    answers: dict[str, str]
    self_scores: dict[str, Decimal]
    sheet: ScoreSheet | None
    released: Result | None
    final: Result | None
    appeal: Appeal | None
    evidence: list[AppealEvidence] = field(default_factory=list)
    opinions: list[AppealOpinion] = field(default_factory=list)
    changes: dict[str, Decimal] = field(default_factory=dict)
    interviews: list[Interview] = field(default_factory=list)
    self_signature: Signature | None = None  # the examinee's submission of 附表一
    signatures: dict[str, Signature] = field(default_factory=dict)  # 附表三, by SIGNATURE_ROLES key


@dataclass
class CycleRecord:
    """A cycle's archive: its scheme, every examinee's record, the people named, the audit trail."""

    cycle: Cycle
    scheme: Scheme
    examinees: list[ExamineeRecord]
    people: dict[int, Member]
    audit: list[AuditEntry]

    def name_of(self, member_id: int | None) -> str:
        member = self.people.get(member_id) if member_id is not None else None
        return member.name if member else ""

    def teams(self) -> list[str]:
        return list(dict.fromkeys(record.examinee.team for record in self.examinees))


def gather(session: Session, cycle: Cycle) -> CycleRecord:
    """Read everything the archive of ``cycle`` holds."""
    scheme = scheme_of(cycle)
    examinees = cycle_store.examinees(session, cycle.id)  # type: ignore[arg-type]
    assessments = cycle_store.self_assessments(session, cycle.id)  # type: ignore[arg-type]
    sheets = scoring.cycle_sheets(session, cycle.id)  # type: ignore[arg-type]
    cases = {examinee.id: appeal for appeal, examinee in appeals.of_cycle(session, cycle.id)}  # type: ignore[arg-type]
    ids = [a.id for a in cases.values() if a.id is not None]
    evidence, opinions = appeals.evidence_of(session, ids), appeals.opinions_of(session, ids)
    changes = appeals.changes_of(session, ids)
    talks: dict[int, list[Interview]] = {}
    for interview in interviews.of_cycle(session, cycle.id):  # type: ignore[arg-type]
        talks.setdefault(interview.examinee_id, []).append(interview)
    records = []
    for examinee in examinees:
        assessment, appeal = assessments.get(examinee.id), cases.get(examinee.id)  # type: ignore[arg-type]
        record = ExamineeRecord(
            examinee=examinee,
            assessment=assessment,
            answers=cycle_store.answers(session, assessment.id) if assessment else {},  # type: ignore[arg-type]
            self_scores=cycle_store.self_scores(session, assessment.id) if assessment else {},  # type: ignore[arg-type]
            sheet=sheets.get(examinee.id),  # type: ignore[arg-type]
            released=released_result(session, examinee, scheme),
            final=final_result(session, examinee, scheme),
            appeal=appeal,
            evidence=evidence.get(appeal.id, []) if appeal else [],  # type: ignore[arg-type]
            opinions=opinions.get(appeal.id, []) if appeal else [],  # type: ignore[arg-type]
            changes=changes.get(appeal.id, {}) if appeal else {},  # type: ignore[arg-type]
            interviews=talks.get(examinee.id, []),  # type: ignore[arg-type]
        )
        records.append(record)
    trail = entries_about(session, _entities(cycle, records))
    people = appeals.members(session, _people_named(records) | member_actors(trail))
    for record in records:
        record.self_signature, record.signatures = signatures(record, people)
    return CycleRecord(cycle, scheme, records, people, trail)


def _people_named(records: list[ExamineeRecord]) -> set[int]:
    ids: set[int] = set()
    for record in records:
        ids.add(record.examinee.member_id)
        if record.sheet is not None and record.sheet.scorer_member_id is not None:
            ids.add(record.sheet.scorer_member_id)
        if record.appeal is not None:
            ids.update(
                i for i in (record.appeal.escalated_by_member_id, record.appeal.decided_by_member_id) if i
            )
        ids.update(i for o in record.opinions for i in (o.member_id, o.asked_by_member_id))
        ids.update(i.recorded_by_member_id for i in record.interviews)
    return ids


def signatures(
    record: ExamineeRecord, people: dict[int, Member]
) -> tuple[Signature | None, dict[str, Signature]]:
    """Who signed the examinee's forms and when: 附表一 (their own), and 附表三 by role."""
    name = record.examinee.name
    assessment = record.assessment
    own = (
        Signature(name, assessment.submitted_at)
        if assessment is not None and assessment.status == SelfStatus.SUBMITTED and assessment.submitted_at
        else None
    )
    sheet = record.sheet
    sheet_signatures = {}
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at is not None:
        scorer = people.get(sheet.scorer_member_id) if sheet.scorer_member_id else None
        sheet_signatures["scorer"] = Signature(scorer.name if scorer else "", sheet.submitted_at)
    return own, sheet_signatures


def _entities(cycle: Cycle, records: list[ExamineeRecord]) -> dict[str, list[object]]:
    """The cycle's records as the audit trail names them (entity kind → ids)."""
    return {
        "cycle": [cycle.id],
        "self_assessment": [r.assessment.id for r in records if r.assessment],
        "score_sheet": [r.sheet.id for r in records if r.sheet],
        "appeal": [r.appeal.id for r in records if r.appeal],
        "interview": [i.id for r in records for i in r.interviews],
    }
