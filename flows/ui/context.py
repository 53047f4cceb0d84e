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
from storage import accounts
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
    _cycle: list[Cycle | None] = field(default_factory=list, repr=False)

    def locale(self, incoming: Incoming) -> str:
        return locale_for(incoming.language_code, self.default_locale)

    def local_time(self, moment: datetime) -> str:
        """A moment as people here read it: ``2026-12-08 20:00`` in the configured timezone."""
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def member_of(self, telegram_user_id: int) -> Member | None:
        """The member bound to a Telegram account (looked up once per step)."""
        if telegram_user_id not in self._members:
            self._members[telegram_user_id] = accounts.member_of_user(self.session, telegram_user_id)
        return self._members[telegram_user_id]

    def current_cycle(self) -> Cycle | None:
        """The newest cycle that is not archived (looked up once per step)."""
        if not self._cycle:
            self._cycle.append(cycle_store.latest_cycle(self.session))
        return self._cycle[0]
