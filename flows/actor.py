"""Someone acting on the current cycle in a conversation (a scorer, a reviewer): what each step needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from flows.rules.scheme import Scheme
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage.cycle_models import Cycle
from storage.models import Member


@dataclass
class CycleActor:
    """A member at work on ``cycle`` through their Telegram account ``user``, speaking ``locale``."""

    context: FlowContext
    locale: str
    member: Member
    cycle: Cycle
    scheme: Scheme
    user: int  # their Telegram account

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
