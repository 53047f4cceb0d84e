"""``kaohe run``: start the bot (polling by default, webhook by configuration)."""

from __future__ import annotations

import argparse

from bot.config import Config


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("run", help="start the bot (启动机器人)")
    parser.set_defaults(func=run)


def run(config: Config, args: argparse.Namespace) -> int:
    from bot.app import run_bot

    return run_bot(config)
