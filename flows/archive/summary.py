"""The 汇总 of a cycle, department by department (a team's presidium, 主席团, counts as one): head
count, self-assessments in, sheets scored, average and range of the totals, the grades given, the
department's rating (部门业绩评价) and whether its grades keep the distribution rules (名额); and each
examinee's rank in their department (部门内排名, ties share a rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flows.archive.records import CycleRecord, ExamineeRecord
from flows.results.board import GroupKey, group_of
from flows.rules.grading import Violation, quota_violations
from storage.models import SelfStatus


@dataclass(frozen=True)
class DepartmentSummary:
    team: str
    department: str | None  # None: the team's presidium
    members: int
    self_assessed: int
    scored: int
    average: Decimal | None
    highest: Decimal | None
    lowest: Decimal | None
    grades: dict[str, int]  # grade key → how many, in the scheme's order
    rating: str | None
    breaks: tuple[str, ...]  # the rules broken, each with the committee's acceptance if given


def departments(record: CycleRecord) -> list[DepartmentSummary]:
    """One summary per department, in the order the examinees are listed."""
    groups: dict[GroupKey, list[ExamineeRecord]] = {}
    for examinee in record.examinees:
        groups.setdefault(group_of(examinee.examinee), []).append(examinee)
    return [_summary(record, key, people) for key, people in groups.items()]


def _summary(record: CycleRecord, key: GroupKey, people: list[ExamineeRecord]) -> DepartmentSummary:
    scheme = record.scheme
    results = [r.final for r in people if r.final is not None]
    totals = [result.total for result in results]
    grades = {grade.key: 0 for grade in scheme.grades}
    for result in results:
        grades[result.grade] = grades.get(result.grade, 0) + 1
    group = next((g for g in record.board.groups if g.key == key), None)
    rating = group.rating if group else None
    breaks: list[str] = []
    if group is not None and len(results) == len(people):
        accepted = {b.violation: b.accepted for b in group.breaks}
        for violation in quota_violations([r.grade for r in results], scheme, rating):
            acceptance = accepted.get(violation)
            breaks.append(break_text(violation) + (f"（已接受：{acceptance.reason}）" if acceptance else ""))
    return DepartmentSummary(
        team=key[0],
        department=key[1],
        members=len(people),
        self_assessed=sum(1 for r in people if r.assessment and r.assessment.status == SelfStatus.SUBMITTED),
        scored=len(results),
        average=(sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.1")) if totals else None,
        highest=max(totals) if totals else None,
        lowest=min(totals) if totals else None,
        grades=grades,
        rating=rating,
        breaks=tuple(breaks),
    )


def break_text(violation: Violation) -> str:
    """A distribution rule broken, as the 汇总 states it."""
    grades, counted, limit = "+".join(violation.grades), violation.counted, violation.limit
    return {
        "above_rating": f"{counted} 人为 {grades}，部门业绩评价不允许",
        "too_many": f"{grades} 共 {counted} 人，至多 {limit} 人",
        "too_few": f"{grades} 共 {counted} 人，至少 {limit} 人",
        "all_alike": f"全部 {counted} 人同为 {grades}，须拉开档次",
    }[violation.kind]


def ranks(record: CycleRecord) -> dict[int, int]:
    """Each scored examinee's rank by total within their department (1 is the highest; ties share)."""
    groups: dict[GroupKey, list[ExamineeRecord]] = {}
    for examinee in record.examinees:
        if examinee.final is not None:
            groups.setdefault(group_of(examinee.examinee), []).append(examinee)
    ranked: dict[int, int] = {}
    for people in groups.values():
        totals = sorted((r.final.total for r in people if r.final), reverse=True)
        for r in people:
            assert r.final is not None
            ranked[r.examinee.id] = totals.index(r.final.total) + 1
    return ranked
