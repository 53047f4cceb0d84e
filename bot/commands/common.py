"""What the sub-commands share: opening the database with its schema checked, finding the cycle the
operator named, the usage error, the console that prints roster text as text, and private files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Config
from flows.ui.i18n import DEFAULT_LOCALE, plain
from storage import cycles as store
from storage.db import current_revision, head_revision, make_engine
from storage.models import Cycle

if TYPE_CHECKING:
    from rich.console import Console


class UsageError(Exception):
    """A problem with what the operator asked for, worded for them (exit status 2)."""


def open_database(config: Config) -> Engine:
    """An engine on the configured database, refusing one whose schema is not this code's newest."""
    engine = make_engine(config.database_url)
    current = current_revision(engine)
    if current != head_revision():
        engine.dispose()
        raise UsageError(
            plain(config.settings.language, "cli_database_not_ready", current=current, head=head_revision())
        )
    return engine


def named_cycle(session: Session, name: str | None, locale: str = DEFAULT_LOCALE) -> Cycle:
    """The cycle the operator named (none named: the newest not archived), or a usage error saying so."""
    cycle = store.cycle_by_name(session, name) if name else store.latest_cycle(session)
    if cycle is None:
        raise UsageError(plain(locale, "cycle_unknown" if name else "cycle_none", name=name or ""))
    return cycle


PLAIN_WIDTH = 200  # when the output is not a terminal (a pipe, a file, a test)


def console(file: TextIO | None = None, *, width: int | None = None) -> Console:
    """The console every command prints through: no markup, no emoji codes, no highlighting, so that a
    name such as ``[/]`` or ``[bold red]孙[/bold red]李`` from the roster prints exactly as it is. (Rich is
    imported here: a command that prints only lines starts without it.)"""
    from rich.console import Console

    file = file or sys.stdout
    terminal = getattr(file, "isatty", lambda: False)()
    return Console(
        file=file,
        width=width or (None if terminal else PLAIN_WIDTH),
        no_color=not terminal,
        markup=False,
        emoji=False,
        highlight=False,
    )


def write_private(target: Path, data: bytes) -> None:
    """Write a file only its owner can read (0600), creating missing folders 0700, whatever the umask."""
    missing = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)
    target.write_bytes(data)
    target.chmod(0o600)
