"""Control characters in stored text (issue 11): a roster name, a self-assessment answer and an appeal
reason holding characters Excel cannot hold (BEL, VT, ESC) are exported, shown visibly: the workbook
has their control pictures, the PDF forms spell them out."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from appeal_helpers import OFFICER, RELEASED
from archive_helpers import decided_and_interviewed
from cycle_helpers import SHANGHAI
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pypdf import PdfReader
from sqlmodel import select

from flows.archive.controls import CONTROL, pictured, spelled
from flows.archive.export import examinee_file, export_files
from storage.models import Appeal, Cycle, CycleExaminee, SelfAnswer

NAME = "郭\x07宇雅"
ANSWER = "\x0b按时完成各项工作\x1b"
REASON = "\x1b[31m 工作业绩评分与事实不符"


@pytest.fixture
def files(session, sample_roster) -> dict[str, bytes]:
    """The sample archive after the officer's name, one of her answers and her appeal's reason were
    stored with control characters in them."""
    decided_and_interviewed(session, sample_roster)
    examinee = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == OFFICER)).one()
    examinee.name = NAME
    answer = session.exec(select(SelfAnswer)).first()
    assert answer is not None
    answer.text = ANSWER
    appeal = session.exec(select(Appeal)).one()
    appeal.reason = REASON
    session.add_all([examinee, answer, appeal])
    session.commit()
    cycle = session.exec(select(Cycle)).one()
    return export_files(session, cycle, SHANGHAI, now=RELEASED + timedelta(days=30))


def test_the_control_characters_are_the_ones_excel_cannot_hold():
    every = "".join(chr(n) for n in range(32))
    assert CONTROL.findall(every) == ILLEGAL_CHARACTERS_RE.findall(every)
    assert "\t" not in CONTROL.pattern and pictured("a\tb\nc\r") == "a\tb\nc\r"


def test_the_workbook_shows_control_characters_as_their_pictures(files):
    book = load_workbook(io.BytesIO(files["2026秋季考核.xlsx"]))
    values = [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row if c.value]
    assert "郭␇宇雅" in values  # the score sheet's name column
    assert any("␋按时完成各项工作␛" in value for value in values)
    appeal = [
        c for row in book["申诉与裁定"].iter_rows() for c in row if c.value == "␛[31m 工作业绩评分与事实不符"
    ]
    assert appeal and appeal[0].data_type == "s"
    assert not any(CONTROL.search(value) for value in values)


def test_a_control_picture_at_the_start_stays_formula_safe():
    assert pictured("\x07=1+1") == "␇=1+1"
    assert spelled("\x07\x0b\x1b") == "〈BEL〉〈VT〉〈ESC〉"


def test_the_forms_spell_control_characters_out(files, session):
    path, data = examinee_file(session, session.exec(select(Cycle)).one(), SHANGHAI, "2023000256")
    assert path.endswith("-郭_宇雅.pdf")  # no control character in a file name
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = re.sub(r"\s+", "", text)
    assert "郭〈BEL〉宇雅" in flat
    assert "〈VT〉按时完成各项工作〈ESC〉" in flat
    assert "〈ESC〉[31m工作业绩评分与事实不符" in flat
    assert "郭〈BEL〉宇雅" in re.sub(
        r"\s+",
        "",
        "".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(files["departments/校学生会-办公室.pdf"])).pages
        ),
    )
