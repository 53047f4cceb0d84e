"""Writing the archive workbook's sheets (openpyxl, write-only): one table per sheet, made to be read
and printed.

``write_table`` is the one way a sheet is written: a title row and a header row (repeated on every
printed page and frozen on screen), then the rows; columns as wide as their content (a CJK character
counts twice, long text wraps), thin borders, A4 landscape (or portrait) fitted to the page width.
Text typed by users never runs as a formula, and control characters are shown
(``flows.archive.sheetxml``, which writes the rows: openpyxl writes the rest of the workbook, and
``workbook_bytes`` puts each sheet's rows in).
"""

from __future__ import annotations

import io
import math
import pickle
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.xml.functions import tostring

from flows.archive.sheetxml import Cell, Look, RowWriter, Styles

SHEET_NAME_MAX = 31
PAPER_A4 = "9"  # the paper size code of A4 in SpreadsheetML
LINE_HEIGHT = 14.5  # points per line of the default 11-point font
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1 << 16
CORE_PROPERTIES = (
    "docProps/core.xml"  # every member of the .xlsx gets this time: the same data, the same bytes
)
ROWS_END = b"</sheetData>"  # where a sheet's rows go in the sheet openpyxl wrote (with none)

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_PLAIN = Alignment(vertical="top")
_CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_LOOK = Look(_CENTRED, Font(bold=True, size=13))
_HEADER_LOOK = Look(_CENTRED, Font(bold=True), PatternFill("solid", fgColor="E7E6E6"))
_GROUP_LOOK = Look(_PLAIN, Font(bold=True), PatternFill("solid", fgColor="F2F2F2"))
_GROUP_REST_LOOK = Look(_PLAIN, None, _GROUP_LOOK.fill)
_WRAP_LOOK = Look(_WRAP)
_PLAIN_LOOK = Look(_PLAIN)


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
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return len(longest) if longest.isascii() else sum(map(_WIDTHS.__getitem__, longest))


Measure = list[list[int] | None]  # each cell's lines' display widths (None: no text)


def _measured(row: Sequence[Cell]) -> tuple[list[int], Measure]:
    """Each cell's ``display_width``, and the display width of each line of its text (for the row's
    height): measured once, where the row is made."""
    widths: list[int] = []
    measure: Measure = []
    for value in row:
        if isinstance(value, str) and value:
            if "\n" in value:
                parts = value.split("\n")
                shown = [
                    len(part) if part.isascii() else sum(map(_WIDTHS.__getitem__, part)) for part in parts
                ]
                widths.append(shown[parts.index(max(parts, key=len))])
            else:
                shown = [len(value) if value.isascii() else sum(map(_WIDTHS.__getitem__, value))]
                widths.append(shown[0])
            measure.append(shown)
        else:
            widths.append(display_width(value))
            measure.append(None)
    return widths, measure


class _Widths(dict[str, int]):
    """The width of each character met (a dictionary's look-up is the fastest there is)."""

    def __missing__(self, character: str) -> int:
        width = self[character] = 2 if unicodedata.east_asian_width(character) in "WF" else 1
        return width


_WIDTHS = _Widths()


def sheet_title(name: str, taken: Sequence[str]) -> str:
    """A worksheet name Excel accepts (at most 31 characters, none of []:*?/\\), unique in the book."""
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:SHEET_NAME_MAX]
    number = 2
    while title in taken:
        suffix = f" ({number})"
        title = title[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    return title


class ArchiveWorkbook(Workbook):
    """A write-only workbook whose sheets' rows are written aside (``rows``: a temporary file of each
    sheet's ``<row>`` elements, by its title), and put into the sheets by ``workbook_bytes``."""

    def __init__(self) -> None:
        super().__init__(write_only=True)
        self.rows: dict[str, IO[bytes]] = {}

    def close_rows(self) -> None:
        for file in self.rows.values():
            file.close()


def new_workbook(moment: datetime) -> ArchiveWorkbook:
    """An empty write-only workbook whose document properties carry ``moment``, not the clock."""
    book = ArchiveWorkbook()
    stamp = moment.replace(tzinfo=None, microsecond=0)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "kaohe"
    return book


@dataclass(frozen=True)
class Spooled:
    """Rows spooled where they were made (a drawing worker), to be added to a ``Spool``: their pickled
    batches, how many rows, and each column's widest content."""

    data: bytes
    count: int
    widest: list[int]


class Spool:
    """A sheet's rows kept in a temporary file as they are made (or, ``memory``, in memory, to be
    handed on as ``Spooled``), with the widest content of each column seen (for the column widths):
    a sheet of ten thousand examinees is never in memory at once."""

    def __init__(self, rows: Iterable[Row] = (), *, memory: bool = False) -> None:
        self.file: IO[bytes] = io.BytesIO() if memory else tempfile.TemporaryFile()  # noqa: SIM115
        self.widest: list[int] = []
        self.count = 0
        self.extend(rows)

    def extend(self, rows: Iterable[Row]) -> None:
        batch = list(rows)
        widest = self.widest
        measures: list[Measure | None] = []
        for row in batch:
            if isinstance(row, Group):
                measures.append(None)
                continue
            widths, measure = _measured(row)
            measures.append(measure)
            widest = [max(pair) for pair in zip(widest, widths, strict=True)] if widest else widths
        self.widest = widest
        if batch:
            pickle.dump((batch, measures), self.file, pickle.HIGHEST_PROTOCOL)
            self.count += len(batch)

    def spooled(self) -> Spooled:
        """The rows of a spool in memory, to be added to another spool."""
        assert isinstance(self.file, io.BytesIO)
        return Spooled(self.file.getvalue(), self.count, self.widest)

    def add(self, spooled: Spooled) -> None:
        """Rows spooled elsewhere, after the ones here."""
        if not spooled.count:
            return
        self.file.write(spooled.data)
        self.count += spooled.count
        if spooled.widest:
            widest = self.widest
            self.widest = (
                [max(pair) for pair in zip(widest, spooled.widest, strict=True)] if widest else spooled.widest
            )

    def __iter__(self) -> Iterator[tuple[Row, Measure | None]]:
        """Each row, with its text's measure (None for a group's row)."""
        self.file.seek(0)
        while True:
            try:
                batch, measures = pickle.load(self.file)
            except EOFError:
                return
            yield from zip(batch, measures, strict=True)

    def close(self) -> None:
        self.file.close()


def write_table(
    book: ArchiveWorkbook,
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Row] | Spool,
    *,
    landscape: bool = True,
) -> None:
    """One sheet: the title, the headers, the rows (a ``Spool``, or any rows); sized, bordered and set
    up for printing. openpyxl writes the sheet, its rows are written aside (``flows.archive.sheetxml``)."""
    spool = rows if isinstance(rows, Spool) else Spool(rows)
    sheet = book.create_sheet(sheet_title(name, book.sheetnames))
    widths = []
    for index, column in enumerate(columns, start=1):
        content = spool.widest[index - 1] if spool.widest else 0
        width = max(5, min(max(display_width(column.header) // 2 + 2, content) + 2, column.most))
        sheet.column_dimensions[get_column_letter(index)].width = width
        widths.append(width)
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
    last = get_column_letter(len(columns))
    sheet.merged_cells.add(f"A1:{last}1")
    written = book.rows[sheet.title] = tempfile.TemporaryFile()  # noqa: SIM115 -- closed once in the book
    rows_of = RowWriter(written, Styles(sheet, _BORDER), len(columns))
    headers = [c.header for c in columns]
    rows_of.write(1, 22, [title], [_TITLE_LOOK])
    rows_of.write(
        2,
        _height(_measured(headers)[1], widths, [True] * len(columns)),
        headers,
        [_HEADER_LOOK] * len(columns),
    )
    looks = [_WRAP_LOOK if wrap else _PLAIN_LOOK for wrap in wraps]
    group = [_GROUP_LOOK] + [_GROUP_REST_LOOK] * (len(columns) - 1)
    for number, (row, measure) in enumerate(spool, start=3):
        if isinstance(row, Group):
            sheet.merged_cells.add(f"A{number}:{last}{number}")
            height = _height(_measured([row.text])[1], [sum(widths)], wraps)
            rows_of.write(number, height, [row.text] + [None] * (len(columns) - 1), group)
        else:
            assert measure is not None
            rows_of.write(number, _height(measure, widths, wraps), row, looks)
    spool.close()


def _height(measure: Measure, widths: Sequence[float], wraps: Sequence[bool]) -> float:
    """A row's height in points: as many lines as its tallest cell wraps to (spreadsheets do not
    measure wrapped text when they open a file), from its text's ``measure``."""
    lines = 1
    for shown, width, wrap in zip(measure, widths, wraps, strict=False):
        if shown is not None:
            if wrap:
                fit = max(1.0, width - 1)
                count = 0
                for line in shown:
                    count += max(1, math.ceil(line / fit))
            else:
                count = len(shown)
            if count > lines:
                lines = count
    return LINE_HEIGHT * lines + 3


def workbook_bytes(book: ArchiveWorkbook) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content (fixed times inside the zip), each
    sheet with its rows."""
    created = book.properties.created
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps the save time as "modified": put the workbook's own time back
    book.properties.modified = created
    properties = tostring(book.properties.to_tree())
    rows = {sheet.path[1:]: book.rows[sheet.title] for sheet in book.worksheets}
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    fixed_buffer = io.BytesIO()
    with zipfile.ZipFile(fixed_buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = properties if item.filename == CORE_PROPERTIES else source.read(item)
            if item.filename not in rows:
                target.writestr(fixed, data)
                continue
            before, end, after = data.partition(ROWS_END)
            with target.open(fixed, "w") as written:  # a sheet's rows are not held whole
                written.write(before)
                _copy(rows[item.filename], written)
                written.write(end + after)
    book.close_rows()
    return fixed_buffer.getvalue()


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    source.seek(0)
    while chunk := source.read(COPY_CHUNK):
        target.write(chunk)
