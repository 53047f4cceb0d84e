"""Checks of a scheme across its values (考核方案的校验), run whenever a scheme is built.

Each check yields the ``Problem`` it finds with the key path at fault: item points add up to their
dimension's and the dimensions to the total (考核量表, 附表二), keys are unique, the grade bands
(考核等级) are ordered and cover every total, the department-rating gates and the quotas can be met by
every department of 1 to ``MAX_CHECKED_SIZE`` members, the forms fit a Telegram message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from flows.rules.scheme import Adjustments, Distribution, Item, Phase, Rubric, Scheme, Signoff

MAX_CHECKED_SIZE = 60  # quotas are proven feasible for every department of 1 to this many members
TELEGRAM_TEXT_LIMIT = 4000  # a bit under Telegram's 4096 characters, leaving room for a heading
Bound = Literal["at_most", "at_least"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scheme: the key path and what is wrong there."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def problems(scheme: Scheme) -> list[Problem]:
    """Everything wrong with a structurally valid scheme; quotas are tried once all else is right."""
    found = [
        *_rubric_problems(scheme.rubric),
        *_precision_problems(scheme),
        *_grade_problems(scheme),
        *_distribution_problems(scheme),
        *_form_problems(scheme),
        *_adjustment_problems(scheme.adjustments),
        *_phase_problems(scheme.phases),
        *_signoff_problems(scheme.signoff),
    ]
    return found or list(_feasibility_problems(scheme))


def _keyed(keys: Iterable[str], path: str) -> list[tuple[str, str]]:
    """Each key with its path, ``path`` holding ``{}`` for the index."""
    return [(key, path.format(index)) for index, key in enumerate(keys)]


def _duplicates(keyed: Iterable[tuple[str, str]]) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for key, path in keyed:
        if key in first:
            yield Problem(path, f"duplicate key {key!r} (first used at {first[key]})")
        first.setdefault(key, path)


def _rubric_problems(rubric: Rubric) -> Iterator[Problem]:
    yield from _duplicates(_keyed((d.key for d in rubric.dimensions), "rubric.dimensions[{}].key"))
    yield from _duplicates(
        (item.key, f"rubric.dimensions[{d}].items[{i}].key")
        for d, dimension in enumerate(rubric.dimensions)
        for i, item in enumerate(dimension.items)
    )
    for d, dimension in enumerate(rubric.dimensions):
        added = sum((item.points for item in dimension.items), Decimal(0))
        if added != dimension.points:
            yield Problem(
                f"rubric.dimensions[{d}].points", f"its items add up to {added}, not {dimension.points}"
            )
        for i, item in enumerate(dimension.items):
            yield from _anchor_problems(item, f"rubric.dimensions[{d}].items[{i}]")
    weighted = sum((d.points * d.weight for d in rubric.dimensions), Decimal(0))
    if weighted != rubric.total:
        yield Problem("rubric.total", f"the dimensions (points × weight) make {weighted}, not {rubric.total}")


def _anchor_problems(item: Item, path: str) -> Iterator[Problem]:
    for a, anchor in enumerate(item.anchors):
        if anchor.points > item.points:
            yield Problem(f"{path}.anchors[{a}].points", f"{anchor.points} is above the item's {item.points}")
        if a and anchor.points >= item.anchors[a - 1].points:
            yield Problem(f"{path}.anchors[{a}].points", "anchors must go from most points to fewest")


def _precision_problems(scheme: Scheme) -> Iterator[Problem]:
    step, decimals = scheme.scoring.step, scheme.scoring.decimals
    for d, dimension in enumerate(scheme.rubric.dimensions):
        for i, item in enumerate(dimension.items):
            path = f"rubric.dimensions[{d}].items[{i}]"
            values = [(f"{path}.points", item.points)]
            values += [(f"{path}.anchors[{a}].points", x.points) for a, x in enumerate(item.anchors)]
            for where, value in values:
                if value % step:
                    yield Problem(where, f"{value} cannot be entered with scoring.decimals = {decimals}")


def _grade_problems(scheme: Scheme) -> Iterator[Problem]:
    grades = scheme.grades
    yield from _duplicates(_keyed(scheme.grade_keys, "grades[{}].key"))
    last = len(grades) - 1
    if grades[last].min_total is not None:
        yield Problem(f"grades[{last}].min_total", "the last grade takes every lower total: leave it out")
    previous: Decimal | None = None
    for g, grade in enumerate(grades[:last]):
        if grade.min_total is None:
            yield Problem(f"grades[{g}].min_total", "missing (only the last grade has no minimum)")
            continue
        if previous is not None and grade.min_total >= previous:
            yield Problem(f"grades[{g}].min_total", f"must be below the grade before's {previous}")
        previous = grade.min_total
    top = scheme.highest_total()
    first = grades[0].min_total
    if first is not None and top is not None and first > top:
        yield Problem("grades[0].min_total", f"{first} is above the highest possible total {top}")


def _distribution_problems(scheme: Scheme) -> Iterator[Problem]:
    distribution = scheme.distribution
    grade_keys, rating_keys = scheme.grade_keys, distribution.rating_keys
    yield from _duplicates(_keyed(rating_keys, "distribution.ratings[{}].key"))
    if distribution.not_all_alike_from_size == 1:
        yield Problem("distribution.not_all_alike_from_size", "must be 0 (off) or at least 2")
    yield from _gate_problems(grade_keys, rating_keys, distribution.min_rating)
    for q, quota in enumerate(distribution.quotas):
        yield from _duplicates(_keyed(quota.grades, f"distribution.quotas[{q}].grades[{{}}]"))
        for i, key in enumerate(quota.grades):
            if key not in grade_keys:
                yield Problem(f"distribution.quotas[{q}].grades[{i}]", f"no grade {key!r}")


def _gate_problems(grades: Sequence[str], ratings: Sequence[str], gates: dict[str, str]) -> Iterator[Problem]:
    for grade, rating in gates.items():
        if grade not in grades:
            yield Problem(f"distribution.min_rating.{grade}", f"no grade {grade!r}")
        if rating not in ratings:
            yield Problem(f"distribution.min_rating.{grade}", f"no department rating {rating!r}")
    if any(key not in grades or value not in ratings for key, value in gates.items()):
        return
    needed = [ratings.index(gates.get(grade, ratings[-1])) for grade in grades]
    for g in range(1, len(grades)):
        if needed[g] < needed[g - 1]:
            yield Problem(
                f"distribution.min_rating.{grades[g]}",
                f"grade {grades[g]} needs a better department rating than the better grade {grades[g - 1]}",
            )
    if needed[-1] != len(ratings) - 1:
        yield Problem(
            f"distribution.min_rating.{grades[-1]}",
            f"the last grade must be open to every rating, or a {ratings[-1]} department cannot be graded",
        )


def _feasibility_problems(scheme: Scheme) -> Iterator[Problem]:
    distribution = scheme.distribution
    path = "distribution.quotas" if distribution.quotas else "distribution.not_all_alike_from_size"
    rules = ", ".join(str(quota) for quota in distribution.quotas) or "no quotas"
    for rating in distribution.rating_keys:
        allowed = [g for g in scheme.grade_keys if distribution.allows(rating, g)]
        sizes = range(1, MAX_CHECKED_SIZE + 1)
        size = next((n for n in sizes if not _can_grade(n, allowed, distribution)), None)
        if size is not None:
            yield Problem(
                path,
                f"a department of {size} rated {rating!r} (grades {', '.join(allowed)}) cannot meet {rules}"
                f"{' and not all alike' if distribution.forbids_all_alike(size) else ''}",
            )


def _can_grade(size: int, allowed: Sequence[str], distribution: Distribution) -> bool:
    """Whether some spread of ``size`` people over the ``allowed`` grades meets every rule.

    Depth first over the grades, remembering dead ends by what still matters for the grades left:
    the head count left and the running count of each quota that is still open.
    """
    rules = [(set(quota.grades), quota.bound, quota.limit(size)) for quota in distribution.quotas]
    most_in_one = size - 1 if distribution.forbids_all_alike(size) else size

    @cache
    def place(index: int, left: int, inside: tuple[int, ...]) -> bool:
        if index == len(allowed):
            return left == 0
        grade, later = allowed[index], set(allowed[index + 1 :])
        for count in range(min(left, most_in_one), -1, -1):
            counted = [
                total + count if grade in grades else total
                for total, (grades, _, _) in zip(inside, rules, strict=True)
            ]
            if _possible(counted, rules, left - count, later) and place(
                index + 1, left - count, _still_open(counted, rules, later)
            ):
                return True
        return False

    return place(0, size, (0,) * len(rules))


Rules = Sequence[tuple[set[str], Bound, int]]


def _possible(inside: Sequence[int], rules: Rules, left: int, later: set[str]) -> bool:
    """Whether every quota can still be met with ``left`` people to spread over the ``later`` grades."""
    for total, (grades, bound, limit) in zip(inside, rules, strict=True):
        if bound == "at_most" and total > limit:
            return False
        if bound == "at_least" and total + (left if grades & later else 0) < limit:
            return False
    return True


def _still_open(inside: Sequence[int], rules: Rules, later: set[str]) -> tuple[int, ...]:
    """What matters of the counts from here on: an at-least count up to its limit, an open at-most count."""
    return tuple(
        min(total, limit) if bound == "at_least" else total if grades & later else 0
        for total, (grades, bound, limit) in zip(inside, rules, strict=True)
    )


def _form_problems(scheme: Scheme) -> Iterator[Problem]:
    sections = scheme.self_assessment.sections
    yield from _duplicates(_keyed((s.key for s in sections), "self_assessment.sections[{}].key"))
    for s, section in enumerate(sections):
        if section.max_length < section.min_length:
            yield Problem(f"self_assessment.sections[{s}].max_length", "is below min_length")
    scoring = scheme.scoring
    if scoring.comment_max_length < scoring.comment_min_length:
        yield Problem("scoring.comment_max_length", "is below comment_min_length")
    ladder = scheme.reminders.days_before
    if any(later >= earlier for earlier, later in pairwise(ladder)):
        yield Problem("reminders.days_before", "must go from most days before to fewest, without repeats")
    quiet = scheme.reminders.quiet_hours
    if quiet.start == quiet.end:
        yield Problem("reminders.quiet_hours.end", "equals the start; leave quiet hours out or give a span")


def _signoff_problems(signoff: Signoff) -> Iterator[Problem]:
    both = sorted(set(signoff.president) & set(signoff.teacher))
    if both:
        yield Problem("signoff.teacher", f"{', '.join(both)} also sign as president; signers must differ")


def _phase_problems(phases: Sequence[Phase]) -> Iterator[Problem]:
    yield from _duplicates(_keyed((phase.key for phase in phases), "phases[{}].key"))
    for i, phase in enumerate(phases):
        if phase.end < phase.start:
            yield Problem(f"phases[{i}].end", f"{phase.end} is before the start {phase.start}")


def _adjustment_problems(adjustments: Adjustments) -> Iterator[Problem]:
    yield from _duplicates(_keyed((a.key for a in adjustments.deductions), "adjustments.deductions[{}].key"))
    yield from _duplicates(_keyed((a.key for a in adjustments.bonuses), "adjustments.bonuses[{}].key"))
    floor, ceiling = adjustments.floor, adjustments.ceiling
    if floor is not None and ceiling is not None and floor >= ceiling:
        yield Problem("adjustments.ceiling", f"must be above the floor {floor}")
