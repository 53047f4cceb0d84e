"""``kaohe init``: create or upgrade the database schema."""

from __future__ import annotations

import argparse

from bot.config import Config
from storage.db import current_revision, head_revision, make_engine, upgrade


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("init", help="create or upgrade the database (创建或升级数据库)")
    parser.set_defaults(func=init)


def init(config: Config, args: argparse.Namespace) -> int:
    engine = make_engine(config.database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    engine.dispose()
    if before == after:
        print(f"database already at schema {after}: nothing to do")
    else:
        print(f"database upgraded from schema {before or '(empty)'} to {after} (head {head_revision()})")
    return 0
