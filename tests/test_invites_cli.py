"""``kaohe invites``: links without a token once the bot's username is known (configured, or asked of
Telegram once and kept in the database), QR codes per member and a printable sheet per department."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import segno
from cli_helpers import kaohe_config
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select

from bot.cli import main
from bot.commands import invites as invites_command
from flows.roster.invitation_sheets import PNG_SCALE, QR_BORDER
from storage.db import make_engine
from storage.models import AuditEntry, Invitation, Member, TelegramBinding

OFFICE = {"龙浩", "杨超", "郭宇雅", "江桂"}  # 校学生会 办公室 in the sample roster
BOUND = "杨超"


@pytest.fixture
def config(tmp_path: Path, database_url: str, sample_roster: Path, monkeypatch) -> str:
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    return kaohe_config(tmp_path, database_url, sample_roster)


def configure(config: str, extra: str) -> None:
    Path(config).write_text(Path(config).read_text(encoding="utf-8") + extra, encoding="utf-8")


def bind(database_url: str, name: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.name == name)).one()
        session.add(TelegramBinding(member_id=member.id, telegram_user_id=7, chat_id=7))
        session.commit()
    engine.dispose()


def invites_csv(config: str, capsys, *more: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["--config", config, "invites", "--format", "csv", *more]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_with_bot_username_configured_invites_need_no_token(config, capsys):
    configure(config, '[telegram]\nbot_username = "@union_bot"\n')
    rows = invites_csv(config, capsys)
    assert len(rows) == 82 and all(r["link"] == f"https://t.me/union_bot?start={r['code']}" for r in rows)
    assert invites_csv(config, capsys) == rows  # asked again: the same live invitations


def test_without_username_or_token_it_says_what_to_set(config, capsys):
    assert main(["--config", config, "invites"]) == 2
    error = capsys.readouterr().err
    assert "telegram.bot_username" in error and "KAOHE_BOT_TOKEN" in error


def test_the_username_is_asked_of_telegram_once_and_remembered(config, capsys, monkeypatch):
    asked = []
    monkeypatch.setenv("KAOHE_BOT_TOKEN", "123:test")
    monkeypatch.setattr(invites_command, "_ask_telegram", lambda config: asked.append(1) or "asked_bot")
    first = invites_csv(config, capsys)
    monkeypatch.delenv("KAOHE_BOT_TOKEN")  # later runs need no token
    second = invites_csv(config, capsys)
    assert asked == [1]
    assert first == second and first[0]["link"].startswith("https://t.me/asked_bot?start=")


def test_a_whole_roster_is_invited_in_one_audit_row(config, database_url, capsys):
    configure(config, '[telegram]\nbot_username = "union_bot"\n')
    bind(database_url, BOUND)
    rows = invites_csv(config, capsys)
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert len(session.exec(select(Invitation)).all()) == 81
        [issued] = session.exec(select(AuditEntry).where(AuditEntry.action == "invite.issue")).all()
        assert sorted(issued.after["members"]) == sorted(r["id"] for r in rows)
    engine.dispose()


def png_modules(png: bytes, size: int) -> list[list[bool]]:
    """Which modules of a QR code PNG are dark, read at the centre of each module."""
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == ((size + 2 * QR_BORDER) * PNG_SCALE,) * 2
    centre = PNG_SCALE // 2
    return [
        [image.getpixel(((QR_BORDER + x) * PNG_SCALE + centre, (QR_BORDER + y) * PNG_SCALE + centre)) < 128
         for x in range(size)]
        for y in range(size)
    ]  # fmt: skip


def test_qr_codes_hold_each_members_link_and_a_sheet_per_department_lists_its_unregistered(
    config, database_url, tmp_path, capsys
):
    configure(config, '[telegram]\nbot_username = "union_bot"\n')
    bind(database_url, BOUND)
    folder = tmp_path / "二维码"
    assert main(["--config", config, "invites", "--qr", str(folder)]) == 0
    assert "每个部门一份可打印的 A4 PDF" in capsys.readouterr().out
    links = {row["name"]: row["link"] for row in invites_csv(config, capsys)}

    office = folder / "校学生会_办公室"
    pngs = sorted(office.glob("*.png"))
    assert {path.stem.split("-", 1)[1] for path in pngs} == OFFICE - {BOUND}
    for path in pngs:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and path.stat().st_mode & 0o077 == 0
        expected = segno.make_qr(links[path.stem.split("-", 1)[1]], error="m")
        matrix = [[bool(bit) for bit in row] for row in expected.matrix]
        assert png_modules(data, len(matrix)) == matrix

    pages = PdfReader(folder / "校学生会_办公室.pdf").pages
    text = "".join(page.extract_text() for page in pages)
    named = {name for name in links if name in text}
    assert named == OFFICE - {BOUND}  # exactly its unregistered members, nobody of another department
    assert all(links[name] in text.replace("\n", "") for name in named)
    assert "沿虚线剪开" in text and "学号" in text and "干事" in text


def test_lang_en_words_the_sheet_in_english(config, tmp_path, capsys):
    configure(config, '[telegram]\nbot_username = "union_bot"\n')
    folder = tmp_path / "qr"
    assert main(["--config", config, "--lang", "en", "invites", "--qr", str(folder)]) == 0
    assert "printable A4 PDF per department" in capsys.readouterr().out
    text = PdfReader(folder / "校学生会_办公室.pdf").pages[0].extract_text()
    assert "Cut along the dashed lines" in text and "officer" in text and "沿虚线" not in text
