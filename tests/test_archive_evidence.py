"""Appeal evidence in the archive (issues 13, 15): ``kaohe export`` fetches each photo and document
through the Bot API (here the fake one) into ``evidence/<appeal>-<n>.<ext>``, hashed in the manifest
and named in the workbook and on 附表六; once fetched a file is kept, so a later export needs no
Telegram; a file that cannot be fetched is listed as missing with the reason, and the export goes on.
``kaohe cycle archive`` fetches them first, so that the archived cycle holds them."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_helpers import decided_and_interviewed
from fakebotapi import FakeBotApi
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from bot.cli import main
from storage.models import Appeal, AppealEvidence, Cycle, EvidenceFile, EvidenceKind

TOKEN = "123456:archive-evidence-test"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the sign-in sheet"
DOCUMENT = b"%PDF-1.4 the sign-in sheet"
CYCLE = "2026秋季考核"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture
def appeal(session, sample_roster, api) -> Appeal:
    """郭宇雅's decided appeal, its evidence a photo and a document Telegram has (the fake API's)."""
    decided_and_interviewed(session, sample_roster)
    photo = api.store.add_file(PHOTO, "photos", mime_type="image/jpeg")
    document = api.store.add_file(DOCUMENT, "documents", filename="签到表.pdf")
    [piece] = session.exec(select(AppealEvidence)).all()
    piece.file_id = photo.file_id
    session.add(piece)
    session.add(
        AppealEvidence(appeal_id=piece.appeal_id, kind=EvidenceKind.DOCUMENT, file_id=document.file_id)
    )
    session.commit()
    return session.exec(select(Appeal)).one()


def config_of(folder: Path, database_url: str, api: FakeBotApi | None, base_url: str = "") -> str:
    path = folder / "config.toml"
    telegram = ""
    if api is not None:
        telegram = (
            f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{base_url or api.base_url}"\n'
            f'api_file_url = "{api.base_file_url}"\n'
        )
    path.write_text(f'[database]\nurl = "{database_url}"\n{telegram}', encoding="utf-8")
    return str(path)


def export(config: str, out: Path) -> None:
    assert main(["--config", config, "export", "--cycle", CYCLE, "--out", str(out)]) == 0


def archive(config: str, session, *options: str) -> int:
    """``kaohe cycle archive`` of the cycle, its appeal window closed ten days ago."""
    cycle = session.exec(select(Cycle)).one()
    cycle.released_at = datetime.now(UTC) - timedelta(days=10)
    session.add(cycle)
    session.commit()
    return main(["--config", config, *options, "cycle", "archive", "--name", CYCLE])


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def evidence_cell(out: Path) -> str:
    sheet = load_workbook(out / f"{CYCLE}.xlsx")["申诉与裁定"]
    header = [cell.value for cell in sheet[2]]
    [row] = list(sheet.iter_rows(min_row=3, values_only=True))
    return str(row[header.index("证明材料")])


def form_text(out: Path) -> str:
    data = (out / "departments" / "校学生会-办公室.pdf").read_bytes()
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def test_the_evidence_files_are_fetched_into_the_archive_once_and_kept(
    appeal, api, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    first = tmp_path / "first"
    export(config_of(tmp_path, database_url, api), first)
    assert "取得 2 份" in capsys.readouterr().out
    photo, document = f"evidence/{appeal.id}-1.jpg", f"evidence/{appeal.id}-2.pdf"
    assert (first / photo).read_bytes() == PHOTO and (first / document).read_bytes() == DOCUMENT
    files = manifest(first)["files"]
    assert files[photo]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert files[document]["sha256"] == hashlib.sha256(DOCUMENT).hexdigest()
    assert manifest(first)["evidence_missing"] == {}
    listed = evidence_cell(first)
    assert f"1. 照片：+签到表照片 → {photo}" in listed and f"2. 文件 → {document}" in listed
    assert photo in form_text(first) and document in form_text(first)

    second = tmp_path / "second"  # no token, no Telegram: the files kept are written all the same
    export(config_of(tmp_path, database_url, None), second)
    assert "未能取得" not in capsys.readouterr().out
    assert manifest(second)["evidence_missing"] == {}
    for path in (photo, document, "departments/校学生会-办公室.pdf"):
        assert (second / path).read_bytes() == (first / path).read_bytes()


def test_files_that_cannot_be_fetched_are_listed_with_the_reason_and_the_export_goes_on(
    appeal, api, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    without_token = tmp_path / "without-token"
    export(config_of(tmp_path, database_url, None), without_token)
    printed = capsys.readouterr().out
    assert (
        "2 份证明材料的文件未能取得" in printed and "evidence files could not be fetched" not in printed
    )  # one language a run
    assert f"evidence/{appeal.id}-1: 没有 bot token（no bot token）" in printed
    assert manifest(without_token)["evidence_missing"] == {
        f"evidence/{appeal.id}-1": "没有 bot token（no bot token）",
        f"evidence/{appeal.id}-2": "没有 bot token（no bot token）",
    }
    assert "1. 照片：+签到表照片（文件未能取得：没有 bot token（no bot token））" in evidence_cell(
        without_token
    )
    assert "文件未能取得" in form_text(without_token)
    assert not (without_token / "evidence").exists()

    unreachable = tmp_path / "unreachable"  # a port nobody listens on
    export(config_of(tmp_path, database_url, api, base_url="http://127.0.0.1:9/bot"), unreachable)
    assert "连不上 Telegram" in manifest(unreachable)["evidence_missing"][f"evidence/{appeal.id}-1"]

    api.store.files.pop(next(iter(api.store.files)))  # Telegram no longer has the photo
    gone = tmp_path / "gone"
    export(config_of(tmp_path, database_url, api), gone)
    assert manifest(gone)["evidence_missing"] == {f"evidence/{appeal.id}-1": "Telegram：Invalid file_id"}
    assert (gone / f"evidence/{appeal.id}-2.pdf").read_bytes() == DOCUMENT
    assert TOKEN not in capsys.readouterr().out


def test_archiving_fetches_the_evidence_files_first_so_that_the_archived_cycle_holds_them(
    appeal, api, session, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    assert archive(config_of(tmp_path, database_url, api), session) == 0
    printed = capsys.readouterr().out
    assert "取得 2 份" in printed and "已归档" in printed and "未能取得" not in printed
    out = tmp_path / "archive"  # no token, no Telegram: the archived cycle's export has every file
    export(config_of(tmp_path, database_url, None), out)
    assert manifest(out)["evidence_missing"] == {}
    assert (out / f"evidence/{appeal.id}-1.jpg").read_bytes() == PHOTO
    assert (out / f"evidence/{appeal.id}-2.pdf").read_bytes() == DOCUMENT


def test_files_that_cannot_be_fetched_are_named_and_the_cycle_archived_and_a_later_export_fetches_them(
    appeal, api, session, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    assert archive(config_of(tmp_path, database_url, None), session) == 0
    printed = capsys.readouterr().out
    assert "2 份证明材料的文件在归档前未能取得" in printed and "已归档" in printed
    assert f"evidence/{appeal.id}-1: 没有 bot token（no bot token）" in printed
    assert f"evidence/{appeal.id}-2: 没有 bot token（no bot token）" in printed
    session.expire_all()
    assert session.exec(select(Cycle)).one().archived_at is not None
    out = tmp_path / "archive"
    export(config_of(tmp_path, database_url, api), out)
    assert "取得 2 份" in capsys.readouterr().out and manifest(out)["evidence_missing"] == {}


def test_an_archiving_refused_fetches_nothing(
    appeal, api, session, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    config = config_of(tmp_path, database_url, api)
    assert main(["--config", config, "cycle", "archive", "--name", CYCLE]) == 2  # the appeal window is open
    assert "申诉期" in capsys.readouterr().err
    assert session.exec(select(EvidenceFile)).all() == []


def test_archiving_says_in_english_what_could_not_be_fetched(
    appeal, session, tmp_path, database_url, monkeypatch, capsys
):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    assert archive(config_of(tmp_path, database_url, None), session, "--lang", "en") == 0
    printed = capsys.readouterr().out
    assert "2 evidence files could not be fetched before archiving" in printed and "未能取得" not in printed
