"""End to end through ``kaohe run``: appeal evidence is shown as the photo and the document themselves
to the organisation department and the committee; after the committee's decision ``/result`` shows the
decided result (申诉决定), the examinee signs for it, and the workbook and the printable form of
``kaohe export`` agree; the archive holds the photo and the document themselves, fetched from the Bot
API, with their hashes."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from appeal_helpers import MEMBER, OFFICER, ORG_OFFICER
from e2e_helpers import (
    appeals_against_an_item,
    decides_plus_three,
    labelled,
    released_to,
    submits_and_the_department_opens_it,
    tap,
)
from openpyxl import load_workbook
from pypdf import PdfReader

SIGN_IN_SHEET = b"%PDF-1.4 sign-in sheet"
SIGN_IN_PHOTO = b"\xff\xd8\xff\xe0 a photo of the sign-in sheet"


def reported_appeal(bot, fake_api, kaohe, sample_roster, scheme, database_url):
    """The officer's appeal against one item, with a photo and a document, reported to the committee.

    Returns the officer, the organisation department's officer, a committee member, and the file ids
    of the photo and the document as Telegram gave them."""
    people = released_to(
        bot, fake_api, kaohe, sample_roster, scheme, database_url, (OFFICER, ORG_OFFICER, MEMBER)
    )
    officer, department, member = (people[no] for no in (OFFICER, ORG_OFFICER, MEMBER))
    appeals_against_an_item(officer)
    photo = officer.send_photo(SIGN_IN_PHOTO, caption="迎新晚会签到表")["photo"][-1]["file_id"]
    officer.wait_for("第 1 份")
    document = officer.send_document(SIGN_IN_SHEET, "签到表.pdf")["document"]["file_id"]
    received = officer.wait_for("第 2 份")
    officer.press(received, next(label for label in received.labels if "完成" in label))
    submits_and_the_department_opens_it(officer, department)
    opened = department.wait_for(labelled("上报考核小组"))
    shown_photo = department.wait_for(lambda m: m.photo is not None)
    assert shown_photo.photo.file_id == photo and "迎新晚会签到表" in shown_photo.body  # type: ignore[union-attr]
    department.press(opened, next(label for label in opened.labels if label.endswith("上报考核小组")))
    department.wait_for("已将 郭宇雅 的申诉上报考核小组")
    member.wait_for("上报考核小组")
    return officer, department, member, photo, document


def test_the_committee_handling_an_appeal_receives_the_photo_and_the_document_themselves(
    bot, fake_api, kaohe, sample_roster, scheme, database_url
):
    _, _, member, photo, document = reported_appeal(bot, fake_api, kaohe, sample_roster, scheme, database_url)
    member.send("/appeals")
    tap(member, "郭宇雅")
    member.wait_for(labelled("⚖️ 裁定"))
    shown_photo = member.wait_for(lambda m: m.photo is not None)
    shown_document = member.wait_for(lambda m: m.document is not None)
    assert shown_photo.photo.file_id == photo and "📷 照片：迎新晚会签到表" in shown_photo.body  # type: ignore[union-attr]
    assert shown_document.document.file_id == document  # type: ignore[union-attr]
    assert shown_document.document.content == SIGN_IN_SHEET  # type: ignore[union-attr]
    assert bot.stop() == 0


def printed_text(pdf: Path) -> str:
    """A PDF's text as it stands on its pages, row by row (a form's fixed words are drawn apart from
    its values, once per document), without the line and cell breaks."""
    pages = PdfReader(pdf).pages
    return "".join("".join(page.extract_text(extraction_mode="layout") for page in pages).split())


def test_after_an_appeal_decision_result_and_the_workbook_agree(
    bot, fake_api, kaohe, sample_roster, scheme, database_url, tmp_path
):
    officer, _, member, _, _ = reported_appeal(bot, fake_api, kaohe, sample_roster, scheme, database_url)
    member.send("/appeals")
    tap(member, "郭宇雅")
    tap(member, "⚖️ 裁定")
    decides_plus_three(member)
    officer.wait_for("最终裁定")

    officer.send("/result")
    result = officer.wait_for("申诉决定")
    assert "总分：80 / 100" in result.body and "考核等级：A（良好）" in result.body
    assert "📝 申诉" not in result.labels
    officer.press(result, "✍️ 签字（确认收到）")
    officer.wait_for("签字确认收到结果")

    out = tmp_path / "archive"
    kaohe("export", "--cycle", "2026秋季考核", "--out", str(out))
    sheet = load_workbook(io.BytesIO((out / "2026秋季考核.xlsx").read_bytes()))["评分表"]
    header = [cell.value for cell in sheet[2]]
    [row] = [r for r in sheet.iter_rows(min_row=3, values_only=True) if "郭宇雅" in r]
    assert row[header.index("总分（100）")] == 80 and row[header.index("等级")] == "A 良好"
    department = "".join(printed_text(pdf) for pdf in (out / "departments").glob("*.pdf"))
    assert "裁定后结果80.0，A" in department
    own = tmp_path / "own"
    kaohe("export", "--cycle", "2026秋季考核", "--examinee", OFFICER, "--out", str(own))
    [form] = (own / "forms").rglob(f"{OFFICER}-郭宇雅.pdf")
    printed = printed_text(form)
    assert "总分10080.0考核等级A（良好）" in printed and "裁定后结果80.0，A" in printed
    [photo] = (out / "evidence").glob("*-1.jpg")
    [document] = (out / "evidence").glob("*-2.pdf")
    assert photo.read_bytes() == SIGN_IN_PHOTO and document.read_bytes() == SIGN_IN_SHEET
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files[f"evidence/{document.name}"]["sha256"] == hashlib.sha256(SIGN_IN_SHEET).hexdigest()
    assert bot.stop() == 0
