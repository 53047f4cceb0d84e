"""The workbook's rows written as text (``flows.archive.sheetxml``) are the bytes openpyxl writes for
the same cells, styles included: text (formula-like, error-like, spaced, to escape, with control
characters, too long), numbers, decimals, times, empty cells, rows whose cells look different."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from flows.archive.controls import pictured
from flows.archive.sheetxml import FORMULA_STARTS, TIME_FORMAT, Cell, Look, RowWriter, Styles

BORDER = Border(left=Side(style="thin", color="808080"))
PLAIN = Look(Alignment(vertical="top"))
WRAP = Look(Alignment(wrap_text=True, vertical="top"))
HEAD = Look(Alignment(horizontal="center"), Font(bold=True), PatternFill("solid", fgColor="E7E6E6"))
SHADED = Look(PLAIN.alignment, None, HEAD.fill)

VALUES: list[Cell] = [
    "办公室",
    "",
    " ",
    " 前有空格",
    "后有空格 ",
    "两行\n文字",
    '=HYPERLINK("http://example.com","点此查看")',
    "=",
    "+签到表照片",
    "-经核实",
    "@结果反馈",
    "\t制表",
    "\r回车",
    "#N/A",
    "#DIV/0!",
    "<script>alert(1)</script> & 'quotes' \"double\"",
    "响\x07铃",
    "\x07=1+1",
    "长" * 40_000,
    0,
    7,
    -2,
    3.5,
    1 / 3,
    1e20,
    float("nan"),
    Decimal("18.50"),
    Decimal("0"),
    True,
    datetime(2026, 12, 2, 10, 30),
    datetime(2026, 12, 16, 3, 0, tzinfo=UTC),
    None,
]
ROWS: list[tuple[float, list[Cell], list[Look]]] = [
    (22, ["标题"], [HEAD]),
    (17.5, VALUES, [PLAIN, WRAP] * len(VALUES)),
    (32.0, list(reversed(VALUES)), [WRAP, PLAIN] * len(VALUES)),
    (46.5, ["分组", *[None] * 5], [HEAD, *[SHADED] * 5]),
]


def openpyxl_cell(sheet: object, value: Cell, look: Look) -> WriteOnlyCell:
    """A cell styled through openpyxl, as the workbook's cells were before they were written as text."""
    if isinstance(value, str):
        value = pictured(value)
    cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None) if isinstance(value, datetime) else value)
    quoted = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    if quoted:
        cell.data_type = "s"
    cell.quotePrefix = quoted
    if isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    cell.border = BORDER
    cell.alignment = look.alignment
    if look.font is not None:
        cell.font = look.font
    if look.fill is not None:
        cell.fill = look.fill
    return cell


def saved(book: Workbook) -> dict[str, bytes]:
    buffer = io.BytesIO()
    book.save(buffer)
    archive = zipfile.ZipFile(buffer)
    return {name: archive.read(name) for name in ("xl/worksheets/sheet1.xml", "xl/styles.xml")}


def by_openpyxl() -> tuple[bytes, bytes]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    for number, (height, values, looks) in enumerate(ROWS, start=1):
        sheet.row_dimensions[number].height = height
        sheet.append([openpyxl_cell(sheet, value, look) for value, look in zip(values, looks, strict=False)])
    files = saved(book)
    rows = re.search(rb"<sheetData>(.*)</sheetData>", files["xl/worksheets/sheet1.xml"], re.DOTALL)
    assert rows is not None
    return rows.group(1), files["xl/styles.xml"]


def as_text() -> tuple[bytes, bytes]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    written = io.BytesIO()
    writer = RowWriter(written, Styles(sheet, BORDER), max(len(values) for _, values, _ in ROWS))
    for number, (height, values, looks) in enumerate(ROWS, start=1):
        writer.write(number, height, values, looks)
    return written.getvalue(), saved(book)["xl/styles.xml"]


def test_rows_written_as_text_are_the_bytes_openpyxl_writes():
    rows, styles = as_text()
    expected_rows, expected_styles = by_openpyxl()
    assert rows == expected_rows
    assert styles == expected_styles


def test_text_that_looks_like_a_formula_is_quoted_and_control_characters_are_pictured():
    rows, _ = as_text()
    assert b"<f>" not in rows and b"\x07" not in rows
    assert "<t>␇=1+1</t>".encode() in rows
    assert b'<is><t xml:space="preserve"> ' in rows  # a space at either end is kept
    assert b't="e"><v>#N/A</v>' in rows  # as openpyxl has it
