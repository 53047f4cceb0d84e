"""The forms' tables drawn straight onto the canvas (flows.archive.grid): long text flows on to the
next page whole, rare characters are set in the fallback font, control characters are spelled out,
signature rows stay on one page."""

from __future__ import annotations

import io
from decimal import Decimal

from pypdf import PdfReader
from reportlab.pdfbase.pdfdoc import PDFPage
from reportlab.platypus import Spacer

from flows.archive import pdf
from flows.archive.blocks import Together
from flows.archive.pdf import FALLBACK, PAGE_WIDTH, grid, print_pdf


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_long_answer_flows_on_to_the_next_pages_with_every_character():
    answer = "".join(f"第{n}句：本学期认真完成部门分配的各项工作。" for n in range(400))
    data = print_pdf([grid([["学习", answer]], [0.2, 0.8])], "周期", provisional=False)
    texts = pages(data)
    assert len(texts) > 2
    printed = "".join(text.replace("\n", "") for text in texts)
    assert all(f"第{n}句" in printed for n in range(400))
    assert "学习" in texts[0]


def test_a_table_longer_than_a_page_is_split_between_rows():
    rows = [[f"行{n}", "内容"] for n in range(80)]  # 80 rows of 21 pt: three pages
    texts = pages(print_pdf([grid(rows, [0.3, 0.7])], "周期", provisional=False))
    assert len(texts) == 3
    assert all(any(f"行{n} 内容" in text for text in texts) for n in range(80))


def test_rare_characters_are_set_in_the_fallback_font_and_control_characters_spelled_out():
    data = print_pdf([grid([["姓名", "王䶮\x07"]], [0.2, 0.8])], "周期", provisional=False)
    assert FALLBACK.encode() in data
    assert "〈BEL〉" in pages(data)[0]


def test_kept_together_rows_move_to_the_next_page_whole():
    signatures = grid([[f"签字{n}", "日期"] for n in range(4)], [0.5, 0.5])
    filler = Spacer(PAGE_WIDTH, 680)
    texts = pages(print_pdf([filler, Together([signatures])], "周期", provisional=False))
    assert len(texts) == 2 and all(f"签字{n}" in texts[1] for n in range(4))


def test_every_page_is_headed_and_numbered_and_shares_one_resource_dictionary():
    rows = [[f"行{n}", "内容"] for n in range(80)]
    data = print_pdf([grid(rows, [0.3, 0.7])], "2026 周期 · 校团委", provisional=True)
    texts = pages(data)
    assert len(texts) == 3
    for number, text in enumerate(texts, 1):
        assert "2026 周期 · 校团委" in text and "暂定 · 结果尚未发布" in text and f"第 {number} 页" in text
    reader = PdfReader(io.BytesIO(data))
    resources = {page.raw_get("/Resources").idnum for page in reader.pages}
    assert len(resources) == 1
    assert all(page["/Contents"].get_object()["/Filter"] == ["/FlateDecode"] for page in reader.pages)
    assert print_pdf([grid(rows, [0.3, 0.7])], "2026 周期 · 校团委", provisional=True) == data


def test_a_row_of_short_texts_is_laid_out_once_and_prints_its_own_values():
    first = grid([["纪律", Decimal("13.6")], ["总分", "65"]], [0.5, 0.5])
    again = grid([["纪律", Decimal("13.6")], ["总分", "70"]], [0.5, 0.5])
    equal = grid([["纪律", Decimal("13.60")], ["总分", "65"]], [0.5, 0.5])  # equal value, other text
    assert again.rows[0] is first.rows[0] and again.rows[1] is not first.rows[1]
    texts = pages(print_pdf([first, Spacer(1, 4), again, Spacer(1, 4), equal], "周期", provisional=False))
    assert "纪律 13.6\n总分 65\n纪律 13.6\n总分 70\n纪律 13.60\n总分 65" in texts[0]


def test_pages_are_written_as_reportlabs_own_page_objects_would_be(monkeypatch):
    rows = [[f"行{n}", "内容"] for n in range(80)]
    data = print_pdf([grid(rows, [0.3, 0.7])], "周期", provisional=True)
    monkeypatch.setattr(pdf._Page, "format", PDFPage.format)
    assert print_pdf([grid(rows, [0.3, 0.7])], "周期", provisional=True) == data
