"""Test helpers for large organisations: a roster written to order (teams, departments of any size, the
vice-president who oversees them), and a counter of the SQL statements a step issues."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cycle_helpers import import_sample, score_items
from sqlalchemy import Engine, event
from sqlmodel import Session

from flows.rules.scheme import default_scheme
from storage import scoring
from storage.models import CycleExaminee

HEADER = ["id", "name", "team", "department", "position", "oversees", "college", "term_start", "committee"]


@dataclass(frozen=True)
class Team:
    """A team (``name``) led by a president (the committee's ``committee`` role, if any), with one
    vice-president overseeing ``departments`` (name → head count); student numbers start with ``prefix``."""

    name: str
    prefix: str
    departments: dict[str, int]
    committee: str = ""

    @property
    def president(self) -> str:
        return f"{self.prefix}0001"

    @property
    def vice_president(self) -> str:
        return f"{self.prefix}0002"

    def member(self, department: str, index: int) -> str:
        """The student number of the ``index``-th member (from 0) of ``department``."""
        place = list(self.departments).index(department)
        return f"{self.prefix}{place + 1}{index:04d}"

    def rows(self) -> list[list[str]]:
        term = ["文学院", "2025-09"]
        oversees = ";".join(self.departments)
        rows = [
            [self.president, f"{self.name}主席", self.name, "", "主席", "", *term, self.committee],
            [self.vice_president, f"{self.name}副主席", self.name, "", "副主席", oversees, *term, ""],
        ]
        for department, size in self.departments.items():
            for index in range(size):
                position = "部长" if index == 0 else "干事"
                name = f"{department}{index:03d}号"
                rows.append(
                    [self.member(department, index), name, self.name, department, position, "", *term, ""]
                )
        return rows


def import_organisation(session: Session, folder: Path, teams: Sequence[Team]) -> None:
    """The roster of ``teams`` imported (written to ``folder`` as a CSV file first)."""
    path = folder / "organisation.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([HEADER, *(row for team in teams for row in team.rows())])
    import_sample(session, path)


def begin_sheets(session: Session, examinees: Sequence[CycleExaminee], scored: int, at: datetime) -> None:
    """Drafts of these examinees' sheets, their first ``scored`` rubric items given full points."""
    given = {item.key: item.points for item in default_scheme().rubric.items[:scored]}
    for examinee in examinees:
        scorer = examinee.scorer_member_id
        assert scorer is not None and examinee.id is not None
        sheet = scoring.start_sheet(session, examinee.id, scorer, at)
        score_items(session, sheet, examinee, given, scorer, at)
    session.commit()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through ``engine`` inside the block, as they are sent."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)
