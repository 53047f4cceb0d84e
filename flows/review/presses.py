"""The buttons of ``/review``, as button families of the one codec (``flows.ui.buttons``).

Every family names the cycle it was shown in (the router refuses any but the current one), what it
does (an enum), then what it points at: a place in a list on screen (``Index``: a department, a team,
a rule break), an examinee (``Id``), a key from the scheme or a typed value (``Key``: a rating, a
grade, a rubric item, a score), or the version of the results the presser saw (``Id``). A press
that does not carry exactly the fields its step takes is not ``complete`` and is refused; what a
complete one names is looked up again, with the presser's rights, before anything is read or changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.ui.buttons import ButtonData, Id, Index, Key


class View(StrEnum):
    """Where a press of the review's screens leads."""

    OVERVIEW = "o"
    GROUP = "g"  # a department (or a team's presidium), by its ``place`` in the overview
    CHART = "c"  # a team's grade distribution, by the team's ``place`` in the overview
    ACCEPT = "a"  # the department at ``place``'s rule break ``rule_break``, accepted (a reason follows)
    # on its ``page`` (the page shown again after)


_PLACES = {View.OVERVIEW: 0, View.GROUP: 1, View.CHART: 1, View.ACCEPT: 2}


@dataclass(frozen=True)
class ReviewPress(ButtonData, prefix="r"):
    """The overview, a department, a team's chart, or accepting a rule break (see ``View``)."""

    cycle: Id
    view: View
    place: Index | None = None  # a department's or a team's, in the overview
    rule_break: Index | None = None  # one of the department's rule breaks, on its screen
    page: Index | None = None  # the department's page it was pressed on (accepting a rule break)

    @property
    def complete(self) -> bool:
        """Whether it carries exactly the places its view needs (and a page only to accept)."""
        places = sum(value is not None for value in (self.place, self.rule_break)) == _PLACES[self.view]
        return places and (self.page is None or self.view is View.ACCEPT)


@dataclass(frozen=True)
class RatingPress(ButtonData, prefix="rr"):
    """部门业绩评价: the department at ``group`` in the overview gets ``rating``, pressed on the
    department's ``page`` (shown again after)."""

    cycle: Id
    group: Index
    rating: Key
    page: Index | None = None


class ExamineeStep(StrEnum):
    """What a button on an examinee's screen does."""

    OPEN = "o"  # show their scores, grade and history
    SELF_ASSESSMENT = "sa"  # read their self-assessment (附表一)
    PICK_ITEM = "sc"  # choose the item whose score to change
    CHANGE_SCORE = "cs"  # change the score of the rubric item ``key`` (the score and a reason follow)
    PICK_GRADE = "gd"  # choose the grade to give instead
    CHANGE_GRADE = "cg"  # give the grade ``key`` instead (a reason follows)
    RETURN = "rs"  # return the sheet to its scorer (a note follows)
    PRESIDENT = "p"  # the committee's score sheet for a president: take it up where it was left
    PRESIDENT_ITEM = "pi"  # its rubric item ``key``: with ``score``, that suggested score; without, ask
    PRESIDENT_COMMENT = "pc"  # write the president's evaluation comment again
    PRESIDENT_ASK_SUBMIT = "pa"  # ask before submitting the president's sheet
    PRESIDENT_SUBMIT = "py"  # submit it
    TAKE_OVER = "to"  # take over a sheet its scorer did not submit by the deadline (a reason follows)
    MARK_MISSING = (
        "sm"  # record a self-assessment not submitted by its deadline as missing (a reason follows)
    )


_KEYED = frozenset({ExamineeStep.CHANGE_SCORE, ExamineeStep.CHANGE_GRADE, ExamineeStep.PRESIDENT_ITEM})


@dataclass(frozen=True)
class ExamineePress(ButtonData, prefix="re"):
    cycle: Id
    step: ExamineeStep
    examinee: Id
    key: Key | None = None
    score: Key | None = None

    @property
    def complete(self) -> bool:
        """Whether it carries a key just when its step takes one, and a score only for a president's item."""
        if self.score is not None and self.step is not ExamineeStep.PRESIDENT_ITEM:
            return False
        return (self.key is not None) == (self.step in _KEYED)


class SignStep(StrEnum):
    """A step of the sign-off (复核签字), each on the version of the results its presser saw."""

    ASK_CONFIRM = "cf"
    CONFIRM = "cfy"  # 复核确认
    ASK_PRESIDENT = "sp"
    PRESIDENT = "spn"  # 学生联合会主席签字, without a comment
    ASK_TEACHER = "st"
    TEACHER = "sty"  # 团委老师签字, which releases the results


@dataclass(frozen=True)
class SignPress(ButtonData, prefix="rf"):
    cycle: Id
    step: SignStep
    version: Id


@dataclass(frozen=True)
class PagePress(ButtonData, prefix="rp"):
    """◀ or ▶ under a long list: page ``page`` (from 0) of the overview's departments, or with ``group``
    of the examinees of the department at that place in the overview; also the way back to the page
    a department or an examinee was on."""

    cycle: Id
    page: Index
    group: Index | None = None


@dataclass(frozen=True)
class FoundPagePress(ButtonData, prefix="rq"):
    """◀ or ▶ under a search's results: page ``page`` (from 0) of what the search the review remembers
    finds now (the typed text is too long for a button, so it is kept with the conversation)."""

    cycle: Id
    page: Index
