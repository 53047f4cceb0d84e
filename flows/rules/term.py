"""A term of office (任职时间) as people write it, read as YYYY-MM: a roster's cell (a date, or the
number Excel keeps for 2025.09) or what an examinee types into their self-assessment."""

from __future__ import annotations

import re
from datetime import date

TERM = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:月\s*(?:\d{1,2}\s*日)?|[-./]\s*\d{1,2})?")


def normalise_term(value: object) -> str | None:
    """A term of office (任职时间) as YYYY-MM, "" when blank, None when malformed.

    Accepts 2025-09, 2025.09, 2025/9, 2025年9月, a full date, an Excel date cell, or the number 2025.09.
    """
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    if value is None:
        return ""
    text = f"{value:.2f}" if isinstance(value, float) else str(value).replace("\ufeff", "").strip()
    if not text:
        return ""
    match = TERM.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return f"{match[1]}-{int(match[2]):02d}"
