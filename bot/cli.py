"""The ``kaohe`` command line: one sub-command module per area under ``bot/commands``.

Every sub-command gets the loaded configuration, its ``language`` replaced by ``--lang`` when given: each
line a command prints is in that one language. (``--help`` stays bilingual: argparse writes it before
the configuration, which may name the language, is read.) Whatever it does, files it creates are the owner's
alone (umask 077), and the configuration's secrets are scrubbed from everything it prints. Every
failure ends in ``bot.failures``: one clear line (exit status 2 for a problem with the configuration
or the request, 1 otherwise), never a bare traceback.

Start-up (loading SQLAlchemy, pydantic, the table classes and the command's modules: about half of a
short command's time) runs with the cyclic garbage collector paused: its hundreds of thousands of
objects are long-lived, and each collection they set off would scan them all again. A process of its
own (``kaohe``, ``python -m bot.cli``) then moves them to the collector's permanent generation
(``gc.freeze``), so that the command's own collections leave them alone; a call in a process that
runs other things (a test) leaves the collector as it found it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.commands import command_modules
from flows.collector import collector_paused

if TYPE_CHECKING:
    from bot.config import Config

PRIVATE_UMASK = 0o077  # databases, exports, backups and logs readable by their owner only


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of ``argv``'s command (of every command when ``argv`` is None)."""
    from flows.rules.names import LOCALES

    parser = argparse.ArgumentParser(
        prog="kaohe",
        description="kaohe 考核: a Telegram bot that runs a student-cadre assessment cycle.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="configuration file (default: $KAOHE_CONFIG, else ./config.toml)"
    )
    parser.add_argument(
        "--lang",
        choices=LOCALES,
        help="language of the output, 输出语言 (default: language in the configuration, else zh-CN)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in command_modules(argv):
        module.add_parser(commands)
    _accept_anywhere(parser)
    return parser


def _accept_anywhere(parser: argparse.ArgumentParser) -> None:
    """``kaohe roster show --lang en`` works as well as ``kaohe --lang en roster show`` (and --config)."""
    from flows.rules.names import LOCALES

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
                )
                command.add_argument(
                    "--lang", choices=LOCALES, default=argparse.SUPPRESS, help=argparse.SUPPRESS
                )
                _accept_anywhere(command)


def _run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.failures import report
    from bot.logs import protected_output
    from flows.ui.i18n import DEFAULT_LOCALE

    config: Config | None = None
    try:
        config = load_config(args.config)
        if args.lang:
            config.settings.language = args.lang
        with protected_output(config.secrets()):
            try:
                return int(args.func(config, args) or 0)
            except Exception as error:
                settings = config.settings
                return report(error, settings.language, settings.telegram.api_base_url, args.command)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the configuration itself
        return report(error, args.lang or DEFAULT_LOCALE, "", args.command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names; None: the process's own arguments (the process is the command's)."""
    own_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    with collector_paused():
        args = build_parser(argv).parse_args(argv)
        if own_process:
            gc.freeze()
    umask = os.umask(PRIVATE_UMASK)
    try:
        return _run(args)
    finally:
        os.umask(umask)


if __name__ == "__main__":
    sys.exit(main())
