"""``kaohe backup`` and ``kaohe restore`` (备份与恢复): keep a copy of the database, put one back."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot.commands.common import UsageError
from bot.config import Config
from flows.ui.i18n import plain
from storage.backup import BackupError, backup, is_sqlite, restore
from storage.db import current_revision, head_revision, make_engine


def add_parser(commands: argparse._SubParsersAction) -> None:
    saving = commands.add_parser("backup", help="back up the database, even while the bot runs (备份)")
    saving.add_argument(
        "file", metavar="FILE", nargs="?", type=Path, help="where to write it (default: kaohe-backup-TIME.*)"
    )
    saving.set_defaults(func=backup_command)
    putting = commands.add_parser("restore", help="replace the database with a backup (恢复)")
    putting.add_argument("file", metavar="FILE", type=Path, help="a file written by kaohe backup")
    putting.add_argument("--yes", action="store_true", help="do not ask before replacing the database")
    putting.set_defaults(func=restore_command)


def backup_command(config: Config, args: argparse.Namespace) -> int:
    url = config.database_url
    suffix = ".sqlite3" if is_sqlite(url) else ".pgdump"
    target = args.file or Path(f"kaohe-backup-{datetime.now():%Y%m%d-%H%M%S}{suffix}")
    try:
        written = backup(url, target)
    except BackupError as error:
        raise UsageError(str(error)) from None
    print(plain(config.settings.language, "backup_written", path=written, size=written.stat().st_size))
    return 0


def restore_command(config: Config, args: argparse.Namespace) -> int:
    language = config.settings.language
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(plain(language, "restore_needs_yes"))
        if input(plain(language, "restore_confirm", path=args.file) + " [y/N] ").strip().lower() not in (
            "y",
            "yes",
        ):
            return 1
    try:
        kept = restore(config.database_url, args.file)
    except BackupError as error:
        raise UsageError(str(error)) from None
    engine = make_engine(config.database_url)
    revision = current_revision(engine)
    engine.dispose()
    print(
        plain(language, "restore_done", path=args.file, kept=kept or "", current=revision == head_revision())
    )
    return 0
