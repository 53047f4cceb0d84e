"""What the sub-commands share: opening the database with its schema checked, and the usage error."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.config import Config
from storage.db import current_revision, head_revision, make_engine


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
