"""The assessment scheme (考核方案): rubric, grades, distribution rules, forms and clocks, read from TOML.

A scheme file (the shipped default is ``flows/schemes/student-cadre.toml``; ``docs/scheme-format.md`` explains
every key) is checked twice when it is loaded. Pydantic checks each value's type and range and refuses
unknown keys; then ``flows.rules.scheme_checks`` checks what spans several values (points adding
up, unique keys, ordered grade bands, quotas every department can meet). Each error names the
file and the key path, e.g. ``rubric.dimensions[1].items[0].points``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Self, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from flows.rules.scheme_checks import TELEGRAM_TEXT_LIMIT, Bound, Problem, problems

SCHEMES_DIR = Path(__file__).resolve().parents[1] / "schemes"  # shipped inside the package
DEFAULT_SCHEME = SCHEMES_DIR / "student-cadre.toml"

Key = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=24)]


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


def _from_pydantic(error: ErrorDetails) -> Problem:
    path, message = "", error["msg"].removeprefix("Value error, ")
    for part in error["loc"]:
        if part == "[key]":  # pydantic's mark for a bad key of a table such as min_rating
            message = f"bad key: {message}"
        else:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return Problem(path or "(top level)", message)
