"""Reading a roster file (名单): encodings, Excel quirks, headers, every problem with its row and column."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from flows.roster.columns import Problem
from flows.roster.reading import read_roster, split_oversees
from flows.rules.organisation import COMMITTEE, Organisation, is_examinee, scorer_of
from flows.rules.term import normalise_term
from storage.models import CommitteeRole, Position

DATA = Path(__file__).parent / "data" / "roster"
HEADER = "id,name,team,department,position,oversees,college,term_start,committee"
PRESIDENT = "1001,李华,校学生会,,主席,,文学院,2025-09,副组长"
VICE_PRESIDENT = "1002,王芳,校学生会,,副主席,办公室,数学学院,2025-09,组员"
HEAD = "1003,张伟,校学生会,办公室,部长,,数学学院,2025-09,"


def write(tmp_path: Path, text: str, name: str = "roster.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read_lines(tmp_path: Path, *lines: str) -> list:
    return read_roster(write(tmp_path, "\n".join(lines) + "\n"))


def codes(problems: tuple[Problem, ...]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in problems]


def test_the_sample_roster_reads_without_a_problem(sample_roster):
    roster = read_roster(sample_roster)
    assert roster.errors == () and roster.warnings == ()
    assert len(roster.rows) == 82
    vice_president = roster.rows[1]
    assert vice_president.row == 3
    assert vice_president.entry.position is Position.VICE_PRESIDENT
    assert vice_president.entry.oversees == ("办公室", "体育部", "生活部")
    assert vice_president.entry.committee_role is CommitteeRole.MEMBER
    teacher = roster.rows[-1].entry
    assert (teacher.student_no, teacher.position, teacher.committee_role) == (
        "T002",
        Position.TEACHER,
        CommitteeRole.LEADER,
    )


def test_gbk_encoded_csv_reads_the_same_as_utf8(tmp_path, sample_roster):
    text = sample_roster.read_text(encoding="utf-8")
    utf8 = read_roster(write(tmp_path, text, "utf8.csv"))
    assert read_roster(write(tmp_path, text, "gbk.csv", "gbk")) == utf8
    assert read_roster(write(tmp_path, text, "gb18030.csv", "gb18030")) == utf8
    assert read_roster(write(tmp_path, text, "bom.csv", "utf-8-sig")) == utf8


def test_chinese_headers_are_matched_despite_spaces_and_case(tmp_path):
    english = read_lines(tmp_path, HEADER, PRESIDENT, VICE_PRESIDENT, HEAD)
    chinese = read_lines(
        tmp_path,
        " 学号 ,姓名,  团队,部门 ,职务,分管部门,院部,任职时间,考核小组",
        PRESIDENT,
        VICE_PRESIDENT,
        HEAD,
    )
    shouting = read_lines(tmp_path, HEADER.upper().replace(",", " , "), PRESIDENT, VICE_PRESIDENT, HEAD)
    assert english.errors == () and len(english.rows) == 3
    assert chinese == english
    assert shouting == english


def test_english_codes_and_names_of_positions_and_roles_are_understood(tmp_path):
    roster = read_lines(
        tmp_path,
        HEADER,
        "1001,李华,校学生会,,President,,文学院,2025-09,deputy_leader",
        "1002,王芳,校学生会,,vice-president,办公室,数学学院,2025-09,Member",
        "1003,张伟,校学生会,办公室,head,,数学学院,2025-09,",
        "1004,刘洋,校学生会,办公室,deputy head,,数学学院,2025-09,",
    )
    assert roster.errors == ()
    assert [e.position for e in roster.entries] == [
        Position.PRESIDENT,
        Position.VICE_PRESIDENT,
        Position.HEAD,
        Position.DEPUTY_HEAD,
    ]
    assert [e.committee_role for e in roster.entries][:2] == [
        CommitteeRole.DEPUTY_LEADER,
        CommitteeRole.MEMBER,
    ]


def test_an_undecodable_csv_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(HEADER.encode() + b"\n\xff\xfe\xff,\x80\n")
    roster = read_roster(path)
    assert codes(roster.errors) == [(None, None, "undecodable")]
    assert "GBK" in str(roster.errors[0]) and "UTF-8" in str(roster.errors[0])


def test_xlsx_with_a_merged_title_row_numbers_and_dates_reads_cleanly(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2025-2026学年学生干部名单"])
    sheet.merge_cells("A1:I1")
    sheet.append(["学号", "姓名", "团队", "部门", "职务", "分管部门", "院部", " 任职时间 ", "考核小组"])
    sheet.append(
        [2023000042, "罗晨秀", "校学生会", None, "主席", None, "经济管理学院", datetime(2025, 9, 1), "副组长"]
    )
    sheet.append([None] * 9)
    sheet.append(
        [2023000111.0, "马凯秀", "校学生会", None, "副主席", "办公室、体育部", "机械工程学院", 2025.1, "组员"]
    )
    sheet.append(["2023000157", "龙浩", "校学生会", "办公室", "部长", None, None, "2025.09", None])
    sheet.append([2023000955, "何华", "校学生会", "体育部", "部长", None, None, "2026年3月", None])
    path = tmp_path / "名单.xlsx"
    workbook.save(path)

    roster = read_roster(path)

    assert roster.errors == ()
    assert [row.row for row in roster.rows] == [3, 5, 6, 7]
    assert [e.student_no for e in roster.entries] == ["2023000042", "2023000111", "2023000157", "2023000955"]
    assert [e.term_start for e in roster.entries] == ["2025-09", "2025-10", "2025-09", "2026-03"]
    assert roster.entries[1].oversees == ("办公室", "体育部")


def test_the_roster_sheet_is_found_behind_an_instructions_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "填表说明"
    workbook.active.append(["请按下表填写，学号列设为文本格式"])
    sheet = workbook.create_sheet("名单")
    for line in (HEADER, PRESIDENT, VICE_PRESIDENT, HEAD):
        sheet.append(line.split(","))
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    roster = read_roster(path)
    assert roster.errors == ()
    assert [row.row for row in roster.rows] == [2, 3, 4]


def test_rows_are_numbered_as_the_spreadsheet_shows_them_and_blank_rows_are_skipped(tmp_path):
    roster = read_lines(
        tmp_path, HEADER, PRESIDENT, ",,,,,,,,", "", VICE_PRESIDENT, "1003,张伟,校学生会,,部长,,,,"
    )
    assert codes(roster.errors) == [
        (5, "oversees", "unknown_oversight_department"),  # nobody is left in 办公室
        (6, "department", "department_required"),
    ]
    fixed = read_lines(tmp_path, HEADER, PRESIDENT, ",,,,,,,,", "", VICE_PRESIDENT, HEAD)
    assert [row.row for row in fixed.rows] == [2, 5, 6]


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        ("2025-09", "2025-09"),
        ("2025.09", "2025-09"),
        ("2025/9", "2025-09"),
        ("2025年9月", "2025-09"),
        ("2025年09月01日", "2025-09"),
        ("2025/9/1", "2025-09"),
        (2025.1, "2025-10"),  # an Excel number cell holding 2025.10
        (datetime(2026, 3, 1), "2026-03"),
        ("", ""),
        (None, ""),
        ("2025-13", None),
        ("九月", None),
        ("202509", None),
    ],
)
def test_terms_are_normalised_to_year_and_month(raw, term):
    assert normalise_term(raw) == term


def test_oversees_accepts_every_separator():
    assert split_oversees("办公室;体育部；生活部、学习部,宣传部，权益部 ;办公室") == (
        "办公室",
        "体育部",
        "生活部",
        "学习部",
        "宣传部",
        "权益部",
    )


def test_a_quoted_comma_separated_oversees_cell_in_csv(tmp_path):
    roster = read_lines(
        tmp_path,
        HEADER,
        PRESIDENT,
        '1002,王芳,校学生会,,副主席,"办公室,学习部",,,',
        HEAD,
        "1005,陈静,校学生会,学习部,部长,,,,",
    )
    assert roster.errors == ()
    assert roster.entries[1].oversees == ("办公室", "学习部")


def test_every_problem_of_a_file_is_listed_with_its_row_and_column():
    roster = read_roster(DATA / "errors.csv")
    assert roster.rows == ()
    assert codes(roster.errors) == [
        (3, "oversees", "unknown_oversight_department"),
        (5, "position", "unknown_position"),
        (6, "department", "department_required"),
        (7, "id", "duplicate_id"),
        (8, "name", "missing_value"),
        (9, "term_start", "bad_term"),
        (9, "committee", "unknown_committee_role"),
        (10, "department", "department_without_overseer"),
        (11, "oversees", "oversees_not_vice_president"),
        (12, "position", "team_with_two_presidents"),
        (13, "oversees", "department_overseen_twice"),
        (14, "team", "team_without_president"),
        (14, "department", "department_without_overseer"),
        (16, "department", "department_not_expected"),
    ]
    assert codes(roster.warnings) == [(1, None, "unknown_column")]


def test_a_problem_reads_in_chinese_then_in_english():
    roster = read_roster(DATA / "errors.csv")
    unknown = next(p for p in roster.errors if p.code == "unknown_position")
    assert unknown.params == {"value": "部长助理"}
    assert (
        str(unknown)
        == '第 5 行 “职务” 列: 未知职务 “部长助理” / row 5, column position: unknown position "部长助理"'
    )
    duplicate = next(p for p in roster.errors if p.code == "duplicate_id")
    assert duplicate.text("zh-CN") == "第 7 行 “学号” 列: 学号 2023000157 重复（第 4 行已有）"
    assert duplicate.text("en") == "row 7, column id: duplicate student number 2023000157 (already on row 4)"
    assert str(roster.warnings[0]) == '第 1 行: 未知列 “备注”，已忽略 / row 1: unknown column "备注" ignored'


def test_positions_in_messages_are_named_in_each_language(tmp_path):
    roster = read_lines(tmp_path, HEADER, PRESIDENT, VICE_PRESIDENT, HEAD, "1004,刘洋,校学生会,,干事,,,,")
    assert roster.errors[0].text("zh-CN") == "第 5 行 “部门” 列: 干事必须填写部门"
    assert (
        roster.errors[0].text("en")
        == "row 5, column department: a department is required for position officer"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", [(None, None, "empty_file")]),
        ("\n,,,\n\n", [(None, None, "empty_file")]),
        (HEADER + "\n", [(1, None, "no_members")]),
        ("名单\n张三,李四\n", [(None, None, "no_header")]),
        (
            "name,team,department,oversees\n李华,校学生会,,\n",
            [(1, "id", "missing_column"), (1, "position", "missing_column")],
        ),
        (HEADER + ",学号\n" + PRESIDENT + ",1\n", [(1, "id", "duplicate_column")]),
    ],
)
def test_a_file_without_a_usable_table_says_why(tmp_path, content, expected):
    assert codes(read_roster(write(tmp_path, content)).errors) == expected


def test_student_numbers_turned_into_scientific_notation_are_refused(tmp_path):
    roster = read_lines(tmp_path, HEADER, "2.023E+09,李华,校学生会,,主席,,,,")
    assert codes(roster.errors) == [(2, "id", "mangled_number")]


def test_values_longer_than_the_database_holds_are_refused(tmp_path):
    roster = read_lines(tmp_path, HEADER, f"1001,{'李' * 101},校学生会,,主席,,,,")
    assert codes(roster.errors) == [(2, "name", "too_long")]
    assert "100" in str(roster.errors[0])


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("missing.csv", None, "unreadable"),
        ("roster.xlsx", "not a workbook", "unreadable"),
        ("roster.xls", "old excel", "unsupported_type"),
        ("roster.txt", HEADER, "unsupported_type"),
    ],
)
def test_an_unreadable_file_is_one_clear_problem(tmp_path, name, content, code):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    roster = read_roster(path)
    assert codes(roster.errors) == [(None, None, code)]
    assert str(roster.errors[0])


def test_scorers_follow_the_scheme():
    org = Organisation(read_roster(DATA / "small.csv").entries)
    people = {entry.name: entry for entry in org.members}
    assert scorer_of(people["刘洋"], org) == people["王芳"]  # 干事: the vice-president in charge
    assert scorer_of(people["陈静"], org) == people["王芳"]  # 部长 of 学习部, also in 王芳's charge
    assert scorer_of(people["王芳"], org) == people["李华"]  # 副主席: the president
    assert scorer_of(people["李华"], org) is COMMITTEE  # 主席: the committee
    assert scorer_of(people["赵敏"], org) is None
    assert not is_examinee(people["赵敏"])
    assert [e.name for e in org.committee()] == ["赵敏", "李华", "王芳"]
