"""``kaohe init``: create or upgrade the database schema."""

from __future__ import annotations

import argparse
import stat
import sys

from bot.config import Config
from flows.ui.i18n import plain
from storage.db import current_revision, make_engine, normalise_url, sqlite_path, upgrade


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("init", help="create or upgrade the database (创建或升级数据库)")
    parser.set_defaults(func=init)


def warn_if_readable(url: str, locale: str) -> None:
    """Say so when the SQLite database file can be read by users other than its owner."""
    path = sqlite_path(normalise_url(url))
    if path is not None and path.exists() and path.stat().st_mode & 0o044:
        mode = f"{stat.S_IMODE(path.stat().st_mode):o}"
        print(plain(locale, "database_readable", path=str(path), mode=mode), file=sys.stderr)


def init(config: Config, args: argparse.Namespace) -> int:
    warn_if_readable(config.database_url, config.settings.language)
    engine = make_engine(config.database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    engine.dispose()
    print(plain(config.settings.language, "cli_database_upgraded", before=before, after=after))
    return 0
