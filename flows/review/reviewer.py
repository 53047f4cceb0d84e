"""A committee member (考核小组成员) at work in ``/review``: who they are, the cycle, and what a button names.

Every press and every typed answer builds a fresh ``Reviewer`` from the database, so the presser's
rights are checked each time (``flows.rules.access``) and nothing is trusted from the button itself:
an examinee, a department or a rule break a button names is looked up again in this cycle, and a
refusal (``flows.ui.refusal.Refused``) is raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Concatenate, ParamSpec, Self, TypeVar

from flows.actor import Actor
from flows.results.board import Board, Entry, load_board
from flows.rules import access
from flows.rules.scheme import Item
from flows.ui.buttons import ButtonData
from flows.ui.chat import Action, Button, Incoming
from flows.ui.context import FlowContext
from flows.ui.live import ensure_live, shown_live
from flows.ui.refusal import Refused
from flows.ui.text import points
from storage import cycles as cycle_store
from storage.models import SelfStatus

FLOW = "review"
P = TypeVar("P", bound=ButtonData)
Fields = ParamSpec("Fields")
PressHandler = Callable[[FlowContext, Incoming, Any], list[Action]]


@dataclass
class Reviewer(Actor):
    """A committee member reviewing the current cycle."""

    flow: ClassVar[str] = FLOW
    not_member: ClassVar[str] = "review_not_member"
    no_cycle: ClassVar[str] = "review_no_cycle"

    @classmethod
    def resolve(cls, context: FlowContext, incoming: Incoming) -> Self:
        """The sender as a committee member reviewing the current cycle, or ``Refused``."""
        member = context.member_of(incoming.telegram_user_id)
        if member is not None and not access.can_review(member):
            raise Refused("review_not_committee")
        return super().resolve(context, incoming)

    @property
    def frozen(self) -> bool:
        """Signed off and released: nothing may change any more."""
        return self.cycle.released_at is not None

    def bad_score(self, typed: str, item: Item) -> str:
        """Why a typed score was refused, with the range and precision the item takes."""
        return self.text(
            "review_bad_score",
            value=typed[:20],
            max=points(item.points),
            decimals=self.scheme.scoring.decimals,
        )

    def board(self) -> Board:
        return load_board(self.session, self.cycle)

    def can_take_over(self, entry: Entry) -> bool:
        """A scorer's sheet still unsubmitted after the scoring deadline, not yet taken over
        (flows.review.takeover)."""
        return (
            entry.examinee.scorer_member_id is not None
            and not entry.submitted
            and not entry.taken_over
            and self.now >= self.cycle.score_due
        )

    def self_missing(self, entry: Entry) -> bool | None:
        """True when the examinee's self-assessment is recorded as missing (缺交); None while it may be
        so recorded (its deadline passed, not submitted); False otherwise."""
        assessment = cycle_store.self_assessment(self.session, entry.examinee.id)
        status = assessment.status if assessment is not None else None
        if status == SelfStatus.MISSING:
            return True
        if status != SelfStatus.SUBMITTED and self.now >= self.cycle.self_due:
            return None
        return False

    def cycle_button(
        self,
        label: str,
        family: Callable[Concatenate[int, Fields], ButtonData],
        *fields: Fields.args,
        **named: Fields.kwargs,
    ) -> Button:
        """A button of this cycle's review: a press of ``family`` naming this cycle, then ``fields``."""
        return self.button(label, family(self.cycle.id, *fields, **named))

    # What a button or a saved answer names, with the presser's rights checked

    def entry(self, examinee_id: object) -> Entry:
        """The examinee ``examinee_id`` names, in this cycle (or raise Refused)."""
        entry = self.board().entry(examinee_id) if isinstance(examinee_id, int) else None
        if entry is None:
            self.refuse("review_stale", reason="no such examinee in this cycle")
        return entry

    def changeable(self, examinee_id: object, *, submitted: bool = True) -> Entry:
        """The examinee ``examinee_id`` names, if the presser may change their result now (or Refused)."""
        entry = self.entry(examinee_id)
        if self.frozen:
            self.refuse("review_frozen")
        if not access.can_change_result(self.member, entry.examinee):
            self.refuse("review_not_yours")
        if submitted and not entry.submitted:
            self.refuse("review_not_submitted")
        return entry


def place_in(items: Sequence[object], index: object) -> int:
    """``index``, if it is a place in ``items`` as the presser was shown them (or raise Refused)."""
    if not isinstance(index, int) or not 0 <= index < len(items):
        raise Refused("review_stale", reason="no such place in the list")
    return index


def reviewing(step: Callable[[Reviewer, P], list[Action]], opens: Callable[[P], bool]) -> PressHandler:
    """A press handler for the router: the presser as a reviewer (or refused), a press on a replaced
    screen refused unless it ``opens`` one, then ``step``, shown on the review's live message (a chart,
    being a picture, as a message of its own)."""

    def handler(context: FlowContext, incoming: Incoming, press: P) -> list[Action]:
        reviewer = Reviewer.resolve(context, incoming)
        if not opens(press):
            ensure_live(context, incoming, FLOW)
        return shown_live(FLOW, step(reviewer, press))

    return handler
