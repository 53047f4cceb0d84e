"""Invitation QR codes (邀请二维码): a PNG per member, and a printable A4 sheet per department.

Each QR code holds the member's deep link (``https://t.me/<bot>?start=<code>``): scanning it with a
phone's camera opens the bot, and tapping 开始 registers them. The sheet of a department lists its
members not yet registered, eight cards to a page, each with the name, 学号, position, QR code, the
link as text and the expiry, separated by dashed cut lines, so that a head of department can print it
and hand each card to its owner. Texts are the locale's (``invite_sheet_*``); Chinese is drawn with the
bundled font (``flows.archive.pdf``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import tzinfo
from itertools import groupby

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from flows.archive.pdf import FONT, markup, style
from flows.roster.invitations import IssuedInvitation
from flows.rules.names import name_of
from flows.ui.i18n import plain
from storage.models import Position

QR_ERROR = "m"  # recovers ~15% damage: a card folded or smudged still scans
PNG_SCALE = 8  # pixels per module
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
COLUMNS, ROWS = 2, 4
MARGIN = 12 * mm
HEADER = 16 * mm
CARD_WIDTH = (A4[0] - 2 * MARGIN) / COLUMNS
CARD_HEIGHT = (A4[1] - 2 * MARGIN - HEADER) / ROWS
QR_SIZE = 40 * mm
PADDING = 4 * mm


def qr_code(link: str) -> segno.QRCode:
    return segno.make_qr(link, error=QR_ERROR)


def qr_png(link: str) -> bytes:
    """The QR code of ``link`` as a PNG (black on white, with its quiet zone)."""
    buffer = io.BytesIO()
    qr_code(link).save(buffer, kind="png", scale=PNG_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def file_name(text: str) -> str:
    """``text`` fit for a file name on any system (no path separators or reserved characters)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "_"


def png_name(item: IssuedInvitation) -> str:
    return f"{file_name(item.member.student_no)}-{file_name(item.member.name)}.png"


Department = tuple[str, str | None]  # team, department (None: the officers above departments)


def by_department(issued: Sequence[IssuedInvitation]) -> dict[Department, list[IssuedInvitation]]:
    """The invitations grouped by team and department, in the order given (roster order)."""
    return {
        place: list(items) for place, items in groupby(issued, key=lambda item: (item.team, item.department))
    }


def department_label(place: Department, locale: str) -> str:
    team, department = place
    return f"{team} {department or plain(locale, 'invite_sheet_officers')}"


def department_sheet(place: Department, issued: Sequence[IssuedInvitation], locale: str, tz: tzinfo) -> bytes:
    """The printable A4 PDF of one department's invitation cards."""
    buffer = io.BytesIO()
    styles = style("cell"), style("small")  # registers the bundled font first
    canvas = Canvas(buffer, pagesize=A4, initialFontName=FONT)  # type: ignore[arg-type]  # stubs: float
    title = plain(locale, "invite_sheet_title", department=department_label(place, locale), count=len(issued))
    canvas.setTitle(title)
    per_page = COLUMNS * ROWS
    pages = [issued[start : start + per_page] for start in range(0, len(issued), per_page)]
    for number, page in enumerate(pages, start=1):
        hint = plain(locale, "invite_sheet_hint", page=number, pages=len(pages))
        _header(canvas, title, hint, styles[1])
        for index, item in enumerate(page):
            row, column = divmod(index, COLUMNS)
            x = MARGIN + column * CARD_WIDTH
            y = A4[1] - MARGIN - HEADER - (row + 1) * CARD_HEIGHT
            _card(canvas, item, (x, y), styles, locale, tz)
        _cut_lines(canvas, rows=-(-len(page) // COLUMNS))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _header(canvas: Canvas, title: str, hint: str, small: ParagraphStyle) -> None:
    top = A4[1] - MARGIN
    canvas.setFont(FONT, 13)
    canvas.drawString(MARGIN, top - 5 * mm, title)
    note = Paragraph(markup(hint), small)
    _, height = note.wrapOn(canvas, A4[0] - 2 * MARGIN, HEADER)
    note.drawOn(canvas, MARGIN, top - 7 * mm - height)


def _cut_lines(canvas: Canvas, rows: int) -> None:
    """Dashed lines around and between the cards (沿虚线剪开)."""
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.4)
    top = A4[1] - MARGIN - HEADER
    bottom = top - rows * CARD_HEIGHT
    for row in range(rows + 1):
        canvas.line(MARGIN, top - row * CARD_HEIGHT, A4[0] - MARGIN, top - row * CARD_HEIGHT)
    for column in range(COLUMNS + 1):
        canvas.line(MARGIN + column * CARD_WIDTH, top, MARGIN + column * CARD_WIDTH, bottom)
    canvas.restoreState()


def _card(
    canvas: Canvas,
    item: IssuedInvitation,
    corner: tuple[float, float],
    styles: tuple[ParagraphStyle, ParagraphStyle],
    locale: str,
    tz: tzinfo,
) -> None:
    """One member's card: the QR code on the left, who it is for on the right, the link below."""
    x, y = corner
    _draw_qr(canvas, qr_code(item.link), x + PADDING, y + CARD_HEIGHT - PADDING - QR_SIZE, QR_SIZE)
    member = item.member
    lines = plain(
        locale,
        "invite_sheet_card",
        name=member.name,
        student_no=member.student_no,
        position=name_of(Position(member.position), locale),
        department=department_label((item.team, item.department), locale),
        expires=f"{item.expires_at.astimezone(tz):%Y-%m-%d %H:%M}",
    )
    text_x = x + 2 * PADDING + QR_SIZE
    text_width = CARD_WIDTH - 3 * PADDING - QR_SIZE
    details = Paragraph(markup(lines), styles[0])
    _, height = details.wrapOn(canvas, text_width, CARD_HEIGHT)
    details.drawOn(canvas, text_x, y + CARD_HEIGHT - PADDING - height)
    link = Paragraph(markup(item.link), styles[1])
    _, height = link.wrapOn(canvas, CARD_WIDTH - 2 * PADDING, CARD_HEIGHT)
    link.drawOn(canvas, x + PADDING, y + PADDING)


def _draw_qr(canvas: Canvas, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any printer's resolution), a rectangle per dark run."""
    matrix = list(qr.matrix)
    module = size / (len(matrix) + 2 * QR_BORDER)
    canvas.saveState()
    canvas.setFillGray(0)
    for row_index, row in enumerate(matrix):
        top = y + size - (QR_BORDER + row_index + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            left = x + (QR_BORDER + start) * module
            canvas.rect(left, top, (column - start) * module, module, stroke=0, fill=1)
    canvas.restoreState()
