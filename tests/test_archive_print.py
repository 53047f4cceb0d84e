"""The archive as a student union prints it: the workbook and the department PDFs turned into page
images (LibreOffice and poppler's pdftoppm, from the distribution's packages; ``.ci/run`` installs them
in CI). The 82-person sample cycle's workbook prints in at most 6 pages; each form keeps its signature
rows on one page; every page shows Chinese set in an embedded font, never as empty boxes (tofu)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from appeal_helpers import RELEASED
from archive_helpers import decided_and_interviewed
from cycle_helpers import SHANGHAI
from pypdf import PdfReader
from sqlmodel import select

from flows.archive.export import export_files
from flows.archive.pdf import FONT_FILE, missing_characters
from storage.models import Cycle

TOOLS = ("soffice", "pdftoppm", "pdffonts")
CJK = re.compile(r"[\u4e00-\u9fff]")
SIGNATURE_ROWS = ("学生联合会主席复核意见", "评分人签字", "被考核者签字", "团委老师签字")


@pytest.fixture(scope="module")
def tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"{', '.join(missing)} missing in CI: .ci/run installs them")
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed (apt-get install libreoffice-calc-nogui poppler-utils)"
        )


@pytest.fixture
def archive(tools, session, sample_roster, tmp_path) -> Path:
    decided_and_interviewed(session, sample_roster)
    cycle = session.exec(select(Cycle)).one()
    out = tmp_path / "archive"
    for path, data in export_files(session, cycle, SHANGHAI, now=RELEASED).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    return out


def run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def images(pdf: Path, folder: Path) -> list[Path]:
    """Every page of ``pdf`` as a PNG (what a printer would put on paper, at 50 dpi)."""
    folder.mkdir(parents=True, exist_ok=True)
    run("pdftoppm", "-r", "50", "-png", pdf, folder / "page")
    pages = sorted(folder.glob("page-*.png"))
    assert all(page.stat().st_size > 2_000 for page in pages)  # not blank
    return pages


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages]


def embedded_fonts(pdf: Path) -> list[tuple[str, bool]]:
    """(name, embedded) of every font the PDF uses, as pdffonts lists them."""
    lines = run("pdffonts", pdf).splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines]


def workbook_pdf(workbook: Path, tmp_path: Path) -> Path:
    """LibreOffice prints the workbook to PDF; the bundled CJK font is offered to it through fontconfig,
    as on a server with no Chinese fonts installed."""
    config = tmp_path / "fonts.conf"
    system = "<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>"
    config.write_text(f"<?xml version='1.0'?><fontconfig>{system}<dir>{FONT_FILE.parent}</dir></fontconfig>")
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)}
    run("soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp_path / "printed", workbook, env=env)
    return tmp_path / "printed" / f"{workbook.stem}.pdf"


def test_the_sample_cycles_workbook_prints_in_at_most_six_pages_of_chinese(archive, tmp_path):
    printed = workbook_pdf(archive / "2026秋季考核.xlsx", tmp_path)
    pages = images(printed, tmp_path / "workbook")
    assert 1 <= len(pages) <= 6
    assert all(CJK.search(text) for text in page_texts(printed))
    fonts = embedded_fonts(printed)
    assert all(embedded for _, embedded in fonts)
    assert any(re.search(r"CJK|SC|Hei|Song|Ming|WenQuanYi", name) for name, _ in fonts)


def test_department_forms_keep_their_signatures_together_in_an_embedded_chinese_font(archive, tmp_path):
    departments = sorted((archive / "departments").glob("*.pdf"))
    assert len(departments) == 18
    for pdf in departments:
        texts = page_texts(pdf)
        assert len(images(pdf, tmp_path / pdf.stem)) == len(texts)
        fonts = {(name.split("+")[-1], embedded) for name, embedded in embedded_fonts(pdf)}
        assert fonts == {("NotoSerifSCSubset", True)}  # the bundled font, embedded, and no other
        for text in texts:
            assert CJK.search(text) and not missing_characters(text)  # no glyph drawn as an empty box
            rows = [row for row in SIGNATURE_ROWS if row in text]
            assert rows in ([], list(SIGNATURE_ROWS)), f"{pdf.name}: signature rows split: {rows}"
            if "学生干部考核评分表（附表三）" in text:
                assert "团委老师签字" in text and "面谈记录" in text  # the whole form on its page
        forms = sum(text.count("学生干部自我评定表（附表一）") for text in texts)
        assert forms == sum(text.count("学生干部考核评分表（附表三）") for text in texts)
