"""Grading (评定等级): item scores → total (总分) → band → the grade the department rating allows, and a
department's grades checked against the scheme's distribution rules (拉开档次).

Pure functions over a :class:`~flows.rules.scheme.Scheme`. Grades and ratings are passed as their keys
("S", "outstanding"). Arithmetic is Decimal throughout, so 8.5 + 7.2 is exactly 15.7; floats are refused.
Refusals meant for users are message keys with parameters (the interface speaks two languages).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from flows.rules.scheme import Adjustment, Bound, Item, Scheme

SCORE_NOT_A_NUMBER = "score.not_a_number"  # params: text
SCORE_OUT_OF_RANGE = "score.out_of_range"  # params: min, max
SCORE_TOO_PRECISE = "score.too_precise"  # params: decimals (0: whole points only, 1: one decimal)

ViolationKind = Literal["above_rating", "too_many", "too_few", "all_alike"]
Points = Decimal | int
Counts = dict[str, int]

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


@dataclass(frozen=True)
class InvalidScore:
    """Why an item score was refused: a message key of the locale catalogues and its parameters."""

    key: str
    params: Mapping[str, object]


@dataclass(frozen=True)
class QuotaLimit:
    """One quota rule applied to a department of a given size: at most (or at least) ``limit`` people."""

    grades: tuple[str, ...]
    bound: Bound
    fraction: Decimal
    limit: int


@dataclass(frozen=True)
class Move:
    """Regrade ``count`` people from one grade to another."""

    count: int
    from_grade: str
    to_grade: str


@dataclass(frozen=True)
class Violation:
    """A department's grades break a rule: ``counted`` people in ``grades`` where ``limit`` is allowed.

    ``kind`` is one of: ``above_rating`` (a grade the department rating does not allow; limit 0),
    ``too_many`` (an at-most quota), ``too_few`` (an at-least quota), ``all_alike`` (everyone shares
    one grade; limit is the most who may). ``moves`` is one way to fix it.
    """

    kind: ViolationKind
    grades: tuple[str, ...]
    counted: int
    limit: int
    moves: tuple[Move, ...]


# Item scores and totals


def check_item_score(value: str | int | Decimal, item: Item, scheme: Scheme) -> Decimal | InvalidScore:
    """The score typed for ``item`` at the scheme's precision, or why it is refused.

    Accepts what phones type: full-width digits, "。" as the decimal point, a trailing "分".
    """
    number = _as_decimal(value)
    if number is None:
        return InvalidScore(SCORE_NOT_A_NUMBER, {"text": str(value)})
    if not 0 <= number <= item.points:
        return InvalidScore(SCORE_OUT_OF_RANGE, {"min": Decimal(0), "max": item.points})
    step = scheme.scoring.step
    if number % step:
        return InvalidScore(SCORE_TOO_PRECISE, {"decimals": scheme.scoring.decimals})
    return number.quantize(step).copy_abs()


def _as_decimal(value: str | int | Decimal) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    text = unicodedata.normalize("NFKC", value).replace("。", ".").strip().removesuffix("分").rstrip()
    return Decimal(text) if _NUMBER.fullmatch(text) else None


@dataclass(frozen=True)
class _RubricIndex:
    """Where each rubric item counts (its dimension's place), its most points and its dimension's weight,
    looked up once a scheme; ``zero`` is Σ 0 × weight (what a weighted total starts from)."""

    scheme: Scheme
    dimension_of: dict[str, int]
    most: dict[str, Decimal]
    weight: dict[str, Decimal]
    zero: Decimal


_INDEXES: dict[int, _RubricIndex] = {}  # by id(scheme); the scheme is kept in the index, so ids stay its own


def _rubric_index(scheme: Scheme) -> _RubricIndex:
    index = _INDEXES.get(id(scheme))
    if index is None or index.scheme is not scheme:
        if len(_INDEXES) >= 32:
            _INDEXES.clear()
        dimensions = scheme.rubric.dimensions
        index = _RubricIndex(
            scheme,
            {item.key: place for place, dimension in enumerate(dimensions) for item in dimension.items},
            {item.key: item.points for dimension in dimensions for item in dimension.items},
            {item.key: dimension.weight for dimension in dimensions for item in dimension.items},
            sum((Decimal(0) * dimension.weight for dimension in dimensions), Decimal(0)),
        )
        _INDEXES[id(scheme)] = index
    return index


def _place(index: _RubricIndex, key: str, score: Points) -> int:
    """The dimension ``key`` counts in. Raises ValueError for an unknown item or a score out of range."""
    place = index.dimension_of.get(key)
    if place is None:
        raise ValueError(f"no rubric item {key!r}")
    if not 0 <= score <= index.most[key]:
        raise ValueError(f"score {score} for {key!r} is outside 0..{index.most[key]}")
    return place


def dimension_scores(scores: Mapping[str, Points], scheme: Scheme) -> dict[str, Decimal]:
    """Each dimension's points (before weighting) by dimension key; unscored items count 0.

    Raises ValueError for an unknown item or a score outside 0..the item's points.
    """
    index = _rubric_index(scheme)
    sums = [Decimal(0)] * len(scheme.rubric.dimensions)
    for key, score in scores.items():
        sums[_place(index, key, score)] += score
    return {dimension.key: sums[place] for place, dimension in enumerate(scheme.rubric.dimensions)}


def total_score(
    scores: Mapping[str, Points],
    scheme: Scheme,
    deductions: Mapping[str, Points] | None = None,
    bonuses: Mapping[str, Points] | None = None,
) -> Decimal:
    """The total (总分): Σ dimension points × weight − capped deductions + capped bonuses,
    then held within the scheme's floor and ceiling. Unscored items count 0 (a draft's running total).

    ``deductions`` and ``bonuses`` map an adjustment key to the points of that kind before its cap.
    Summed item by item (points × weight) from Σ 0 × weight: exactly Σ dimension points × weight, the
    same digits too, without a dictionary of dimensions for each sheet (the board totals ten thousand).
    """
    index = _rubric_index(scheme)
    total, weight = index.zero, index.weight
    for key, score in scores.items():
        _place(index, key, score)
        total += score * weight[key]
    adjustments = scheme.adjustments
    if deductions:
        total -= _capped(deductions, adjustments.deductions, adjustments.deduction_cap)
    if bonuses:
        total += _capped(bonuses, adjustments.bonuses, adjustments.bonus_cap)
    if adjustments.floor is not None:
        total = max(total, adjustments.floor)
    if adjustments.ceiling is not None:
        total = min(total, adjustments.ceiling)
    return total


def _sum(points: Iterable[Points]) -> Decimal:
    """The sum as a Decimal (a float among the points raises TypeError)."""
    total = Decimal(0)
    for value in points:
        total += value
    return total


def _capped(amounts: Mapping[str, Points], kinds: Sequence[Adjustment], cap: Decimal | None) -> Decimal:
    caps = {kind.key: kind.cap for kind in kinds}
    parts: list[Points] = []
    for key, amount in amounts.items():
        if key not in caps:
            raise ValueError(f"no adjustment {key!r} (known: {', '.join(caps) or 'none'})")
        if amount < 0:
            raise ValueError(f"adjustment {key!r} is negative: {amount}")
        limit = caps[key]
        parts.append(amount if limit is None else min(amount, limit))
    summed = _sum(parts)
    return summed if cap is None else min(summed, cap)


def all_alike(totals: Sequence[Points], scheme: Scheme) -> bool:
    """Whether a scorer gave everyone the same total, in a group big enough for that to matter."""
    return scheme.distribution.forbids_all_alike(len(totals)) and len(set(totals)) == 1


# Bands and the department rating


def band_for(total: Points, scheme: Scheme) -> str:
    """The grade whose band holds ``total``: the first whose minimum it reaches, else the last."""
    return next(g.key for g in scheme.grades if g.min_total is None or total >= g.min_total)


def allowed_grade(band: str, rating: str, scheme: Scheme) -> str:
    """The band capped by what the department rating allows: a 95 (S) in an ordinary department is B."""
    keys = scheme.grade_keys
    return next(key for key in keys[_index(band, scheme) :] if scheme.distribution.allows(rating, key))


def _index(grade: str, scheme: Scheme) -> int:
    try:
        return scheme.grade_keys.index(grade)
    except ValueError:
        raise ValueError(f"no grade {grade!r}") from None


# A department's distribution


def grade_counts(grades: Sequence[str], scheme: Scheme) -> Counts:
    """How many have each grade, every grade present, best first."""
    counts = dict.fromkeys(scheme.grade_keys, 0)
    for grade in grades:
        if grade not in counts:
            raise ValueError(f"no grade {grade!r}")
        counts[grade] += 1
    return counts


def quota_limits(size: int, scheme: Scheme) -> list[QuotaLimit]:
    """Each quota rule as a head count for a department of ``size`` (at most rounds up, at least down)."""
    return [
        QuotaLimit(quota.grades, quota.bound, quota.fraction, quota.limit(size))
        for quota in scheme.distribution.quotas
    ]


def quota_violations(grades: Sequence[str], scheme: Scheme, rating: str | None = None) -> list[Violation]:
    """Every distribution rule a department's ``grades`` break, each with a suggested fix.

    With ``rating``, grades the department rating does not allow are reported first.
    """
    counts = grade_counts(grades, scheme)
    found = _rating_violations(counts, rating, scheme) if rating is not None else []
    for rule in quota_limits(len(grades), scheme):
        counted = sum(counts[key] for key in rule.grades)
        if rule.bound == "at_most" and counted > rule.limit:
            moves = _moves_out(counts, set(rule.grades), counted - rule.limit, scheme.grade_keys)
            found.append(Violation("too_many", rule.grades, counted, rule.limit, moves))
        if rule.bound == "at_least" and counted < rule.limit:
            moves = _moves_in(counts, set(rule.grades), rule.limit - counted, scheme.grade_keys)
            found.append(Violation("too_few", rule.grades, counted, rule.limit, moves))
    found += _alike_violations(counts, len(grades), scheme)
    return found


def _rating_violations(counts: Counts, rating: str, scheme: Scheme) -> list[Violation]:
    return [
        Violation("above_rating", (key,), count, 0, (Move(count, key, allowed_grade(key, rating, scheme)),))
        for key, count in counts.items()
        if count and not scheme.distribution.allows(rating, key)
    ]


def _alike_violations(counts: Counts, size: int, scheme: Scheme) -> list[Violation]:
    if not scheme.distribution.forbids_all_alike(size):
        return []
    keys = scheme.grade_keys
    return [
        Violation("all_alike", (key,), count, size - 1, (Move(1, key, _nearest_outside(key, {key}, keys)),))
        for key, count in counts.items()
        if count == size
    ]


def _nearest_outside(key: str, group: set[str], keys: Sequence[str]) -> str:
    """The grade nearest below ``key`` that is not in ``group``; above if there is none below."""
    index = keys.index(key)
    below = [k for k in keys[index + 1 :] if k not in group]
    above = [k for k in reversed(keys[:index]) if k not in group]
    return (below or above)[0]


def _moves_out(counts: Counts, group: set[str], excess: int, keys: Sequence[str]) -> tuple[Move, ...]:
    """Move ``excess`` people out of ``group``, lowest members first, each to the nearest grade outside."""
    moves = []
    for key in reversed(keys):
        if key in group and counts[key] and excess:
            count = min(counts[key], excess)
            moves.append(Move(count, key, _nearest_outside(key, group, keys)))
            excess -= count
    return tuple(moves)


def _moves_in(counts: Counts, group: set[str], shortfall: int, keys: Sequence[str]) -> tuple[Move, ...]:
    """Bring ``shortfall`` people into ``group`` from the nearest grades outside it, below before above."""

    def distance(key: str) -> tuple[int, int]:
        index = keys.index(key)
        return min(abs(index - keys.index(member)) for member in group), -index

    moves = []
    for key in sorted((k for k in keys if k not in group and counts[k]), key=distance):
        if shortfall:
            count = min(counts[key], shortfall)
            members = sorted(group, key=keys.index)
            target = min(members, key=lambda member: abs(keys.index(member) - keys.index(key)))
            moves.append(Move(count, key, target))
            shortfall -= count
    return tuple(moves)
