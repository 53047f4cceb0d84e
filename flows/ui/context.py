"""What every conversation step is given: the database session, the clock and the local settings.

Flows never read the wall clock or the configuration themselves; the bot (or a test) hands them a
``FlowContext`` so that time is controllable and the same step behaves the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.ui.chat import Incoming
from flows.ui.i18n import DEFAULT_LOCALE, locale_for
from storage import accounts, roster
from storage import cycles as cycle_store
from storage.models import Cycle, Member


@dataclass
class FlowContext:
    session: Session
    now: datetime  # aware, UTC
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    default_locale: str = DEFAULT_LOCALE
    max_wrong_codes: int = 5
    wrong_code_window: timedelta = timedelta(hours=1)
    _members: dict[int, Member | None] = field(default_factory=dict, repr=False)
    _names: dict[tuple[int, int | None], tuple[str, str | None]] = field(default_factory=dict, repr=False)
    _cycle: list[Cycle | None] = field(default_factory=list, repr=False)

    def locale(self, incoming: Incoming) -> str:
        return locale_for(incoming.language_code, self.default_locale)

    def local_time(self, moment: datetime) -> str:
        """A moment as people here read it: ``2026-12-08 20:00`` in the configured timezone."""
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def member_of(self, telegram_user_id: int) -> Member | None:
        """The member bound to a Telegram account (looked up once per step, with their team's and
        department's names: most steps show them)."""
        if telegram_user_id not in self._members:
            placed = accounts.placed_member_of_user(self.session, telegram_user_id)
            self._members[telegram_user_id] = placed.member if placed is not None else None
            if placed is not None:
                self._names[_placement(placed.member)] = (placed.team, placed.department)
        return self._members[telegram_user_id]

    def team_and_department(self, member: Member) -> tuple[str, str | None]:
        """The names of the member's team and department (None for a team's presidium), read with the
        member when it came from ``member_of``."""
        names = self._names.get(_placement(member))
        return names if names is not None else roster.team_and_department_names(self.session, member)

    def current_cycle(self) -> Cycle | None:
        """The newest cycle that is not archived (looked up once per step)."""
        if not self._cycle:
            self._cycle.append(cycle_store.latest_cycle(self.session))
        return self._cycle[0]


def _placement(member: Member) -> tuple[int, int | None]:
    return member.team_id, member.department_id
