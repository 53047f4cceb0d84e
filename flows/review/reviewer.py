"""A committee member (考核小组成员) at work in ``/review``: who they are, the cycle, their texts and buttons.

Every press and every typed answer builds a fresh ``Reviewer`` from the database, so the presser's
rights are checked each time (``flows.rules.access``) and nothing is trusted from the button itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flows.actor import Actor
from flows.review.board import Board, Entry, load_board
from flows.rules import access
from flows.rules.scheme import Item
from flows.ui.chat import Button, Incoming
from flows.ui.context import FlowContext
from flows.ui.i18n import locale_for, render
from flows.ui.text import points, split_message
from storage import accounts, outbox
from storage import cycles as cycle_store

FLOW = "review"
PREFIX = "r"


@dataclass
class Reviewer(Actor):
    """A committee member reviewing the current cycle."""

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

    def button(self, label: str, action: str, *args: object) -> Button:
        """A button of this conversation: ``r:<cycle>:<action>[:<argument>...]``."""
        return Button(label, ":".join(str(part) for part in (PREFIX, self.cycle.id, action, *args)))

    def remember(self, awaiting: str, **state: object) -> None:
        """Wait for a typed answer (``awaiting``), keeping what the next step needs."""
        state = {"cycle": self.cycle.id, "awaiting": awaiting, **state}
        cycle_store.set_conversation(self.session, self.user, FLOW, state, self.now)

    def forget(self) -> None:
        cycle_store.end_conversation(self.session, self.user)


class Refused(Exception):
    """A press or an answer the presser may not make now; ``key`` names the message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# Finding what a button names, with the presser's rights checked


def index_of(arguments: Sequence[str], position: int, size: int) -> int:
    """The number at ``position`` of a button's arguments, if it is below ``size`` (or raise Refused)."""
    if len(arguments) <= position or not arguments[position].isdigit() or int(arguments[position]) >= size:
        raise Refused("review_stale")
    return int(arguments[position])


def entry_named(reviewer: Reviewer, arguments: Sequence[str]) -> Entry:
    """The examinee a button names, in this cycle."""
    entry = reviewer.board().entry(int(arguments[0])) if arguments and arguments[0].isdigit() else None
    if entry is None:
        raise Refused("review_stale")
    return entry


def changeable(reviewer: Reviewer, arguments: Sequence[str], *, submitted: bool = True) -> Entry:
    """The examinee a button names, if the presser may change their result now (or raise Refused)."""
    entry = entry_named(reviewer, arguments)
    if reviewer.frozen:
        raise Refused("review_frozen")
    if not access.can_change_result(reviewer.member, entry.examinee):
        raise Refused("review_not_yours")
    if submitted and not entry.submitted:
        raise Refused("review_not_submitted")
    return entry


def reviewer_for(context: FlowContext, incoming: Incoming) -> Reviewer | str:
    """The presser as a reviewer of the current cycle, or the message key saying why they are not one."""
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return "review_not_member"
    if not access.can_review(member):
        return "review_not_committee"
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None:
        return "review_no_cycle"
    return Reviewer(context, context.locale(incoming), member, cycle, incoming.telegram_user_id)


def tell(context: FlowContext, member_id: int, dedupe_key: str, compose: Callable[[str], str]) -> bool:
    """Queue a private notice to a member through the outbox, composed in their own language, once per
    ``dedupe_key`` (a long one in several parts); False when they have no private chat with the bot."""
    binding = accounts.binding_of_member(context.session, member_id)
    if binding is None:
        return False
    parts = split_message(compose(locale_for(binding.language_code, context.default_locale)))
    for number, part in enumerate(parts, start=1):
        outbox.queue(
            context.session,
            dedupe_key=dedupe_key if len(parts) == 1 else f"{dedupe_key}:{number}",
            chat_id=binding.chat_id,
            text=part,
            not_before=context.now,
        )
    return True


def message(key: str, **params: object) -> Callable[[str], str]:
    """A notice ``key`` with ``params``, to be composed in its recipient's language (for ``tell``)."""
    return lambda locale: render(locale, key, **params)
