"""``kaohe sandbox``: the whole assessment cycle in a browser, without Telegram (``bot.sandbox``)."""

from __future__ import annotations

import argparse
import errno
import webbrowser
from pathlib import Path

from bot.config import Config
from bot.logs import configure_logging
from flows.ui.i18n import plain

DEFAULT_PORT = 8765


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sandbox", help="try the whole cycle in a browser, without Telegram (沙盒：不连 Telegram)"
    )
    parser.add_argument(
        "--dir",
        metavar="FOLDER",
        help="where the sandbox keeps its database and chats (default: kaohe-sandbox beside the config)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 ({DEFAULT_PORT})")
    parser.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    parser.set_defaults(func=sandbox_command)


def sandbox_folder(config: Config, explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).resolve()
    base = config.path.parent if config.path else Path.cwd()
    return (base / "kaohe-sandbox").resolve()


def sandbox_command(config: Config, args: argparse.Namespace) -> int:
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.world import Sandbox

    configure_logging("WARNING", "text", [])
    folder = sandbox_folder(config, args.dir)
    sandbox = Sandbox(folder, config)
    try:
        server = SandboxServer(sandbox, port=args.port)
    except OSError as error:  # the port is taken (say, a second sandbox): any free one will do
        if error.errno != errno.EADDRINUSE:
            raise
        server = SandboxServer(sandbox, port=0)
    language = config.settings.language
    if not config.settings.token:
        print(plain(language, "sandbox_no_token"))
    print(plain(language, "sandbox_started", url=server.url, folder=folder), flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.close()
    return 0
