"""The ``kaohe`` command line: one sub-command module per area under ``bot/commands``.

Every sub-command gets the loaded configuration; a configuration or input problem ends with a
clear message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.commands import COMMAND_MODULES
from bot.commands.common import UsageError
from bot.config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaohe",
        description="kaohe 考核: a Telegram bot that runs a student-cadre assessment cycle.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="configuration file (default: $KAOHE_CONFIG, else ./config.toml)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(commands)
    for (
        command
    ) in commands.choices.values():  # `kaohe run --config x` works as well as `kaohe --config x run`
        command.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return int(args.func(config, args) or 0)
    except (ConfigError, UsageError) as error:
        print(f"kaohe: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
