"""The rules of supervisor scoring (直接上级评定): who scores whom, when, and in what order.

A ``Scorer`` is a member at work on the current cycle; a ``Sheet`` is one examinee's score sheet
(评分表, 附表三) as that scorer sees it. What a step may do is decided here, from what is saved:

- scoring an examinee opens once their self-assessment is submitted or its deadline has passed;
- the department level closes at the scoring deadline (上级评定截止);
- level by level, bottom up (由下至上逐级进行): a president may submit a vice-president's sheet only
  once that vice-president has submitted every sheet of the departments they oversee, or the scoring
  deadline has passed. So that a late vice-president cannot block them for good, the president's
  sheets of vice-presidents stay open until the review deadline (复核确认截止), as do sheets the
  committee returned (退回).

``standings`` summarises many sheets at once (status, items scored, running total) for the lists,
the department distribution, the vice-presidents' department averages and ``kaohe cycle status``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import ClassVar

from sqlmodel import Session

from flows.actor import Actor
from flows.rules.grading import total_score
from flows.rules.scheme import Scheme
from flows.scoring.presses import ScoreAction, ScorePress
from storage import cycles as cycle_store
from storage import scoring as store
from storage.cycles import Examinee
from storage.models import Cycle, CycleExaminee, Position, ScoreSheet, SelfAssessment, SelfStatus, SheetStatus

NOT_STARTED = "not_started"
UNREAD = "unread"  # a self-assessment's status not read yet


@dataclass(frozen=True)
class Standing:
    """Where one examinee's sheet stands: its status, how many items are scored and the total so far."""

    status: str  # NOT_STARTED or a SheetStatus value
    scored: int
    total: Decimal
    complete: bool  # every rubric item scored

    @property
    def submitted(self) -> bool:
        return self.status == SheetStatus.SUBMITTED


def standings(session: Session, scheme: Scheme, examinees: Sequence[CycleExaminee]) -> dict[int, Standing]:
    """The standing of each examinee's sheet, by examinee id."""
    rows = store.sheets(session, [e.id for e in examinees])
    scores = store.item_scores_of(session, [row.id for row in rows.values()])
    found = {}
    for examinee in examinees:
        row = rows.get(examinee.id)
        found[examinee.id] = standing_of(row, scores.get(row.id, {}) if row is not None else {}, scheme)
    return found


def give_score(
    session: Session,
    row: ScoreSheet,
    scheme: Scheme,
    given: Mapping[str, Decimal],
    key: str,
    points: Decimal,
    member_id: int,
    now: datetime,
) -> Decimal | None:
    """Give ``points`` for the rubric item ``key`` on the sheet ``row``, which held the item scores
    ``given``: the one way an item score is written, so the sheet's stored total (what the board reads)
    is always ``total_score`` of its item scores. Returns the points it replaces, if any."""
    scores = {item: store.as_read(value) for item, value in {**given, key: points}.items()}
    total = total_score(scores, scheme)  # of the points as the board will read them back
    return store.save_item_score(session, row, key, points, member_id, now, total=total)


def standing_of(row: ScoreSheet | None, given: Mapping[str, Decimal], scheme: Scheme) -> Standing:
    """Where a sheet ``row`` (None: not started) with the item scores ``given`` stands."""
    status = NOT_STARTED if row is None else str(row.status)
    complete = len(given) == len(scheme.rubric.items)
    return Standing(status, len(given), total_score(given, scheme), complete)


@dataclass
class Scorer(Actor):
    """A direct superior (直接上级) at work on the current cycle."""

    flow: ClassVar[str] = "score"
    not_member: ClassVar[str] = "score_not_member"
    no_cycle: ClassVar[str] = "score_no_cycle"

    def press(self, action: ScoreAction, examinee: int | None = None, *more: str) -> ScorePress:
        """What one of their buttons in this cycle stands for (``more``: a rubric item, then points)."""
        return ScorePress(self.cycle.id, action, examinee, *more)

    def examinees(self) -> list[CycleExaminee]:
        """Everyone this scorer scores in the cycle, in roster order."""
        return list(self._examinees)

    @cached_property
    def _examinees(self) -> tuple[CycleExaminee, ...]:
        return tuple(store.examinees_of_scorer(self.session, self.cycle.id, self.member.id))

    def roll(self) -> list[Sheet]:
        """Every examinee's sheet in roster order, read at once (three queries, however many there are):
        the examinees with their self-assessment's status, their sheets, the sheets' item scores."""
        placed = cycle_store.form_statuses(
            self.session, self.cycle.id, SelfAssessment, "scorer_member_id", [self.member.id]
        )
        rows = store.sheets(self.session, [examinee.id for examinee, _ in placed])
        given = store.item_scores_of(self.session, [row.id for row in rows.values()])
        self.__dict__["_examinees"] = tuple(examinee for examinee, _ in placed)
        sheets = []
        for examinee, status in placed:
            row = rows.get(examinee.id)
            scores = given.get(row.id, {}) if row is not None else {}
            sheets.append(Sheet(self, examinee, row, self_status=status, given=scores))
        return sheets

    def examinee(self, examinee_id: int) -> CycleExaminee | None:
        """One of this scorer's examinees in this cycle; None for anyone else's."""
        examinee = self.session.get(CycleExaminee, examinee_id)
        if (
            examinee is None
            or examinee.cycle_id != self.cycle.id
            or examinee.scorer_member_id != self.member.id
        ):
            return None
        return examinee

    def sheet(self, examinee: CycleExaminee) -> Sheet:
        return Sheet(self, examinee, store.sheet_of(self.session, examinee.id))

    def lower_levels(self, vice_presidents: Sequence[CycleExaminee]) -> dict[int, list[CycleExaminee]]:
        """For vice-presidents among their examinees: whom each scores (the examinees of the departments
        they oversee), by the vice-president's examinee id, read in one query."""
        members = {examinee.member_id: examinee.id for examinee in vice_presidents}
        if not members:
            return {}
        placed = store.sheet_statuses(self.session, self.cycle.id, list(members))
        below: dict[int, list[CycleExaminee]] = {examinee_id: [] for examinee_id in members.values()}
        for examinee, _ in placed:
            below[members[examinee.scorer_member_id]].append(examinee)  # type: ignore[index]
        return below


def submit(
    actor: Actor,
    row: ScoreSheet,
    examinee: Examinee,
    scores: Mapping[str, Decimal],
    total: Decimal,
    **extra: str,
) -> None:
    """Lock ``row`` as submitted, audited (``score.submit``) with its cycle, examinee, scores and total.

    ``extra`` adds to the audit payload (the committee's president submitting passes ``by``).
    """
    store.submit_sheet(
        actor.session,
        row,
        actor=actor.actor,
        now=actor.now,
        after={
            "cycle": actor.cycle.name,
            "examinee": examinee.student_no,
            "scores": {key: str(given) for key, given in scores.items()},
            "total": str(total),
            **extra,
        },
    )


def group_key(examinee: CycleExaminee) -> tuple[str, str | None]:
    """The group an examinee is graded in: their team and department (vice-presidents: the team)."""
    return examinee.team, examinee.department


@dataclass
class Sheet:
    """One examinee's score sheet as their scorer sees it; ``row`` is None until the first score."""

    scorer: Scorer
    examinee: CycleExaminee
    row: ScoreSheet | None
    self_status: str | None = UNREAD  # the examinee's self-assessment's status, once read
    given: dict[str, Decimal] | None = None  # the item scores, once read

    @property
    def scheme(self) -> Scheme:
        return self.scorer.scheme

    @property
    def cycle(self) -> Cycle:
        return self.scorer.cycle

    @property
    def scores(self) -> dict[str, Decimal]:
        if self.given is None:
            self.given = {} if self.row is None else store.item_scores(self.scorer.session, self.row.id)
        return dict(self.given)

    def save_score(self, key: str, given: Decimal) -> Decimal | None:
        """Give ``given`` points for the rubric item ``key``; the points it replaces, if any."""
        scorer, row = self.scorer, self.ensure_row()
        scores = self.scores
        before = give_score(
            scorer.session, row, self.scheme, scores, key, given, scorer.member.id, scorer.now
        )
        self.given = {**scores, key: given}
        return before

    @property
    def total(self) -> Decimal:
        return total_score(self.scores, self.scheme)

    @property
    def standing(self) -> Standing:
        return standing_of(self.row, self.scores, self.scheme)

    @property
    def submitted(self) -> bool:
        return self.row is not None and self.row.status == SheetStatus.SUBMITTED

    @property
    def returned(self) -> bool:
        return self.row is not None and self.row.status == SheetStatus.RETURNED

    @property
    def is_vice_president(self) -> bool:
        return self.examinee.position == Position.VICE_PRESIDENT

    def self_assessment(self) -> SelfAssessment | None:
        return cycle_store.self_assessment(self.scorer.session, self.examinee.id)

    def self_submitted(self) -> bool:
        if self.self_status == UNREAD:
            assessment = self.self_assessment()
            self.self_status = None if assessment is None else str(assessment.status)
        return self.self_status == SelfStatus.SUBMITTED

    @property
    def ready(self) -> bool:
        """Whether scoring may start: the self-assessment is submitted or its deadline has passed."""
        return self.scorer.now >= self.cycle.self_due or self.self_submitted()

    @property
    def closes_at(self) -> datetime:
        """The last moment this sheet can be changed (see the module's notes on levels)."""
        return self.cycle.review_due if self.is_vice_president or self.returned else self.cycle.score_due

    @property
    def taken_over(self) -> bool:
        """The committee took the sheet over after the deadline (flows.review.takeover): not theirs now."""
        return self.row is not None and self.row.scorer_member_id != self.scorer.member.id

    @property
    def is_open(self) -> bool:
        return self.scorer.now < self.closes_at and not self.taken_over

    def next_step(self) -> str:
        """``item:<key>`` for the first unscored item, then ``comment``, then ``summary``."""
        scores = self.scores
        for item in self.scheme.rubric.items:
            if item.key not in scores:
                return f"item:{item.key}"
        return "summary" if self.row is not None and self.row.comment else "comment"

    def ensure_row(self) -> ScoreSheet:
        if self.row is None:
            session = self.scorer.session
            self.row = store.start_sheet(session, self.examinee.id, self.scorer.member.id, self.scorer.now)
        return self.row

    def group(self) -> list[CycleExaminee]:
        """The department (or the team's vice-presidents) this examinee is graded with, by this scorer."""
        return [e for e in self.scorer.examinees() if group_key(e) == group_key(self.examinee)]

    def lower_level(self) -> list[CycleExaminee]:
        """For a vice-president: the examinees of the departments they oversee (whom they score)."""
        if not self.is_vice_president:
            return []
        session, cycle_id = self.scorer.session, self.cycle.id
        return store.examinees_of_scorer(session, cycle_id, self.examinee.member_id)

    def lower_level_pending(self) -> tuple[int, int]:
        """(submitted, total) of the lower level's sheets when they still hold this one back, else (0, 0).

        Bottom up: nothing holds a sheet back once the scoring deadline has passed.
        """
        below = self.lower_level()
        if not below or self.scorer.now >= self.cycle.score_due:
            return 0, 0
        found = standings(self.scorer.session, self.scheme, below)
        done = sum(1 for s in found.values() if s.submitted)
        return (done, len(below)) if done < len(below) else (0, 0)
