"""The buttons of ``/self``: ``s:<cycle>:<action>[:<section or rubric item>[:<points>]]``.

Editing a section names the section; tapping a suggested self-score names the rubric item and the
value; every other action carries nothing more. A press with more or fewer is refused like any
other forged button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.ui.buttons import ButtonData, Id, Key


class SelfAction(StrEnum):
    CONFIRM_HEADER = "hdr"  # the header (姓名, 部门, 职务, 任职时间, 院部) is right
    EDIT_TERM = "term"  # correct the term of office
    EDIT_COLLEGE = "col"  # correct the college
    EDIT_HEADER = "hdr_edit"  # show the header again to correct it
    EDIT_SECTION = "ed"  # answer one section again
    EDIT_SCORES = "sc_edit"  # give the self-scores again
    TAP_SCORE = "sc"  # a suggested self-score for one rubric item
    ASK_SUBMIT = "sub"  # ask to confirm the submission
    SUBMIT = "yes"  # submit the form
    REVIEW = "rev"  # back to the whole form
    WITHDRAW = "wd"  # withdraw a submitted form to change it


ARGUMENTS = {action: 0 for action in SelfAction} | {SelfAction.EDIT_SECTION: 1, SelfAction.TAP_SCORE: 2}
"""How many arguments (section or rubric item, points) each action carries."""


@dataclass(frozen=True)
class SelfPress(ButtonData, prefix="s"):
    """A press of a ``/self`` button in ``cycle``."""

    cycle: Id
    action: SelfAction
    key: Key | None = None  # a section's key, or a rubric item's
    points: Key | None = None

    @property
    def well_formed(self) -> bool:
        """Whether it carries exactly the arguments its action takes."""
        given = [value for value in (self.key, self.points) if value is not None]
        return len(given) == ARGUMENTS[self.action]
