"""The roster template (名单模板, .xlsx): the columns ``kaohe roster import`` reads, a small example
organisation that imports as it is, the allowed values as drop-down lists, and a sheet of instructions.

Written in one language (the configuration's): Chinese headers and values for zh-CN, English for en;
the reader takes either. The student-number column is text, so that Excel never turns a long number
into scientific notation; positions and committee roles are lists to pick from (data validation);
the term is checked as YYYY-MM.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from flows.roster.columns import COLUMNS, Column
from flows.rules.names import COMMITTEE_NAMES, POSITION_NAMES, Names
from flows.ui.i18n import plain
from storage.models import CommitteeRole, Position

ROWS = 500  # rows the drop-down lists and formats reach
REQUIRED_FILL = PatternFill("solid", start_color="FFE699")
OPTIONAL_FILL = PatternFill("solid", start_color="DDEBF7")
WIDTHS = {"id": 14, "name": 10, "team": 14, "department": 12, "position": 10, "oversees": 20}

# A small organisation that imports as it is: a president, a vice-president in charge of 办公室,
# its head and an officer, and a teacher who guides the committee.
EXAMPLE = (  # id, name, team, department, position, oversees, college, term_start, committee
    ("2025000001", "李华", "校学生会", "", "president", "", "文学院", "2025-09", "deputy_leader"),
    ("2025000002", "王芳", "校学生会", "", "vice_president", "办公室", "数学学院", "2025-09", "member"),
    ("2025000003", "张伟", "校学生会", "办公室", "head", "", "数学学院", "2025-09", ""),
    ("2025000004", "刘洋", "校学生会", "办公室", "officer", "", "外国语学院", "2026-03", ""),
    ("T0001", "赵敏", "校学生会", "", "teacher", "", "团委", "", "chief_adviser"),
)


def _header(column: Column, locale: str) -> str:
    return column.names.of(locale)


def _value(column: Column, value: str, locale: str) -> str:
    """An example value as the file shows it: positions and committee roles by their names."""
    if column.key == "position":
        return POSITION_NAMES[Position(value)].of(locale)
    if column.key == "committee" and value:
        return COMMITTEE_NAMES[CommitteeRole(value)].of(locale)
    return value


def _choices(names: dict[Position, Names] | dict[CommitteeRole, Names], locale: str) -> DataValidation:
    listed = ",".join(name.of(locale) for name in names.values())
    return DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True, showErrorMessage=True)


def _validations(locale: str) -> dict[str, DataValidation]:
    """The checks Excel makes while someone types, by column key."""
    term = DataValidation(
        type="textLength", operator="equal", formula1="7", allow_blank=True, showErrorMessage=True
    )
    checks = {
        "position": _choices(POSITION_NAMES, locale),
        "committee": _choices(COMMITTEE_NAMES, locale),
        "term_start": term,
    }
    for key, check in checks.items():
        check.errorTitle = _header(next(c for c in COLUMNS if c.key == key), locale)
        check.error = plain(locale, f"roster_template_{key}")
    return checks


def roster_template(locale: str) -> bytes:
    """The template workbook as bytes."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = plain(locale, "roster_template_sheet")
    sheet.append([_header(column, locale) for column in COLUMNS])
    for example in EXAMPLE:
        sheet.append([_value(column, value, locale) for column, value in zip(COLUMNS, example, strict=True)])
    checks = _validations(locale)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        head.comment = Comment(plain(locale, f"roster_template_{column.key}"), "kaohe", width=300, height=120)
        sheet.column_dimensions[letter].width = WIDTHS.get(column.key, 12)
        for row in range(2, ROWS + 2):
            sheet.cell(row=row, column=index).number_format = "@"  # text: student numbers stay as typed
        if column.key in checks:
            sheet.add_data_validation(checks[column.key])
            checks[column.key].add(f"{letter}2:{letter}{ROWS + 1}")
    sheet.freeze_panes = "A2"
    _instructions(book, locale)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _instructions(book: Workbook, locale: str) -> None:
    """A second sheet: what goes in each column, and how to import the file."""
    sheet = book.create_sheet(plain(locale, "roster_template_help_sheet"))
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    sheet.append([plain(locale, "roster_template_intro")])
    sheet.merge_cells("A1:B1")
    sheet["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 90
    for column in COLUMNS:
        sheet.append([_header(column, locale), plain(locale, f"roster_template_{column.key}")])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True)
