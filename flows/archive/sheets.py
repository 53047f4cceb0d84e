"""Writing the archive workbook's sheets (openpyxl, write-only): one table per sheet, made to be read
and printed.

``write_table`` is the one way a sheet is written: a title row and a header row (repeated on every
printed page and frozen on screen), then the rows; columns as wide as their content (a CJK character
counts twice, long text wraps), thin borders, A4 landscape (or portrait) fitted to the page width.
Text typed by users is written so that no spreadsheet will ever run it as a formula: a cell that
starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is stored as a string and marked
as literal text (Excel's quote prefix); a control character no spreadsheet can hold is shown as its
control picture (``flows.archive.controls``).
"""

from __future__ import annotations

import io
import math
import pickle
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.functions import tostring

from flows.archive.controls import pictured

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
PAPER_A4 = "9"  # the paper size code of A4 in SpreadsheetML
TIME_FORMAT = "yyyy-mm-dd hh:mm"
LINE_HEIGHT = 14.5  # points per line of the default 11-point font
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CORE_PROPERTIES = (
    "docProps/core.xml"  # every member of the .xlsx gets this time: the same data, the same bytes
)

Cell = str | int | float | Decimal | datetime | None

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE = Font(bold=True, size=13)
_HEADER = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")
_PLAIN = Alignment(vertical="top")
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Column:
    """A column: its header, and how wide it may grow before its text wraps."""

    header: str
    most: int = 14  # the widest it gets, in characters of the default font
    wrap: bool = False


@dataclass(frozen=True)
class Group:
    """A row that heads a group of rows (a team, a department): one text across the table, shaded."""

    text: str


Row = Sequence[Cell] | Group


def display_width(value: Cell) -> int:
    """How many default-font characters ``value`` takes: a CJK character counts as two."""
    if value is None:
        return 0
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    longest = max(text.split("\n"), key=len) if text else ""
    return len(longest) if longest.isascii() else sum(map(_character_width, longest))


@cache
def _character_width(character: str) -> int:
    return 2 if unicodedata.east_asian_width(character) in "WF" else 1


def sheet_title(name: str, taken: Sequence[str]) -> str:
    """A worksheet name Excel accepts (at most 31 characters, none of []:*?/\\), unique in the book."""
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:SHEET_NAME_MAX]
    number = 2
    while title in taken:
        suffix = f" ({number})"
        title = title[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    return title


def new_workbook(moment: datetime) -> Workbook:
    """An empty write-only workbook whose document properties carry ``moment``, not the clock."""
    book = Workbook(write_only=True)
    stamp = moment.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "kaohe"
    return book


class Spool:
    """A sheet's rows kept in a temporary file as they are made, with the widest content of each
    column seen (for the column widths): a sheet of ten thousand examinees is never in memory at once."""

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 -- closed with the spool
        self.widest: list[int] = []
        self.count = 0
        self.extend(rows)

    def extend(self, rows: Iterable[Row]) -> None:
        batch = list(rows)
        for row in batch:
            if isinstance(row, Group):
                continue
            widths = [display_width(value) for value in row]
            self.widest = (
                [max(pair) for pair in zip(self.widest, widths, strict=True)] if self.widest else widths
            )
        if batch:
            pickle.dump(batch, self.file, pickle.HIGHEST_PROTOCOL)
            self.count += len(batch)

    def __iter__(self) -> Iterator[Row]:
        self.file.seek(0)
        while True:
            try:
                batch = pickle.load(self.file)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self.file.close()


def write_table(
    book: Workbook,
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Row],
    *,
    landscape: bool = True,
) -> None:
    """One sheet: the title, the headers, the rows (a ``Spool``, or any rows); sized, bordered and set
    up for printing."""
    spool = rows if isinstance(rows, Spool) else Spool(rows)
    sheet = book.create_sheet(sheet_title(name, book.sheetnames))
    widths = []
    for index, column in enumerate(columns, start=1):
        content = spool.widest[index - 1] if spool.widest else 0
        width = max(5, min(max(display_width(column.header) // 2 + 2, content) + 2, column.most))
        sheet.column_dimensions[get_column_letter(index)].width = width
        widths.append(width)
    sheet.row_dimensions[1].height = 22
    sheet.row_dimensions[2].height = _height([c.header for c in columns], widths, [True] * len(columns))
    wraps = [column.wrap for column in columns]
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.horizontalCentered = True
    span = f"A1:{get_column_letter(len(columns))}1"
    sheet.merged_cells.add(span)
    _styled = _Styler(sheet)
    sheet.append([_styled(title, font=_TITLE, alignment=_CENTRED)])
    sheet.append([_styled(c.header, font=_HEADER, alignment=_CENTRED, fill=_HEADER_FILL) for c in columns])
    for number, row in enumerate(spool, start=3):
        cells = [row.text] if isinstance(row, Group) else list(row)
        sheet.row_dimensions[number].height = _height(
            cells, widths if len(cells) > 1 else [sum(widths)], wraps
        )
        if isinstance(row, Group):
            sheet.merged_cells.add(f"A{number}:{get_column_letter(len(columns))}{number}")
            cells = [_styled(row.text, font=_HEADER, fill=_GROUP_FILL)]
            sheet.append(cells + [_styled(None, fill=_GROUP_FILL) for _ in columns[1:]])
        else:
            sheet.append(
                [_styled(value, wrap=column.wrap) for value, column in zip(row, columns, strict=True)]
            )
        del sheet.row_dimensions[number]  # written with its row: not kept for ten thousand rows
    spool.close()


def _height(cells: Sequence[Cell], widths: Sequence[float], wraps: Sequence[bool]) -> float:
    """A row's height in points: as many lines as its tallest cell wraps to (spreadsheets do not
    measure wrapped text when they open a file)."""
    lines = 1
    for value, width, wrap in zip(cells, widths, wraps, strict=False):
        if isinstance(value, str) and value:
            parts = value.split("\n")
            fit = max(1.0, width - 1)
            count = (
                sum(max(1, math.ceil(display_width(part) / fit)) for part in parts) if wrap else len(parts)
            )
            lines = max(lines, count)
    return LINE_HEIGHT * lines + 3


class _Styler:
    """Makes a sheet's cells. openpyxl looks every style object up in the workbook's lists (hashing it
    field by field) on each assignment: each combination of styles is looked up once per sheet, and
    later cells copy the ids found (``StyleArray``)."""

    def __init__(self, sheet: object) -> None:
        self.sheet = sheet
        self.found: dict[tuple[int, int, int, bool, bool], StyleArray] = {}

    def __call__(
        self,
        value: Cell,
        *,
        font: Font | None = None,
        alignment: Alignment | None = None,
        fill: PatternFill | None = None,
        wrap: bool = False,
    ) -> WriteOnlyCell:
        if isinstance(value, str):
            value = pictured(value)
        cell = WriteOnlyCell(
            self.sheet, value=value.replace(tzinfo=None) if isinstance(value, datetime) else value
        )
        quoted = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        if quoted:
            cell.data_type = "s"
        alignment = alignment or (_WRAP if wrap else _PLAIN)
        key = (id(font), id(alignment), id(fill), isinstance(value, datetime), quoted)
        if key in self.found:
            cell._style = copy(self.found[key])
            return cell
        cell.quotePrefix = quoted
        if isinstance(value, datetime):
            cell.number_format = TIME_FORMAT
        cell.border = _BORDER
        cell.alignment = alignment
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        self.found[key] = copy(cell._style)
        return cell


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content (fixed times inside the zip)."""
    created = book.properties.created
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps the save time as "modified": put the workbook's own time back
    book.properties.modified = created
    properties = tostring(book.properties.to_tree())
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    fixed_buffer = io.BytesIO()
    with zipfile.ZipFile(fixed_buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            if item.filename == CORE_PROPERTIES:
                target.writestr(fixed, properties)
                continue
            with source.open(item) as read, target.open(fixed, "w") as written:  # a sheet is not held whole
                shutil.copyfileobj(read, written)
    return fixed_buffer.getvalue()
