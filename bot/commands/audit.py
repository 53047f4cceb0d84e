"""``kaohe audit verify [--cycle NAME] [--manifest FILE]``: check that nobody rewrote the audit log.

Every audit row carries the hash of the row before it in its chain (``storage.audit``): one chain per
cycle and one for the organisation. The command recomputes each chain and names, per chain, the first
row that was changed, deleted or inserted in the database behind the bot's back. With ``--manifest``
(an archive's ``manifest.json``) it also checks that the chain still holds the head the archive
recorded. Exit status 0 when every chain checked is whole, 1 when one is not.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlmodel import Session

from bot.commands.common import named_cycle, open_database
from bot.config import Config
from flows.ui.i18n import plain
from storage import audit
from storage.audit import Break
from storage.db import session_scope
from storage.models import Cycle


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("audit", help="the audit log (审计日志): verify its hash chains")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="recompute the hash chains and name the first row tampered with"
    )
    verify.add_argument("--cycle", metavar="NAME", help="only this cycle's chain (default: every chain)")
    verify.add_argument(
        "--manifest", metavar="FILE", help="an archive's manifest.json: check its chain head too"
    )
    verify.set_defaults(func=verify_command)


def verify_command(config: Config, args: argparse.Namespace) -> int:
    manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8")) if args.manifest else None
    locale = config.settings.language
    engine = open_database(config)
    whole = True
    try:
        with session_scope(engine) as session:
            names = {}
            if args.cycle:
                cycle = named_cycle(session, args.cycle, locale)
                names[audit.cycle_chain(cycle.id)] = cycle.name
            else:
                names = {chain: _chain_name(session, chain, locale) for chain in audit.chains(session)}
            for chain, name in names.items():
                found = audit.verify(session, chain)
                rows = len(audit.chain_entries(session, chain))
                print(
                    plain(locale, "audit_chain_whole", chain=name, rows=rows)
                    if found is None
                    else _broken(name, found, locale)
                )
                whole = whole and found is None
            if manifest is not None:
                from flows.archive.manifest import chain_holds  # the archive's records: only for a manifest

                holds = chain_holds(session, manifest)
                print(
                    plain(
                        locale,
                        "audit_manifest_holds" if holds else "audit_manifest_broken",
                        cycle=manifest["cycle"],
                    )
                )
                whole = whole and holds
    finally:
        engine.dispose()
    return 0 if whole else 1


def _chain_name(session: Session, chain: str, locale: str) -> str:
    if chain == audit.ORGANISATION:
        return plain(locale, "audit_chain_organisation")
    cycle = session.get(Cycle, int(chain.split(":", 1)[1]))
    return cycle.name if cycle is not None else chain


def _broken(name: str, found: Break, locale: str) -> str:
    row = found.row
    missing = found.missing or (0, 0)
    return plain(
        locale,
        f"audit_chain_{found.kind.value}",
        chain=name,
        id=row.id if row else "",
        seq=row.seq if row else "",
        action=row.action if row else "",
        at=row.at.isoformat(timespec="seconds") if row else "",
        first=missing[0],
        last=missing[1],
    )
