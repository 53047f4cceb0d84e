"""Everything the archive (归档备案) of a cycle holds, a department at a time: per examinee their
self-assessment (附表一), score sheet (附表三) with signatures, appeal (附表六) with the files of its
evidence kept, and interviews; the
review board (department ratings and quotas); the people named; and the cycle's audit chain.

``signatures`` is the one place that says who signed what and when: the examinee's submission of
their self-assessment (附表一); on the score sheet (附表三) the scorer's submission (评分人), and from
the committee's sign-off (``storage.review``) the live signatures of the president (主席复核, with
the review comment), the teacher (团委老师) and the examinee's own receipt (被考核者签字), each with
the hash of the results it signed and whether that still matches the results shown.

Names, positions and roles come from the live roster while a cycle runs and, once it is archived,
only from the snapshot taken then (``storage.archive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from flows.collector import collector_paused
from flows.results.board import Board, GroupKey, ItemScores, load_board
from flows.results.fingerprint import board_hash, receipt_hash
from flows.results.result import Result, changed_by, decided_result, result_on
from flows.rules.cycles import scheme_of
from flows.rules.names import Names
from flows.rules.scheme import Scheme
from storage import appeals, review, scoring
from storage import archive as archive_store
from storage import archive_parts as parts
from storage.archive_parts import PersonRow
from storage.models import (
    Appeal,
    AppealEvidence,
    AppealOpinion,
    ArchivedPerson,
    AuditEntry,
    Cycle,
    CycleExaminee,
    EvidenceFile,
    Interview,
    ScoreSheet,
    SelfAssessment,
    SelfStatus,
    SheetStatus,
    Signature,
    SignatureRole,
)

SIGNATURE_ROLES: dict[str, Names] = {
    "examinee": Names("被考核者", "examinee"),
    "scorer": Names("评分人", "scorer"),
    "president": Names("主席复核", "president's review"),
    "teacher": Names("团委老师", "teacher"),
}


@dataclass(frozen=True)
class Signed:
    """A recorded confirmation: who confirmed which record, and when (and the president's comment)."""

    name: str
    at: datetime
    comment: str | None = None
    result_hash: str | None = None  # the hash of the results signed (None: signed before hashes)
    current: bool = True  # whether that hash is the one of the results shown


@dataclass
class ExamineeRecord:
    """One examinee's whole record in the archive."""

    examinee: CycleExaminee
    assessment: SelfAssessment | None
    answers: dict[str, str]
    sheet: ScoreSheet | None
    released: Result | None
    final: Result | None
    appeal: Appeal | None
    evidence: list[AppealEvidence] = field(default_factory=list)
    opinions: list[AppealOpinion] = field(default_factory=list)
    changes: dict[str, Decimal] = field(default_factory=dict)
    interviews: list[Interview] = field(default_factory=list)
    self_signature: Signed | None = None  # the examinee's submission of 附表一
    signatures: dict[str, Signed] = field(default_factory=dict)  # 附表三, by SIGNATURE_ROLES key


@dataclass
class CycleRecord:
    """A cycle's archive: its scheme, the records of its examinees (all, or a part's: ``part``), the
    review board, the people named (live, or the archived snapshot), the audit chain."""

    cycle: Cycle
    scheme: Scheme
    examinees: list[ExamineeRecord]
    people: dict[int, ArchivedPerson | PersonRow]
    audit: list[AuditEntry]
    board: Board
    evidence_files: dict[int, EvidenceFile] = field(default_factory=dict)  # kept, by evidence id
    unfetched: dict[int, str] = field(default_factory=dict)  # why a file could not be fetched, by id
    signoffs: list[Signature] = field(default_factory=list)  # the committee's and examinees', oldest first
    board_signed: str = ""  # the hash of the board's results as shown (if a committee signature has one)
    snapshot: bool = False  # the people named are read from the archived snapshot

    @property
    def provisional(self) -> bool:
        """Before release every grade is provisional (暂定)."""
        return self.cycle.released_at is None

    def name_of(self, member_id: int | None) -> str:
        person = self.people.get(member_id) if member_id is not None else None
        return person.name if person else ""

    def teams(self) -> list[str]:
        return list(dict.fromkeys(record.examinee.team for record in self.examinees))


def cycle_basis(session: Session, cycle: Cycle, unfetched: dict[int, str] | None = None) -> CycleRecord:
    """What the archive of ``cycle`` holds of the whole cycle, without any examinee's record: the
    review board (and the hash of its results, which the committee signed), the sign-offs, the audit
    chain and the people these name. ``part`` adds some departments' examinees to it."""
    board = load_board(session, cycle)
    signoffs = review.signatures(session, cycle.id)
    trail = archive_store.cycle_entries(session, cycle)
    snapshot = parts.has_snapshot(session, cycle.id)
    named = archive_store.member_actors(trail) | {s.member_id for s in signoffs}
    named |= {change.member_id for change in board.changes}
    people = parts.people_named(session, cycle.id, named, snapshot=snapshot)
    # the board's hash (every result's item scores at once) only when a committee signature names one
    hashed = any(s.role != SignatureRole.EXAMINEE and s.result_hash is not None for s in signoffs)
    return CycleRecord(
        cycle,
        scheme_of(cycle),
        [],
        people,
        trail,
        board,
        unfetched=dict(unfetched or {}),
        signoffs=signoffs,
        board_signed=board_hash(_scored(board, None, ItemScores(session, cycle.id))) if hashed else "",
        snapshot=snapshot,
    )


def part(session: Session, basis: CycleRecord, groups: Sequence[GroupKey] | None) -> CycleRecord:
    """``basis`` with the records of the examinees in ``groups`` (None: every examinee), read with a
    few queries whatever their number (``storage.archive_parts``). The cyclic garbage collector is
    paused meanwhile: reading thousands of examinees' rows creates many objects and no garbage cycles,
    and each full collection would scan them all again."""
    with collector_paused():
        return _part(session, basis, groups)


def gather(session: Session, cycle: Cycle) -> CycleRecord:
    """Everything the archive of ``cycle`` holds, every examinee's record at once."""
    return part(session, cycle_basis(session, cycle), None)


def _part(session: Session, basis: CycleRecord, groups: Sequence[GroupKey] | None) -> CycleRecord:
    cycle, scheme = basis.cycle, basis.scheme
    entries = [e for g in basis.board.groups if groups is None or g.key in groups for e in g.entries]
    rows = parts.part_rows(session, cycle.id, None if groups is None else [e.examinee.id for e in entries])
    sheets = [e.sheet.id for e in entries if e.sheet is not None and e.sheet.scored]
    board = _scored(basis.board, groups, _Read(scoring.item_scores_of(session, sheets)))
    cases = [a.id for a in rows.appeals.values() if a.id is not None]
    evidence: dict[int, list[AppealEvidence]] = {}
    opinions: dict[int, list[AppealOpinion]] = {}
    changes: dict[int, dict[str, Decimal]] = {}
    if cases:  # most parts have no appeal: no query for them
        evidence, opinions = appeals.evidence_of(session, cases), appeals.opinions_of(session, cases)
        changes = appeals.changes_of(session, cases)
    records = []
    for examinee in rows.examinees:
        assessment, appeal = rows.assessments.get(examinee.id), rows.appeals.get(examinee.id)
        released = result_on(board, examinee)
        new_scores = changes.get(appeal.id, {}) if appeal else {}
        final = released
        if released is not None and appeal is not None and changed_by(appeal):  # as final_result, no query
            final = decided_result(released, new_scores, appeal.new_grade, scheme, appeal.decided_at)
        record = ExamineeRecord(
            examinee=examinee,
            assessment=assessment,
            answers=rows.answers.get(assessment.id, {}) if assessment else {},
            sheet=rows.sheets.get(examinee.id),
            released=released,
            final=final,
            appeal=appeal,
            evidence=evidence.get(appeal.id, []) if appeal else [],
            opinions=opinions.get(appeal.id, []) if appeal else [],
            changes=new_scores,
            interviews=rows.interviews.get(examinee.id, []),
        )
        records.append(record)
    named = _people_named(records) - basis.people.keys()
    people = {**basis.people, **parts.people_named(session, cycle.id, named, snapshot=basis.snapshot)}
    for record in records:
        record.self_signature, record.signatures = signatures(
            record, people, basis.signoffs, basis.board_signed
        )
    pieces = [p.id for given in evidence.values() for p in given]
    kept = appeals.evidence_files(session, pieces) if pieces else {}
    return replace(basis, examinees=records, people=people, evidence_files=kept)


class _Read(ItemScores):
    """Item scores read beforehand (a part's sheets', in one query)."""

    def __init__(self, scores: dict[int, dict[str, Decimal]]) -> None:
        self.scores = scores

    def of(self, sheet_id: int) -> dict[str, Decimal]:
        return self.scores.get(sheet_id, {})


def _scored(board: Board, groups: Sequence[GroupKey] | None, scores: ItemScores) -> Board:
    """A copy of ``board`` (only ``groups``: None, all) whose entries read their item scores from
    ``scores``, which it keeps only as long as it is kept: the board itself never holds the whole
    cycle's item scores."""
    kept = tuple(
        replace(group, entries=tuple(replace(entry, item_scores=scores) for entry in group.entries))
        for group in board.groups
        if groups is None or group.key in groups
    )
    return replace(board, groups=kept)


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
    record: ExamineeRecord,
    people: dict[int, ArchivedPerson | PersonRow],
    signoffs: list[Signature],
    board_signed: str,
) -> tuple[Signed | None, dict[str, Signed]]:
    """Who signed the examinee's forms and when: 附表一 (their own), and 附表三 by role (``board_signed``:
    the hash of the board as shown, which the committee's signatures are checked against)."""
    name = record.examinee.name
    assessment = record.assessment
    own = (
        Signed(name, assessment.submitted_at)
        if assessment is not None and assessment.status == SelfStatus.SUBMITTED and assessment.submitted_at
        else None
    )
    sheet = record.sheet
    sheet_signatures = {}
    if sheet is not None and sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at is not None:
        scorer = people.get(sheet.scorer_member_id) if sheet.scorer_member_id else None
        sheet_signatures["scorer"] = Signed(scorer.name if scorer else "", sheet.submitted_at)
    final = record.final
    hashes = {
        "examinee": receipt_hash(record.examinee.student_no, final) if final else None,
        "board": board_signed,
    }
    for signoff in signoffs:  # oldest first: the newest live signature of each role stands
        role = str(signoff.role)
        theirs = role != SignatureRole.EXAMINEE or signoff.member_id == record.examinee.member_id
        if role in SIGNATURE_ROLES and theirs:
            signer = people.get(signoff.member_id)
            shown = hashes["examinee" if role == SignatureRole.EXAMINEE else "board"]
            sheet_signatures[role] = Signed(
                signer.name if signer else "",
                signoff.signed_at,
                signoff.comment,
                signoff.result_hash,
                signoff.result_hash is None or signoff.result_hash == shown,
            )
    return own, sheet_signatures
