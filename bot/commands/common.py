"""What the sub-commands share: opening the database with its schema checked, finding the cycle the
operator named, and the usage error."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from flows.ui.i18n import both
from storage import cycles as store
from storage.db import current_revision, head_revision, make_engine
from storage.models import Cycle


class UsageError(Exception):
    """A problem with what the operator asked for, worded for them (exit status 2)."""


def open_database(config: Config) -> Engine:
    """An engine on the configured database, refusing one whose schema is not this code's newest."""
    engine = make_engine(config.database_url)
    current = current_revision(engine)
    if current != head_revision():
        engine.dispose()
        state = "empty" if current is None else f"at schema {current}, this version needs {head_revision()}"
        raise UsageError(f"the database is {state}: run `kaohe init` first")
    return engine


def named_cycle(session: Session, name: str | None) -> Cycle:
    """The cycle the operator named (none named: the newest not archived), or a usage error saying so."""
    cycle = store.cycle_by_name(session, name) if name else store.latest_cycle(session)
    if cycle is None:
        raise UsageError(both("cycle_unknown" if name else "cycle_none", name=name or ""))
    return cycle
