"""A worksheet's rows as SpreadsheetML text (``<row>`` of ``<c>``), byte for byte as openpyxl's
write-only worksheet writes them (openpyxl 3.1 on the standard library's ElementTree: inline strings,
``xml:space="preserve"`` for text with spaces at either end, numbers as ``%.16g``, times as Excel serial
numbers, ``#N/A`` and the like as errors), without making a cell object and an element tree per cell:
most of the workbook's writing time went there. ``flows.archive.sheets`` has openpyxl write the rest of
each sheet (its columns, panes, merged cells, page set-up), the styles and the package, and puts these
rows into the sheets.

Styles are openpyxl's (``Styles``): each combination of font, alignment, fill, time format and quote
prefix is made once per sheet on an openpyxl cell, which registers it with the workbook, in the order
openpyxl would, and its id is used for every later cell with it.

Text typed by users is written so that no spreadsheet will ever run it as a formula: a cell that starts
with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) is a string marked as literal text (Excel's
quote prefix); a control character no spreadsheet can hold is shown as its control picture
(``flows.archive.controls``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from math import isfinite
from typing import IO

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from flows.archive.controls import pictured

Cell = str | int | float | Decimal | datetime | None

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "yyyy-mm-dd hh:mm"
STRING_MOST = 32767  # characters a cell holds (openpyxl cuts longer text there)


@dataclass(frozen=True)
class Look:
    """How a cell looks besides its value: its alignment, font and fill (and a thin border)."""

    alignment: Alignment
    font: Font | None = None
    fill: PatternFill | None = None


class Styles:
    """The style ids of one sheet's cells: each with ``border``, a time shown as ``TIME_FORMAT``."""

    def __init__(self, sheet: WriteOnlyWorksheet, border: Border) -> None:
        self.sheet = sheet
        self.border = border
        self.found: dict[tuple[int, bool, bool], int] = {}

    def __call__(self, value: Cell, look: Look) -> int:
        """The id of the style of a cell that holds ``value`` (pictured) and looks as ``look``."""
        quoted = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        timed = isinstance(value, datetime)
        key = (id(look), timed, quoted)
        found = self.found.get(key)
        if found is not None:
            return found
        time = value.replace(tzinfo=None) if isinstance(value, datetime) else None
        cell = WriteOnlyCell(self.sheet, value=time)  # of the values, only a time gives a cell a style
        cell.quotePrefix = quoted
        if timed:
            cell.number_format = TIME_FORMAT
        cell.border = self.border
        cell.alignment = look.alignment
        if look.font is not None:
            cell.font = look.font
        if look.fill is not None:
            cell.fill = look.fill
        self.found[key] = found = cell.style_id
        return found


class RowWriter:
    """Writes a sheet's rows as text to ``file`` (UTF-8), its cells styled by ``styles``."""

    def __init__(self, file: IO[bytes], styles: Styles, columns: int) -> None:
        self.file = file
        self.styles = styles
        self.letters = [get_column_letter(index) for index in range(1, columns + 1)]

    def write(self, number: int, height: float, values: Sequence[Cell], looks: Sequence[Look]) -> None:
        """Row ``number``, ``height`` points high: ``values`` from column A on, each looking as ``looks``
        has it."""
        styles, found = self.styles, self.styles.found
        row = str(number)
        parts = [f'<row r="{row}" ht="{height:.16g}" customHeight="1">']
        for letter, value, look in zip(self.letters, values, looks, strict=False):
            if isinstance(value, str):
                if not value.isprintable():  # (a control character is not)
                    value = pictured(value)
                key = (id(look), False, value.startswith(FORMULA_STARTS))
            else:
                key = (id(look), isinstance(value, datetime), False)
            style = found.get(key)
            parts.append(cell_xml(letter + row, value, styles(value, look) if style is None else style))
        parts.append("</row>")
        self.file.write("".join(parts).encode())


def cell_xml(reference: str, value: Cell, style: int) -> str:
    """One cell as openpyxl writes it (a string already pictured)."""
    if isinstance(value, str):
        text = value if len(value) <= STRING_MOST else value[:STRING_MOST]
        if not text:
            return f'<c r="{reference}" s="{style}" t="inlineStr" />'
        if text in _ERRORS:
            return f'<c r="{reference}" s="{style}" t="e"><v>{text}</v></c>'
        head = f'<c r="{reference}" s="{style}" t="inlineStr"><is>'
        if (text[0].isspace() or text[-1].isspace()) and not text.isspace():  # spaces kept at either end
            return f'{head}<t xml:space="preserve">{_escaped(text)}</t></is></c>'
        return f"{head}<t>{_escaped(text)}</t></is></c>"
    head = f'<c r="{reference}" s="{style}"'
    if value is None:
        return f'{head} t="n" />'
    if isinstance(value, datetime):
        return f'{head} t="n"><v>{_number(to_excel(value.replace(tzinfo=None)))}</v></c>'
    kind = "b" if isinstance(value, bool) else "n"
    number = _number(value)
    return f'{head} t="{kind}"><v>{number}</v></c>' if number else f'{head} t="{kind}"><v /></c>'


_ERRORS = frozenset(ERROR_CODES)


def _number(value: float | Decimal) -> str:
    """A number as openpyxl writes it (``openpyxl.compat.safe_string``, without its look at numpy's
    types): 16 significant digits, nothing for NaN and infinities."""
    return "%.16g" % value if isfinite(value) else ""  # noqa: UP031 -- the format openpyxl uses


def _escaped(text: str) -> str:
    """Character data as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text
