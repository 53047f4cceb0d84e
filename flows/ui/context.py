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


@dataclass
class FlowContext:
    session: Session
    now: datetime  # aware, UTC
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    default_locale: str = DEFAULT_LOCALE
    max_wrong_codes: int = 5
    wrong_code_window: timedelta = timedelta(hours=1)

    def locale(self, incoming: Incoming) -> str:
        return locale_for(incoming.language_code, self.default_locale)

    def local_time(self, moment: datetime) -> str:
        """A moment as people here read it: ``2026-12-08 20:00`` in the configured timezone."""
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
