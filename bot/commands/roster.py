"""``kaohe roster``: import the roster (名单导入) from .csv or .xlsx; show the organisation and its scorers.

``kaohe roster import FILE [--dry-run]`` checks the whole file first: with any problem it prints them
all and changes nothing (exit status 2). ``kaohe roster show`` prints the tree team → president,
vice-presidents, departments → members, each with their scorer (考核人), then the committee (考核小组).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from rich.tree import Tree

from bot.commands.common import console, open_database
from bot.config import Config
from flows.roster.columns import Problem
from flows.roster.importing import (
    RosterChanges,
    describe_change,
    describe_counts,
    describe_entry,
    import_roster,
)
from flows.roster.reading import read_roster
from flows.rules.names import name_of, value_text
from flows.rules.organisation import COMMITTEE, Organisation, scorer_of
from flows.ui.i18n import plain
from storage import roster as stored
from storage.db import session_scope
from storage.models import CommitteeRole, Position
from storage.roster import RosterEntry

SHOWN_PROBLEMS = 100


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("roster", help="import or show the roster (名单导入与查看)")
    actions = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    importing = actions.add_parser("import", help="import a roster from .csv or .xlsx (导入名单)")
    importing.add_argument("file", metavar="FILE", type=Path, help="the roster, .csv or .xlsx")
    importing.add_argument("--dry-run", action="store_true", help="check and report changes, write nothing")
    importing.set_defaults(func=import_command)
    showing = actions.add_parser("show", help="show the organisation and who scores whom (组织架构)")
    showing.set_defaults(func=show_command)
    template = actions.add_parser(
        "template", help="write an .xlsx roster template: columns, example rows, allowed values (名单模板)"
    )
    template.add_argument("file", metavar="FILE", type=Path, help="where to write it, e.g. roster.xlsx")
    template.set_defaults(func=template_command)


def template_command(config: Config, args: argparse.Namespace) -> int:
    """Write the roster template; it needs no database. (The workbook library is imported here: an
    import of a .csv roster goes without it.)"""
    from flows.roster.template import roster_template

    locale = config.settings.language
    path = args.file if args.file.suffix else args.file.with_suffix(".xlsx")
    path.write_bytes(roster_template(locale))
    print(plain(locale, "roster_template_written", path=path))
    return 0


def _print_problems(problems: Sequence[Problem], locale: str, key: str = "") -> None:
    """The first ``SHOWN_PROBLEMS`` problems, then how many more there are (a huge file has thousands)."""

    def say(text: str) -> None:
        print(plain(locale, key, problem=text) if key else text, file=sys.stderr)

    for problem in problems[:SHOWN_PROBLEMS]:
        say(problem.text(locale))
    if len(problems) > SHOWN_PROBLEMS:
        say(plain(locale, "problems_more", count=len(problems) - SHOWN_PROBLEMS, total=len(problems)))


def import_command(config: Config, args: argparse.Namespace) -> int:
    locale = config.settings.language
    roster = read_roster(args.file)
    _print_problems(roster.warnings, locale, "cli_roster_warning")
    if roster.errors:
        _print_problems(roster.errors, locale)
        print(plain(locale, "cli_roster_refused", count=len(roster.errors)), file=sys.stderr)
        return 2
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            changes = import_roster(
                session,
                roster.entries,
                actor="cli",
                now=datetime.now(UTC),
                source=args.file.name,
                dry_run=args.dry_run,
            )
    finally:
        engine.dispose()
    _print_changes(changes, locale, dry_run=args.dry_run)
    return 0


def _print_changes(changes: RosterChanges, locale: str, *, dry_run: bool) -> None:
    lines = [
        *(plain(locale, "cli_roster_added", who=describe_entry(entry, locale)) for entry in changes.added),
        *(plain(locale, "cli_roster_changed", what=describe_change(c, locale)) for c in changes.changed),
        *(plain(locale, "cli_roster_removed", who=describe_entry(c.before, locale)) for c in changes.removed),
    ]
    if changes.departments_added:
        names = value_text(tuple(changes.departments_added), locale)
        lines.append(plain(locale, "cli_roster_departments_added", names=names))
    if changes.departments_removed:
        names = value_text(tuple(changes.departments_removed), locale)
        lines.append(plain(locale, "cli_roster_departments_removed", names=names))
    lines.append(
        plain(locale, "cli_roster_imported", dry_run=dry_run, counts=describe_counts(changes, locale))
    )
    print("\n".join(lines))


def show_command(config: Config, args: argparse.Namespace) -> int:
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            org = Organisation(stored.load_entries(session))
            bound = stored.bound_student_nos(session)
    finally:
        engine.dispose()
    out = console()
    words = Words(config.settings.language)
    if not org:
        out.print(Text(words("cli_roster_empty")))
        return 0
    out.print(_tree(org, bound, words))
    out.print(_committee_tree(org, bound, words))
    return 0


class Words:
    """The command's texts in the one language of this run."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, key: str, **context: object) -> str:
        return plain(self.locale, key, **context)

    def name(self, value: Position | CommitteeRole) -> str:
        return name_of(value, self.locale)


def _person(entry: RosterEntry, bound: set[str], words: Words) -> str:
    """Student number, college, term, and whether they have bound a Telegram account."""
    binding = words("cli_bound" if entry.student_no in bound else "cli_unbound")
    return " · ".join(filter(None, (entry.student_no, entry.college, entry.term_start, binding)))


def _scorer_name(entry: RosterEntry, org: Organisation, words: Words) -> str:
    scorer = scorer_of(entry, org)
    if scorer is COMMITTEE:
        return words("cli_committee")
    return scorer.name if scorer else words("cli_scorer_missing")


def _cadre(entry: RosterEntry, org: Organisation, bound: set[str], words: Words) -> Text:
    """One examinee: position, scorer, details, committee role and the departments in their charge."""
    scorer = _scorer_name(entry, org, words)
    parts = [
        words("cli_roster_cadre", position=words.name(entry.position), name=entry.name, scorer=scorer),
        _person(entry, bound, words),
    ]
    if entry.committee_role:
        parts.append(words("cli_roster_committee_role", role=words.name(entry.committee_role)))
    if entry.oversees:
        parts.append(words("cli_roster_oversees", departments=value_text(entry.oversees, words.locale)))
    return Text(" · ".join(parts))


def _tree(org: Organisation, bound: set[str], words: Words) -> Tree:
    tree = Tree(Text(words("cli_roster_title", teams=len(org.teams()), people=len(org))))
    for team in org.teams():
        branch = tree.add(Text(team))
        officers = [org.president_of(team), *org.vice_presidents_of(team)]
        for officer in filter(None, officers):
            branch.add(_cadre(officer, org, bound, words))
        for department in org.departments_of(team):
            overseer = org.overseer_of(team, department)
            label = words("cli_roster_department", department=department, overseer=overseer and overseer.name)
            node = branch.add(Text(label))
            for member in org.members_of(team, department):
                node.add(_cadre(member, org, bound, words))
    return tree


def _committee_tree(org: Organisation, bound: set[str], words: Words) -> Tree:
    tree = Tree(Text(words("cli_committee_title")))
    for entry in org.committee():
        role = words.name(entry.committee_role) if entry.committee_role else words("cli_no_role")
        position = words.name(entry.position)
        label = words("cli_committee_entry", role=role, name=entry.name, team=entry.team, position=position)
        tree.add(Text(f"{label} · {_person(entry, bound, words)}"))
    return tree
