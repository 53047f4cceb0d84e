"""``kaohe roster template``: an .xlsx with the roster's columns, example rows that import as they are,
the allowed positions and committee roles as drop-down lists, and instructions, in one language."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import Session, func, select

from bot.cli import main
from flows.roster.reading import read_roster
from flows.roster.template import roster_template
from storage.db import make_engine
from storage.models import Member, Position


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_template_reads_back_as_a_small_organisation_without_a_problem(tmp_path, locale):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_template(locale))

    read = read_roster(path)

    assert not read.errors and not read.warnings
    positions = [entry.position for entry in read.entries]
    assert positions == [
        Position.PRESIDENT,
        Position.VICE_PRESIDENT,
        Position.HEAD,
        Position.OFFICER,
        Position.TEACHER,
    ]


def test_positions_and_committee_roles_are_lists_to_pick_from_and_ids_stay_text():
    book = openpyxl.load_workbook(io.BytesIO(roster_template("zh-CN")))
    sheet = book["名单"]
    headers = [cell.value for cell in sheet[1]]
    assert headers == ["学号", "姓名", "团队", "部门", "职务", "分管部门", "院部", "任职时间", "考核小组"]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert lists == {"E2:E501": '"主席,副主席,部长,副部长,干事,老师"', "I2:I501": '"总指导,组长,副组长,组员"'}
    assert sheet["A300"].number_format == "@"
    assert "学号" in sheet["A1"].comment.text
    assert "kaohe roster import" in book["填写说明"]["A1"].value


def test_kaohe_roster_template_then_import_loads_it(tmp_path: Path, database_url: str):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    template = tmp_path / "名单"

    assert main(["--config", str(config), "roster", "template", str(template)]) == 0
    assert main(["--config", str(config), "roster", "import", str(tmp_path / "名单.xlsx")]) == 0

    engine = make_engine(database_url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Member)).one() == 5
    engine.dispose()
