"""The one actor: whoever acts in a cycle (an examinee, a scorer, a reviewer, the appeal desk, an
interview recorder), with what every step of theirs needs.

An actor is a member at work on ``cycle`` through their Telegram account ``user``, speaking
``locale``: the database session and the clock (from the ``FlowContext``), texts in their language,
buttons packed through the codec (``flows.ui.buttons``), where their conversation stands (``flow``
and its saved state), the audit trail of what they did, and one way to say no (``refuse`` raises
``flows.ui.refusal.Refused``). Each flow subclasses it and names its conversation in ``flow``; one
for the committee's work (考核小组) names in ``committee_only`` the message refusing anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar, NoReturn, Self

from sqlmodel import Session

from flows.rules.access import is_committee
from flows.rules.cycles import scheme_of
from flows.rules.scheme import Scheme
from flows.ui.buttons import ButtonData
from flows.ui.chat import Button, Incoming
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.refusal import Refused
from storage import audit, conversations
from storage.models import Cycle, Member


@dataclass
class Actor:
    """A member at work on ``cycle`` through their Telegram account ``user``, speaking ``locale``."""

    context: FlowContext
    locale: str
    member: Member
    cycle: Cycle
    user: int  # their Telegram account

    flow: ClassVar[str] = ""  # the conversation this actor's typed answers belong to
    not_member: ClassVar[str] = "not_member"  # message keys for who cannot act at all
    no_cycle: ClassVar[str] = "no_cycle"
    committee_only: ClassVar[str | None] = None  # for the committee's work: the key refusing anyone else

    @classmethod
    def resolve(cls, context: FlowContext, incoming: Incoming) -> Self:
        """The sender as this kind of actor in the current cycle; ``Refused`` when they cannot be one."""
        member = context.member_of(incoming.telegram_user_id)
        if member is None:
            raise Refused(cls.not_member)
        cycle = context.current_cycle()
        if cycle is None:
            raise Refused(cls.no_cycle)
        if cls.committee_only is not None and not is_committee(member):
            raise Refused(cls.committee_only, reason="not on the committee")
        return cls(context, context.locale(incoming), member, cycle, incoming.telegram_user_id)

    @cached_property
    def scheme(self) -> Scheme:
        """The scheme as it stood when the cycle opened."""
        return scheme_of(self.cycle)

    @property
    def session(self) -> Session:
        return self.context.session

    @property
    def now(self) -> datetime:
        return self.context.now

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return f"member:{self.member.id}"

    def text(self, key: str, **params: object) -> str:
        return render(self.locale, key, **params)

    def local(self, moment: datetime) -> str:
        return self.context.local_time(moment)

    def button(self, label: str, press: ButtonData) -> Button:
        return Button(label, press)

    def record(
        self,
        action: str,
        entity: str,
        entity_id: object,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """Add to the audit trail that they did ``action`` to ``entity`` now, and why if they said
        (committed with the change)."""
        audit.record(
            self.session,
            actor=self.actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
            at=self.now,
        )

    def refuse(self, key: str, *, reason: str | None = None, **params: object) -> NoReturn:
        raise Refused(key, reason=reason, **params)

    # Where their conversation stands

    def remember(self, **state: Any) -> None:
        """Wait for their next typed answer in this actor's conversation, keeping ``state``."""
        conversations.set_conversation(
            self.session, self.user, self.flow, {"cycle": self.cycle.id, **state}, self.now
        )

    def forget(self) -> None:
        conversations.end_conversation(self.session, self.user)

    def position(self) -> dict[str, Any]:
        """The saved state of this actor's conversation in this cycle, or {} when there is none."""
        row = conversations.conversation(self.session, self.user)
        if row is None or row.flow != self.flow or row.state.get("cycle") != self.cycle.id:
            return {}
        return dict(row.state)
