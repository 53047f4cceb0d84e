"""The review board (复核平衡): every examinee's scores, total, band, proposed and final grade, department by
department, with the committee's changes applied and the distribution rules (§6) checked.

Results are graded per group: a team's department, or the team's presidium (主席团: its president and
vice-presidents, ``department`` None). The proposed grade is the band of the total, capped by the
group's rating (部门业绩评价); the final grade is the committee's, when it set one, else the proposal.
The scorer's own item scores stay as they gave them (``original``); the committee's changes are laid
over them (``scores``), so both can always be shown side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlmodel import Session

from flows.collector import collector_paused
from flows.rules.cycles import scheme_of
from flows.rules.grading import (
    Counts,
    Violation,
    allowed_grade,
    band_for,
    grade_counts,
    quota_violations,
    total_score,
)
from flows.rules.scheme import Scheme
from flows.scoring.sheet import NOT_STARTED
from storage import cycles as cycle_store
from storage import review as store
from storage import scoring
from storage.cycles import Examinee, ExamineeRow, SheetRow
from storage.models import AcceptedViolation, ChangeKind, Cycle, ReviewChange, SheetStatus

GroupKey = tuple[str, str | None]  # (team, department); department None: the team's presidium


def group_of(examinee: Examinee) -> GroupKey:
    return examinee.team, examinee.department


class ItemScores:
    """The item scores of a board's sheets, read when something first asks for them (the board itself
    reads only each sheet's stored total): the one sheet asked for, and from the second sheet on every
    sheet of the cycle at once (a hash, the archive), so never more than two queries."""

    def __init__(self, session: Session, cycle_id: int) -> None:
        self._session, self._cycle_id = session, cycle_id
        self._read: dict[int, dict[str, Decimal]] = {}
        self._whole_cycle = False

    def of(self, sheet_id: int) -> dict[str, Decimal]:
        if sheet_id not in self._read and not self._whole_cycle:
            if self._read:
                self._read = scoring.cycle_item_scores(self._session, self._cycle_id)
                self._whole_cycle = True
            else:
                self._read = {sheet_id: scoring.item_scores(self._session, sheet_id)}
        return self._read.get(sheet_id, {})


@dataclass
class Entry:
    """One examinee on the board, as plain rows (a flow that writes the sheet reads its ``ScoreSheet``).

    The totals come from the sheet as stored; the item scores (``original``, ``scores``) are read when
    first asked for. Nothing changes an entry (not frozen: a frozen one takes five times as long to make)."""

    examinee: ExamineeRow
    sheet: SheetRow | None
    scorer: str | None  # the scorer's name; None when the committee scores (presidents)
    total: Decimal
    original_total: Decimal
    band: str
    proposed: str  # the band, capped by the group's rating
    grade: str  # the committee's grade if it set one, else the proposal
    regraded: bool  # the committee set the grade
    submitted: bool  # the sheet is submitted
    changed: dict[str, Decimal] | None = field(default=None, compare=False)  # the committee's item scores
    item_scores: ItemScores | None = field(default=None, compare=False, repr=False)

    @cached_property
    def original(self) -> dict[str, Decimal]:
        """The item scores as the scorer gave them."""
        if self.sheet is None or not self.sheet.scored or self.item_scores is None:
            return {}
        return self.item_scores.of(self.sheet.id)

    @cached_property
    def scores(self) -> dict[str, Decimal]:
        """The item scores with the committee's changes."""
        return {**self.original, **self.changed} if self.changed else dict(self.original)

    @property
    def scored(self) -> int:
        """How many items the scorer scored."""
        return 0 if self.sheet is None else self.sheet.scored

    @property
    def status(self) -> str:
        return NOT_STARTED if self.sheet is None else str(self.sheet.status)

    @property
    def taken_over(self) -> bool:
        """The committee took the sheet over from a scorer who had not submitted it by the deadline."""
        scorer = self.examinee.scorer_member_id
        return self.sheet is not None and scorer is not None and self.sheet.scorer_member_id != scorer

    @property
    def committee_scores(self) -> bool:
        """The committee fills in this sheet: a president's, or one it took over."""
        return self.examinee.scorer_member_id is None or self.taken_over

    @property
    def changed_items(self) -> set[str]:
        if not self.changed:
            return set()
        return {key for key, points in self.changed.items() if self.original.get(key) != points}

    @property
    def comment(self) -> str | None:
        return None if self.sheet is None else self.sheet.comment


@dataclass(frozen=True)
class Break:
    """A distribution rule the group breaks, and the committee's acceptance of it, if given."""

    violation: Violation
    accepted: AcceptedViolation | None


@dataclass(frozen=True)
class Group:
    """A department (or a team's presidium) as the committee balances it."""

    key: GroupKey
    entries: tuple[Entry, ...]
    rating: str | None
    breaks: tuple[Break, ...]  # checked once every sheet of the group is submitted

    @property
    def team(self) -> str:
        return self.key[0]

    @property
    def department(self) -> str | None:
        return self.key[1]

    @cached_property
    def submitted(self) -> int:
        return sum(1 for entry in self.entries if entry.submitted)

    @property
    def complete(self) -> bool:
        return self.submitted == len(self.entries)

    @cached_property
    def open_breaks(self) -> list[Break]:
        return [b for b in self.breaks if b.accepted is None]

    @property
    def balanced(self) -> bool:
        """Complete, rated, and every rule break accepted."""
        return self.complete and self.rating is not None and not self.open_breaks


@dataclass(frozen=True)
class Board:
    """A cycle's results as they stand, group by group."""

    cycle: Cycle
    scheme: Scheme
    version: int
    groups: tuple[Group, ...]
    changes: tuple[ReviewChange, ...]

    @cached_property
    def entries(self) -> list[Entry]:
        return [entry for group in self.groups for entry in group.entries]

    @cached_property
    def _by_examinee(self) -> dict[int | None, Entry]:
        return {entry.examinee.id: entry for entry in self.entries}

    def entry(self, examinee_id: int) -> Entry | None:
        return self._by_examinee.get(examinee_id)

    @cached_property
    def _by_key(self) -> dict[GroupKey, Group]:
        return {group.key: group for group in self.groups}

    def group(self, key: GroupKey) -> Group:
        return self._by_key[key]

    def teams(self) -> list[str]:
        return list(dict.fromkeys(group.team for group in self.groups))

    @cached_property
    def _changes_by_examinee(self) -> dict[int | None, list[ReviewChange]]:
        found: dict[int | None, list[ReviewChange]] = {}
        for change in self.changes:
            found.setdefault(change.examinee_id, []).append(change)
        return found

    def changes_of(self, examinee_id: int) -> list[ReviewChange]:
        return list(self._changes_by_examinee.get(examinee_id, ()))

    @cached_property
    def _counts(self) -> dict[GroupKey, Counts]:
        return {}

    def counts(self, group: Group) -> Counts:
        """How many of the group's submitted sheets give each grade, every grade, best first (counted
        once a board)."""
        found = self._counts.get(group.key)
        if found is None:
            given = [entry.grade for entry in group.entries if entry.submitted]
            found = self._counts[group.key] = grade_counts(given, self.scheme)
        return found

    @property
    def balanced(self) -> bool:
        """Whether the committee may confirm: every group complete, rated, with no open rule break."""
        return all(group.balanced for group in self.groups)


def break_identity(violation: Violation) -> tuple[str, str, int]:
    """What an acceptance is matched on: the kind, the grades and the head count."""
    return violation.kind, "+".join(violation.grades), violation.counted


def load_board(session: Session, cycle: Cycle) -> Board:
    """Everything the review needs about ``cycle``, computed from what is saved.

    A fixed handful of queries, whatever the size of the cycle, as plain rows; each sheet's total is read
    as stored, the item scores only when asked for (``ItemScores``). A
    screen that asks again in the same transaction, with nothing written in between, gets the same board.
    """
    key = ("board", cycle.id)
    board = store.remembered(session, key)
    if isinstance(board, Board) and board.cycle is cycle:
        return board
    board = _read_board(session, cycle)
    store.remember(session, key, board)
    return board


def _read_board(session: Session, cycle: Cycle) -> Board:
    with collector_paused():
        return _board(session, cycle)


def _board(session: Session, cycle: Cycle) -> Board:
    scheme = scheme_of(cycle)
    version = store.current_version(session, cycle.id)
    changes = store.changes(session, cycle.id)
    ratings, scores, grades = _fold(changes)
    accepted = store.accepted_violations(session, cycle.id)
    names = cycle_store.scorer_names(session, cycle.id)
    given = ItemScores(session, cycle.id)
    graded = _Grading(scheme)
    by_group: dict[GroupKey, list[Entry]] = {}
    for examinee, sheet in scoring.cycle_scored(session, cycle.id):
        key = group_of(examinee)
        members = by_group.get(key)
        if members is None:
            members = by_group[key] = []
        scorer = examinee.scorer_member_id
        name = None if scorer is None else names.get(scorer, "")
        members.append(_entry(examinee, sheet, name, graded, given, ratings.get(key), scores, grades))
    groups = []
    for key, members in by_group.items():
        rating, entries = ratings.get(key), tuple(members)
        groups.append(Group(key, entries, rating, _breaks(key, entries, rating, scheme, accepted)))
    return Board(cycle, scheme, version, tuple(groups), tuple(changes))


class _Grading:
    """Totals and grades as the board works them out, each distinct one once (ten thousand sheets share
    a few hundred totals)."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.unscored = total_score({}, scheme)
        self._stored: dict[tuple[str | None, str | None], tuple[Decimal, str, str]] = {}
        self._grades: dict[tuple[Decimal, str | None], tuple[str, str]] = {}

    def stored(self, sheet: SheetRow | None, rating: str | None) -> tuple[Decimal, str, str]:
        """The total the sheet keeps (its item scores', as ``total_score`` gave it), its band, and the
        grade proposed for it under ``rating``."""
        key = (None if sheet is None else sheet.total, rating)
        found = self._stored.get(key)
        if found is None:
            total = self.unscored if key[0] is None else Decimal(key[0])
            found = self._stored[key] = (total, *self.grades(total, rating))
        return found

    def grades(self, total: Decimal, rating: str | None) -> tuple[str, str]:
        """The band of ``total``, and the grade proposed for it: the band, capped by ``rating``."""
        found = self._grades.get((total, rating))
        if found is None:
            band = band_for(total, self.scheme)
            proposed = band if rating is None else allowed_grade(band, rating, self.scheme)
            found = self._grades[(total, rating)] = (band, proposed)
        return found


def _fold(
    changes: list[ReviewChange],
) -> tuple[dict[GroupKey, str], dict[int, dict[str, Decimal]], dict[int, str]]:
    """The latest rating of each group, score of each changed item, and grade of each regraded examinee."""
    ratings: dict[GroupKey, str] = {}
    scores: dict[int, dict[str, Decimal]] = {}
    grades: dict[int, str] = {}
    for change in changes:
        if change.kind == ChangeKind.RATING:
            ratings[(change.team or "", change.department)] = change.after
        elif change.kind == ChangeKind.SCORE:
            scores.setdefault(change.examinee_id or 0, {})[change.item or ""] = Decimal(change.after)
        else:
            grades[change.examinee_id or 0] = change.after
    return ratings, scores, grades


def _entry(
    examinee: ExamineeRow,
    sheet: SheetRow | None,
    scorer: str | None,
    graded: _Grading,
    given: ItemScores,
    rating: str | None,
    changed_scores: dict[int, dict[str, Decimal]],
    changed_grades: dict[int, str],
) -> Entry:
    changed = changed_scores.get(examinee.id)
    original_total, band, proposed = graded.stored(sheet, rating)
    if changed:
        original = given.of(sheet.id) if sheet is not None and sheet.scored else {}
        total = total_score({**original, **changed}, graded.scheme)
        band, proposed = graded.grades(total, rating)
    else:
        total = original_total
    grade = changed_grades.get(examinee.id)
    return Entry(
        examinee,
        sheet,
        scorer,
        total,
        original_total,
        band,
        proposed,
        grade or proposed,
        grade is not None,
        sheet is not None and sheet.status == _SUBMITTED,
        changed,
        given,
    )


_SUBMITTED = SheetStatus.SUBMITTED.value  # as a sheet row reads it


def _breaks(
    key: GroupKey,
    entries: tuple[Entry, ...],
    rating: str | None,
    scheme: Scheme,
    accepted: list[AcceptedViolation],
) -> tuple[Break, ...]:
    if not all(entry.submitted for entry in entries):
        return ()
    team, department = key
    mine = {
        (a.kind, a.grades, a.counted): a
        for a in accepted
        if (a.team, a.department) == (team, department or "")
    }
    violations = quota_violations([entry.grade for entry in entries], scheme, rating)
    return tuple(Break(v, mine.get(break_identity(v))) for v in violations)
