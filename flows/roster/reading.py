"""The roster file (名单): reading a .csv or .xlsx roster and checking it whole.

A roster is a table with one person a row and the columns of the sample roster, in English or
Chinese: id 学号, name 姓名, team 团队, department 部门, position 职务, oversees 分管部门, college 院部,
term_start 任职时间, committee 考核小组. ``read_roster`` turns a file into ``RosterEntry`` rows and a
list of every problem found (``Problem``: row, column, code, params, with a text in Chinese and in
English, from ``flows.roster.columns``); a file with any error yields no rows. ``flows.roster.importing``
then stores it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from flows.roster.columns import COLUMN_BY_KEY, COLUMNS, HEADERS, Problem, RosterFile, RosterRow
from flows.rules.names import COMMITTEE_ROLES, POSITIONS, Choice, lookup_key
from flows.rules.organisation import DEPARTMENT_POSITIONS
from flows.rules.term import normalise_term
from storage.models import Position
from storage.roster import MAX_LENGTHS, RosterEntry

HEADER_SEARCH_ROWS = 10  # the header may sit below a title row or two


class _Unreadable(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


# --- reading files -----------------------------------------------------------------------------------


def read_roster(path: Path) -> RosterFile:
    """Read and check a .csv or .xlsx roster; every problem found is in the result, nothing is raised."""
    try:
        table = _read_table(path)
    except _Unreadable as error:
        return RosterFile(errors=(error.problem,))
    return parse_table(table)


def _read_table(path: Path) -> list[Sequence[object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise _Unreadable(Problem("unsupported_type", params={"suffix": path.suffix or path.name}))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise _Unreadable(Problem("unreadable", params={"reason": error.strerror or error})) from None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030 (a superset of GBK, as Chinese Excel saves CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _Unreadable(Problem("undecodable"))


def _read_csv(path: Path) -> list[Sequence[object]]:
    text = _decode(_read_bytes(path))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise _Unreadable(Problem("unreadable", params={"reason": error})) from None


def _read_xlsx(path: Path) -> list[Sequence[object]]:
    """The first sheet with a roster header (else the first sheet), every row from row 1."""
    import openpyxl  # here, not with the module: a .csv roster (and every other command) goes without it

    data = io.BytesIO(_read_bytes(path))
    try:
        workbook = openpyxl.load_workbook(data, data_only=True)
    except Exception as error:  # openpyxl raises many kinds of error on a damaged file
        reason = str(error) or type(error).__name__
        raise _Unreadable(Problem("unreadable", params={"reason": reason})) from None
    sheets: list[list[Sequence[object]]] = [
        list(sheet.iter_rows(min_row=1, min_col=1, values_only=True)) for sheet in workbook.worksheets
    ]
    return next((rows for rows in sheets if _find_header(rows) is not None), sheets[0])


# --- cells -------------------------------------------------------------------------------------------

OVERSEES_SEPARATORS = re.compile(r"[;；、,，]")
WHOLE_FLOAT = re.compile(r"\d+\.0+")
SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE]\+?\d+")


def _text(value: object) -> str:
    """A cell as clean text: numbers Excel stored as 2023000042.0 become ``2023000042``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).replace("\ufeff", "").strip()


def split_oversees(text: str) -> tuple[str, ...]:
    """Departments in charge (分管部门), separated by ; ； 、 or a comma, without blanks or repeats."""
    return tuple(dict.fromkeys(part.strip() for part in OVERSEES_SEPARATORS.split(text) if part.strip()))


# --- parsing a table ---------------------------------------------------------------------------------


def _is_blank(cells: Sequence[object]) -> bool:
    return not any(_text(cell) for cell in cells)


def _find_header(table: Sequence[Sequence[object]]) -> int | None:
    """The index of the header row among the first rows: the first naming two known columns."""
    for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        if sum(lookup_key(_text(cell)) in HEADERS for cell in cells) >= 2:
            return index
    return None


def _columns(cells: Sequence[object], row: int, problems: _Problems) -> dict[str, int]:
    """Where each known column is in the header row; unknown ones are warned about and ignored."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        label = _text(cell)
        if not label:
            continue
        key = HEADERS.get(lookup_key(label))
        if key is None:
            problems.warn("unknown_column", row, value=label)
        elif key in found:
            problems.error("duplicate_column", row, key)
        else:
            found[key] = index
    for column in COLUMNS:
        if column.required and column.key not in found:
            problems.error("missing_column", row, column.key)
    return found


class _Problems:
    """Problems as they are found: errors and warnings."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, code: str, row: int | None = None, column: str | None = None, **params: object) -> None:
        self.errors.append(Problem(code, row, column, params))

    def warn(self, code: str, row: int | None = None, column: str | None = None, **params: object) -> None:
        self.warnings.append(Problem(code, row, column, params))


def parse_table(table: Sequence[Sequence[object]]) -> RosterFile:
    """Check a table of cells (row 1 first) as a roster: the people in it and every problem."""
    problems = _Problems()
    rows = _parse_rows(table, problems)
    if rows is not None:
        _check_people(rows, problems)
    if problems.errors:
        errors = sorted(problems.errors, key=lambda problem: problem.row or 0)
        return RosterFile(errors=tuple(errors), warnings=tuple(problems.warnings))
    return RosterFile(tuple(rows or ()), warnings=tuple(problems.warnings))


def _parse_rows(table: Sequence[Sequence[object]], problems: _Problems) -> list[RosterRow] | None:
    """The people in the table, or None when its shape (header, columns) is wrong."""
    if all(_is_blank(cells) for cells in table):
        problems.error("empty_file")
        return None
    header = _find_header(table)
    if header is None:
        problems.error("no_header", rows=HEADER_SEARCH_ROWS)
        return None
    columns = _columns(table[header], header + 1, problems)
    if problems.errors:
        return None
    rows = []
    for index in range(header + 1, len(table)):
        cells = table[index]
        values = {key: cells[i] if i < len(cells) else None for key, i in columns.items()}
        if not _is_blank(list(values.values())):
            row = _RowReader(index + 1, values, problems).read()
            if row is not None:
                rows.append(row)
    if not rows and not problems.errors:
        problems.error("no_members", header + 1)
    return rows


class _RowReader:
    """Reads the cells of one row into a ``RosterRow``, reporting each bad cell."""

    def __init__(self, row: int, values: Mapping[str, object], problems: _Problems) -> None:
        self.row = row
        self.values = values
        self.problems = problems
        self.ok = True

    def error(self, code: str, column: str, **params: object) -> None:
        self.problems.error(code, self.row, column, **params)
        self.ok = False

    def text(self, key: str, *, required: bool = False) -> str:
        text = _text(self.values.get(key))
        limit = MAX_LENGTHS.get(COLUMN_BY_KEY[key].field)
        if required and not text:
            self.error("missing_value", key)
        elif limit and len(text) > limit:
            self.error("too_long", key, limit=limit)
        return text

    def student_no(self) -> str:
        text = self.text("id", required=True)
        if WHOLE_FLOAT.fullmatch(text):
            return text.split(".")[0]
        if SCIENTIFIC.fullmatch(text):
            self.error("mangled_number", "id", value=text)
        return text

    def choice(self, key: str, choices: Mapping[str, Choice], code: str, *, required: bool) -> Choice | None:
        text = self.text(key, required=required)
        value = choices.get(lookup_key(text))
        if text and value is None:
            self.error(code, key, value=text)
        return value

    def term(self) -> str:
        raw = self.values.get("term_start")
        term = normalise_term(raw)
        if term is None:
            self.error("bad_term", "term_start", value=_text(raw))
        return term or ""

    def read(self) -> RosterRow | None:
        student_no = self.student_no()
        name = self.text("name", required=True)
        team = self.text("team", required=True)
        department = self.text("department") or None
        position = self.choice("position", POSITIONS, "unknown_position", required=True)
        oversees = split_oversees(self.text("oversees"))
        college = self.text("college")
        term_start = self.term()
        committee_role = self.choice("committee", COMMITTEE_ROLES, "unknown_committee_role", required=False)
        if position is not None:
            self._check_position(position, department, oversees)
        if not self.ok or position is None:
            return None
        entry = RosterEntry(
            student_no, name, team, department, position, oversees, college, term_start, committee_role
        )
        return RosterRow(self.row, entry)

    def _check_position(self, position: Position, department: str | None, oversees: tuple[str, ...]) -> None:
        in_department = position in DEPARTMENT_POSITIONS
        if in_department and not department:
            self.error("department_required", "department", position=position)
        if department and not in_department:
            self.error("department_not_expected", "department", position=position)
        if oversees and position is not Position.VICE_PRESIDENT:
            self.error("oversees_not_vice_president", "oversees", position=position)


def _check_people(rows: Sequence[RosterRow], problems: _Problems) -> None:
    """Checks across rows: unique student numbers, one president a team, each department overseen once."""
    first_row: dict[str, int] = {}
    for row in rows:
        number = row.entry.student_no
        if number in first_row:
            problems.error("duplicate_id", row.row, "id", value=number, first_row=first_row[number])
        first_row.setdefault(number, row.row)
    _check_presidents(rows, problems)
    _check_oversight(rows, problems)


def _check_presidents(rows: Sequence[RosterRow], problems: _Problems) -> None:
    teams: dict[str, int] = {}  # each team with cadres, at its first row
    presidents: dict[str, int] = {}
    for row in rows:
        entry = row.entry
        if entry.position is not Position.TEACHER:
            teams.setdefault(entry.team, row.row)
        if entry.position is Position.PRESIDENT:
            if entry.team in presidents:
                problems.error(
                    "team_with_two_presidents",
                    row.row,
                    "position",
                    team=entry.team,
                    first_row=presidents[entry.team],
                )
            presidents.setdefault(entry.team, row.row)
    for team, row_number in teams.items():
        if team not in presidents:
            problems.error("team_without_president", row_number, "team", team=team)


def _check_oversight(rows: Sequence[RosterRow], problems: _Problems) -> None:
    departments: dict[tuple[str, str], int] = {}  # each department, at its first row
    for row in rows:
        if row.entry.department:
            departments.setdefault((row.entry.team, row.entry.department), row.row)
    overseen: dict[tuple[str, str], int] = {}  # each overseen department, at its vice-president's row
    for row in rows:
        for department in row.entry.oversees:
            key = (row.entry.team, department)
            if key not in departments:
                problems.error(
                    "unknown_oversight_department", row.row, "oversees", team=key[0], value=department
                )
            elif key in overseen:
                problems.error(
                    "department_overseen_twice",
                    row.row,
                    "oversees",
                    value=department,
                    first_row=overseen[key],
                )
            else:
                overseen[key] = row.row
    for (team, department), row_number in departments.items():
        if (team, department) not in overseen:
            problems.error(
                "department_without_overseer", row_number, "department", team=team, value=department
            )
