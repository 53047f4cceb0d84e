"""The assessment scheme (考核方案): rubric, grades, distribution rules, forms and clocks, read from TOML.

A scheme file (the shipped default is ``schemes/student-cadre.toml``; ``docs/scheme-format.md`` explains
every key) is checked twice when it is loaded. Pydantic checks each value's type and range and refuses
unknown keys; then :func:`problems` checks what spans several values: item points add up to their
dimension's and the dimensions to the total (考核量表, 附表二), keys are unique, the grade bands
(考核等级) are ordered and cover every total, the department-rating gates and the quotas can be met by
every department. Each error names the file and the key path, e.g. ``rubric.dimensions[1].items[0].points``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal, Self, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMES_DIR = Path(__file__).resolve().parents[2] / "schemes"
DEFAULT_SCHEME = SCHEMES_DIR / "student-cadre.toml"
MAX_CHECKED_SIZE = 60  # quotas are proven feasible for every department of 1 to this many members
TELEGRAM_TEXT_LIMIT = 4000  # a bit under Telegram's 4096 characters, leaving room for a heading

Key = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=24)]
Bound = Literal["at_most", "at_least"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scheme: the key path and what is wrong there."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SchemeError(Exception):
    """A scheme that cannot be used; ``str()`` gives one line per problem, each naming file and key."""

    def __init__(self, problems: Sequence[Problem], source: str = "scheme") -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__("\n".join(f"{source}: {problem}" for problem in self.problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Chinese and in English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def for_locale(self, locale: str) -> str:
        return self.zh if locale.lower().startswith("zh") else self.en


class Anchor(_Model):
    """What a score of about ``points`` looks like for one item: one cell of the 考核量表."""

    points: Decimal = Field(ge=0)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @property
    def text(self) -> Text:
        return Text(zh=self.zh, en=self.en)


class Item(_Model):
    """One scored item (考核项目) of a dimension, e.g. 工作业绩, worth up to ``points``."""

    key: Key
    name: Text
    points: Decimal = Field(gt=0)
    description: Text
    anchors: tuple[Anchor, ...] = ()


class Dimension(_Model):
    """A dimension (考核内容) such as 工作绩效; its items add up to ``points``, counted × ``weight``."""

    key: Key
    name: Text
    points: Decimal = Field(gt=0)
    weight: Decimal = Field(default=Decimal(1), gt=0)
    description: Text
    items: tuple[Item, ...] = Field(min_length=1)


class Rubric(_Model):
    """The rubric (考核量表): dimensions of items, adding up (weighted) to ``total``."""

    total: Decimal = Field(default=Decimal(100), gt=0)
    dimensions: tuple[Dimension, ...] = Field(min_length=1)

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item in the order of the score sheet (附表三)."""
        return tuple(item for dimension in self.dimensions for item in dimension.items)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"no rubric item {key!r}")

    def dimension_of(self, item_key: str) -> Dimension:
        for dimension in self.dimensions:
            if any(item.key == item_key for item in dimension.items):
                return dimension
        raise KeyError(f"no rubric item {item_key!r}")


class Grade(_Model):
    """A grade (考核等级) and its band: totals from ``min_total`` up; the last grade has no minimum."""

    key: Key
    name: Text
    meaning: Text
    min_total: Decimal | None = None


class Rating(_Model):
    """A department rating (部门业绩评价) set by the committee, e.g. outstanding 优秀."""

    key: Key
    name: Text


class Quota(_Model):
    """At most or at least a fraction of a department in a set of grades, e.g. at most 30% S.

    Small groups round as SAP SuccessFactors does: an at-most quota rounds up, an at-least quota
    rounds down, so that a small department can always meet them.
    """

    grades: tuple[Key, ...] = Field(min_length=1)
    at_most: Decimal | None = Field(default=None, gt=0, le=1)
    at_least: Decimal | None = Field(default=None, gt=0, le=1)

    @field_validator("grades", mode="before")
    @classmethod
    def _one_grade_as_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("give exactly one of at_most and at_least")
        return self

    @property
    def bound(self) -> Bound:
        return "at_most" if self.at_most is not None else "at_least"

    @property
    def fraction(self) -> Decimal:
        return self.at_most if self.at_most is not None else cast(Decimal, self.at_least)

    def limit(self, size: int) -> int:
        """The allowed count in a department of ``size``: rounded up for at most, down for at least."""
        share = self.fraction * size
        return math.ceil(share) if self.bound == "at_most" else math.floor(share)

    def __str__(self) -> str:
        return f"{self.bound.replace('_', ' ')} {self.fraction:%} {'+'.join(self.grades)}"


class Distribution(_Model):
    """How a department's grades may be spread (拉开档次): rating gates, quotas, not all alike."""

    ratings: tuple[Rating, ...] = Field(
        default=(
            Rating(key="outstanding", name=Text(zh="优秀", en="outstanding")),
            Rating(key="good", name=Text(zh="良好", en="good")),
            Rating(key="ordinary", name=Text(zh="一般", en="ordinary")),
        ),
        min_length=1,
    )
    min_rating: dict[Key, Key] = Field(default_factory=lambda: {"S": "outstanding", "A": "good"})
    quotas: tuple[Quota, ...] = (Quota(grades=("S",), at_most=Decimal("0.3")),)
    not_all_alike_from_size: int = Field(default=3, ge=0)  # 0: the rule is off

    def forbids_all_alike(self, size: int) -> bool:
        """Whether a department of ``size`` may not all share one grade (or one total)."""
        return 0 < self.not_all_alike_from_size <= size

    @property
    def rating_keys(self) -> tuple[str, ...]:
        """Best first."""
        return tuple(rating.key for rating in self.ratings)

    def allows(self, rating: str, grade: str) -> bool:
        """Whether a department rated ``rating`` may have members graded ``grade``."""
        keys = self.rating_keys
        if rating not in keys:
            raise ValueError(f"no department rating {rating!r}")
        needed = self.min_rating.get(grade, keys[-1])
        return keys.index(rating) <= keys.index(needed)


class Section(_Model):
    """One section of the self-assessment form (自我评定表, 附表一)."""

    key: Key
    title: Text
    prompt: Text
    min_length: int = Field(default=20, ge=0)
    max_length: int = Field(default=1500, ge=1, le=TELEGRAM_TEXT_LIMIT)


class SelfAssessment(_Model):
    """The self-assessment (自我评定): its sections, and whether examinees also score themselves."""

    self_score: bool = False
    sections: tuple[Section, ...] = Field(min_length=1)


class Appeals(_Model):
    """The appeal (申诉) window after results are released, and the two clocks that follow."""

    window_days: int = Field(default=3, ge=1)
    escalate_within_hours: int = Field(default=24, ge=1)
    decide_within_days: int = Field(default=7, ge=1)


class QuietHours(_Model):
    """Local hours in which no reminder is sent; the span may cross midnight."""

    start: time = time(23, 0)
    end: time = time(7, 0)

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class Reminders(_Model):
    """The reminder ladder (催办): days before a deadline (0 the day itself, negative overdue)."""

    days_before: tuple[int, ...] = (3, 1, 0, -1)
    quiet_hours: QuietHours = QuietHours()


class Scoring(_Model):
    """How a supervisor scores: input precision and the evaluation comment's (考评意见) length."""

    decimals: Literal[0, 1] = 1
    comment_min_length: int = Field(default=10, ge=0)
    comment_max_length: int = Field(default=1000, ge=1, le=TELEGRAM_TEXT_LIMIT)

    @property
    def step(self) -> Decimal:
        """The smallest score step: 1 or 0.1."""
        return Decimal(1).scaleb(-self.decimals)


CommitteeRoleKey = Literal["chief_adviser", "leader", "deputy_leader", "member"]


class Signoff(_Model):
    """Who signs the results once the committee has confirmed them (SCHEME.md §10), as committee roles:
    first the student federation's president (学联主席, 复核意见), then a teacher (团委老师签字)."""

    president: tuple[CommitteeRoleKey, ...] = Field(default=("deputy_leader",), min_length=1)
    teacher: tuple[CommitteeRoleKey, ...] = Field(default=("chief_adviser", "leader"), min_length=1)


class Adjustment(_Model):
    """A kind of deduction (扣分) or bonus (加分), e.g. one inspecting body's, with an optional cap."""

    key: Key
    name: Text
    cap: Decimal | None = Field(default=None, gt=0)


class Adjustments(_Model):
    """Deductions and bonuses after the weighted total, their caps, and the total's floor and ceiling."""

    deductions: tuple[Adjustment, ...] = ()
    bonuses: tuple[Adjustment, ...] = ()
    deduction_cap: Decimal | None = Field(default=None, gt=0)
    bonus_cap: Decimal | None = Field(default=None, gt=0)
    floor: Decimal | None = None
    ceiling: Decimal | None = None


class Phase(_Model):
    """A named stretch of the assessment year with its dates, e.g. 动员部署 5/9–6/30."""

    key: Key
    name: Text
    start: date
    end: date


class Scheme(_Model):
    """A whole assessment scheme; constructing one runs every check, raising SchemeError."""

    key: Key
    name: Text
    rubric: Rubric
    grades: tuple[Grade, ...] = Field(min_length=1)
    distribution: Distribution = Distribution()
    self_assessment: SelfAssessment
    appeals: Appeals = Appeals()
    reminders: Reminders = Reminders()
    scoring: Scoring = Scoring()
    adjustments: Adjustments = Adjustments()
    phases: tuple[Phase, ...] = ()
    signoff: Signoff = Signoff()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        found = problems(self)
        if found:
            raise SchemeError(found)
        return self

    @property
    def grade_keys(self) -> tuple[str, ...]:
        """Best first."""
        return tuple(grade.key for grade in self.grades)

    def grade(self, key: str) -> Grade:
        for grade in self.grades:
            if grade.key == key:
                return grade
        raise KeyError(f"no grade {key!r}")

    def highest_total(self) -> Decimal | None:
        """The highest total possible, or None when uncapped bonuses leave it open."""
        adjustments = self.adjustments
        if adjustments.ceiling is not None:
            return adjustments.ceiling
        if not adjustments.bonuses:
            return self.rubric.total
        return None if adjustments.bonus_cap is None else self.rubric.total + adjustments.bonus_cap


# Loading


def parse_scheme(data: dict, source: str = "scheme") -> Scheme:
    """Validate already-parsed TOML data; raise SchemeError naming ``source`` and every key at fault."""
    try:
        return Scheme.model_validate(data)
    except ValidationError as error:
        raise SchemeError([_from_pydantic(e) for e in error.errors(include_input=False)], source) from None
    except SchemeError as error:
        raise SchemeError(error.problems, source) from None


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SchemeError([Problem("(file)", f"not valid TOML: {error}")], str(path)) from error
    except (OSError, UnicodeDecodeError) as error:
        raise SchemeError([Problem("(file)", f"cannot be read: {error}")], str(path)) from error
    return parse_scheme(data, str(path))


@cache
def default_scheme() -> Scheme:
    """The shipped student-cadre scheme (学生干部考核方案)."""
    return load_scheme(DEFAULT_SCHEME)


def _from_pydantic(error: dict) -> Problem:
    path, message = "", error["msg"].removeprefix("Value error, ")
    for part in error["loc"]:
        if part == "[key]":  # pydantic's mark for a bad key of a table such as min_rating
            message = f"bad key: {message}"
        else:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return Problem(path or "(top level)", message)


# Checks across values


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
