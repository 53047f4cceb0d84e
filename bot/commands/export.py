"""``kaohe export --cycle NAME --out DIR``: write a cycle's archive (归档备案) to a folder.

The folder gets the workbook (``<cycle>.xlsx``), the printable forms as one PDF per department
(``departments/``, drawn by as many processes as the machine has cores), ``SHA256SUMS`` and
``manifest.json``: the same files a committee member receives from ``/export``. With ``--examinee
学号`` it writes only that examinee's own forms (``forms/<team>/<学号>-<name>.pdf``). The appeals' evidence
files not fetched yet (by ``kaohe cycle archive``, or an export before) are fetched from Telegram
(``bot.evidence``) and written under ``evidence/``;
one that cannot be fetched is named, with the reason, and the export goes on. The export is audited.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.common import UsageError, named_cycle, open_database, write_private
from bot.config import Config
from flows.ui.i18n import plain
from storage.db import session_scope


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export", help="write a cycle's archive (归档): the workbook and every examinee's printable forms"
    )
    parser.add_argument("--cycle", required=True, metavar="NAME", help="the cycle's name")
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to write to (created if missing)"
    )
    parser.add_argument("--english", action="store_true", help="English labels beside the Chinese ones")
    parser.add_argument(
        "--examinee",
        metavar="学号",
        help="only this examinee's own forms (附表一, 附表三, 附表六), as one PDF",
    )
    parser.set_defaults(func=export_command)


def export_command(config: Config, args: argparse.Namespace) -> int:
    if args.examinee:
        return examinee_command(config, args)
    # imported when exporting (not to build the parser, for ``kaohe --help``): the archive's workbook and
    # PDFs, Telegram's client
    from bot.evidence import fetch_evidence
    from flows.archive.export import export_to, record_export

    out, locale = Path(args.out), config.settings.language
    engine = open_database(config)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:  # the files fetched are kept even if the export fails
            cycle = named_cycle(session, args.cycle, locale)
            fetched, unfetched = fetch_evidence(config, session, cycle, now=now)
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.cycle, locale)
            count, missing = export_to(
                session,
                cycle,
                config.settings.tz,
                lambda path, data: write_private(out / path, data),  # each file as soon as it is made
                now=now,
                english=args.english,
                unfetched=unfetched,
                workers=os.cpu_count() or 1,
            )
            record_export(session, cycle, actor="cli", now=now)
    finally:
        engine.dispose()
    print_evidence(locale, fetched, missing, "archive_evidence_missing")
    print(plain(locale, "archive_exported", cycle=args.cycle, folder=str(out), count=count))
    return 0


def print_evidence(locale: str, fetched: int, missing: Mapping[str, str], headline: str) -> None:
    """How many evidence files were fetched, then the ``headline`` (its key) over each file missing with
    the reason (``kaohe export``, ``kaohe cycle archive``)."""
    if fetched:
        print(plain(locale, "archive_evidence_fetched", count=fetched))
    if missing:
        print(plain(locale, headline, count=len(missing)))
        for path, reason in missing.items():
            print(f"  {path}: {reason}")


def examinee_command(config: Config, args: argparse.Namespace) -> int:
    """``kaohe export --examinee 学号``: one examinee's own forms as one PDF (the evidence is not fetched:
    the forms name the files kept)."""
    from flows.archive.export import examinee_file, record_export

    out, locale = Path(args.out), config.settings.language
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.cycle, locale)
            try:
                path, data = examinee_file(
                    session, cycle, config.settings.tz, args.examinee, english=args.english
                )
            except KeyError:
                raise UsageError(
                    plain(locale, "archive_examinee_unknown", student_no=args.examinee, cycle=cycle.name)
                ) from None
            write_private(out / path, data)
            record_export(session, cycle, actor="cli", now=datetime.now(UTC))
    finally:
        engine.dispose()
    print(plain(locale, "archive_examinee_exported", student_no=args.examinee, path=str(out / path)))
    return 0
