"""Control characters in stored text (a chat answer, a roster name, an appeal reason), made visible.

Excel cannot hold the C0 control characters other than tab, line feed and carriage return (openpyxl
refuses them: ``ILLEGAL_CHARACTERS_RE``), and the forms' fonts have no glyph for them. The archive
never drops them silently: the workbook shows each as its Unicode control picture (``\\x07`` → ␇,
``\\x1b`` → ␛), the PDF forms, whose embedded font lacks those pictures, spell its abbreviation
(``〈BEL〉``, ``〈ESC〉``).
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PICTURES = 0x2400  # U+2400 SYMBOL FOR NULL: the control picture of character n is U+2400 + n
ABBREVIATIONS = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "BEL",
    "BS",
    "HT",
    "LF",
    "VT",
    "FF",
    "CR",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "FS",
    "GS",
    "RS",
    "US",
]


def pictured(text: str) -> str:
    """``text`` with every control character a spreadsheet cannot hold as its control picture."""
    return CONTROL.sub(lambda found: chr(PICTURES + ord(found.group())), text)


def spelled(text: str) -> str:
    """``text`` with every such control character spelled out (``〈BEL〉``), for the PDF forms."""
    return CONTROL.sub(lambda found: f"〈{ABBREVIATIONS[ord(found.group())]}〉", text)
