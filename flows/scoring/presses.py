"""The buttons of ``/score``: ``c:<cycle>:<action>[:<examinee>[:<rubric item>[:<points>]]]``, and
``cl:<cycle>:<page>`` for a page of the list of examinees (◀ ▶).

Each action carries exactly the arguments it needs (the list none, a step on one examinee's sheet
the examinee, editing an item the item too, a tapped score the value as well); a press with more
or fewer is refused like any other forged button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.ui.buttons import ButtonData, Id, Index, Key


class ScoreAction(StrEnum):
    LIST = "ls"  # the scorer's examinees
    OPEN = "o"  # an examinee: their self-assessment, then where their sheet stands
    SHOW_SELF = "sa"  # their self-assessment again
    SUMMARY = "sum"  # the sheet's summary
    TAP = "p"  # a suggested score for one rubric item
    EDIT_ITEM = "e"  # score one rubric item again
    EDIT_COMMENT = "cm"  # write the evaluation comment (考评意见) again
    ASK_SUBMIT = "sub"  # ask to confirm the submission
    SUBMIT = "yes"  # submit the sheet


ARGUMENTS = {
    ScoreAction.LIST: 0,
    ScoreAction.OPEN: 1,
    ScoreAction.SHOW_SELF: 1,
    ScoreAction.SUMMARY: 1,
    ScoreAction.TAP: 3,
    ScoreAction.EDIT_ITEM: 2,
    ScoreAction.EDIT_COMMENT: 1,
    ScoreAction.ASK_SUBMIT: 1,
    ScoreAction.SUBMIT: 1,
}
"""How many arguments (examinee, rubric item, points) each action carries."""


@dataclass(frozen=True)
class ScorePress(ButtonData, prefix="c"):
    """A press of a ``/score`` button in ``cycle``."""

    cycle: Id
    action: ScoreAction
    examinee: Id | None = None
    item: Key | None = None
    points: Key | None = None

    @property
    def well_formed(self) -> bool:
        """Whether it carries exactly the arguments its action takes."""
        given = [value for value in (self.examinee, self.item, self.points) if value is not None]
        return len(given) == ARGUMENTS[self.action]


@dataclass(frozen=True)
class ScorePagePress(ButtonData, prefix="cl"):
    """A press of ◀ or ▶ under the list of examinees in ``cycle``: its ``page`` (from 0)."""

    cycle: Id
    page: Index


@dataclass(frozen=True)
class ScoreFoundPress(ButtonData, prefix="cq"):
    """A press of ◀ or ▶ under a search's results in ``cycle``: its ``page`` (from 0) of what the search
    the conversation remembers finds now (the typed text is too long for a button)."""

    cycle: Id
    page: Index
