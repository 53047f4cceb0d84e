"""The roster's columns (名单的列) and the problems a roster file can have, in Chinese and English.

``COLUMNS`` names each column in English and Chinese (id 学号, name 姓名, team 团队, department 部门,
position 职务, oversees 分管部门, college 院部, term_start 任职时间, committee 考核小组); a ``Problem``
says where (row, column) and what (a code from ``MESSAGES`` with its parameters); ``RosterFile`` is
what reading a file found (``flows.roster.reading``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.rules.names import Names, in_both, lookup_key, value_text
from storage.roster import RosterEntry

# --- columns -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a roster file: its English key (also its English header), Chinese header and field."""

    key: str
    zh: str
    field: str
    required: bool = False

    @property
    def names(self) -> Names:
        return Names(self.zh, self.key)


COLUMNS = (
    Column("id", "学号", "student_no", required=True),
    Column("name", "姓名", "name", required=True),
    Column("team", "团队", "team", required=True),
    Column("department", "部门", "department"),
    Column("position", "职务", "position", required=True),
    Column("oversees", "分管部门", "oversees"),
    Column("college", "院部", "college"),
    Column("term_start", "任职时间", "term_start"),
    Column("committee", "考核小组", "committee_role"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
HEADERS = {lookup_key(spelling): c.key for c in COLUMNS for spelling in (c.key, c.zh)}
FIELD_NAMES = {column.field: column.names for column in COLUMNS} | {"active": Names("在名单", "on roster")}


# --- problems ----------------------------------------------------------------------------------------

MESSAGES: dict[str, Names] = {
    "unreadable": Names("无法读取文件: {reason}", "cannot read the file: {reason}"),
    "unsupported_type": Names(
        "不支持的文件类型 “{suffix}”，请使用 .csv 或 .xlsx",
        'unsupported file type "{suffix}": use .csv or .xlsx',
    ),
    "undecodable": Names(
        "无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030），请另存为 “CSV UTF-8” 后重试",
        'cannot decode the file (neither UTF-8 nor GBK/GB18030): save it as "CSV UTF-8" and try again',
    ),
    "empty_file": Names("文件是空的", "the file is empty"),
    "no_header": Names(
        "前 {rows} 行中找不到表头（应有 学号、姓名、团队、职务 等列）",
        "no header row in the first {rows} rows (expected columns such as id, name, team, position)",
    ),
    "no_members": Names("表头下面没有任何成员", "there are no members below the header"),
    "missing_column": Names("缺少这一必填列", "this required column is missing"),
    "duplicate_column": Names("这一列出现了两次", "this column appears twice"),
    "unknown_column": Names("未知列 “{value}”，已忽略", 'unknown column "{value}" ignored'),
    "missing_value": Names("必填内容为空", "required value is missing"),
    "too_long": Names("内容过长（最多 {limit} 个字符）", "value too long (at most {limit} characters)"),
    "mangled_number": Names(
        "学号 “{value}” 被 Excel 改成了科学计数法，请把该列设为文本后重新导出",
        'student number "{value}" was turned into scientific notation by Excel: '
        "format the column as text and export again",
    ),
    "unknown_position": Names("未知职务 “{value}”", 'unknown position "{value}"'),
    "unknown_committee_role": Names("未知考核小组角色 “{value}”", 'unknown committee role "{value}"'),
    "bad_term": Names(
        "任职时间 “{value}” 格式不对，应为 YYYY-MM（如 2025-09）",
        'malformed term "{value}": expected YYYY-MM, e.g. 2025-09',
    ),
    "duplicate_id": Names(
        "学号 {value} 重复（第 {first_row} 行已有）",
        "duplicate student number {value} (already on row {first_row})",
    ),
    "department_required": Names(
        "{position}必须填写部门", "a department is required for position {position}"
    ),
    "department_not_expected": Names(
        "{position}不属于任何部门，部门应留空", "position {position} belongs to no department: leave it empty"
    ),
    "oversees_not_vice_president": Names(
        "只有副主席分管部门，{position}应留空",
        "only a vice-president oversees departments: leave it empty for position {position}",
    ),
    "unknown_oversight_department": Names(
        "{team}没有部门 “{value}”", 'team {team} has no department "{value}"'
    ),
    "department_overseen_twice": Names(
        "部门 “{value}” 已由第 {first_row} 行的副主席分管",
        'department "{value}" is already overseen by the vice-president on row {first_row}',
    ),
    "department_without_overseer": Names(
        "{team}的部门 “{value}” 没有分管副主席", 'no vice-president oversees department "{value}" of {team}'
    ),
    "team_without_president": Names("团队 “{team}” 没有主席", 'team "{team}" has no president'),
    "team_with_two_presidents": Names(
        "团队 “{team}” 已有主席（第 {first_row} 行）",
        'team "{team}" already has a president (row {first_row})',
    ),
}


@dataclass(frozen=True)
class Problem:
    """One problem of a roster file: where (spreadsheet row, column key), what (code) and the details."""

    code: str
    row: int | None = None
    column: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def where(self, locale: str) -> str:
        column = COLUMN_BY_KEY[self.column].names.of(locale) if self.column else None
        if locale == "zh-CN":
            row = f"第 {self.row} 行" if self.row else ""
            return " ".join(filter(None, (row, f"“{column}” 列" if column else "")))
        return ", ".join(filter(None, (f"row {self.row}" if self.row else "", column and f"column {column}")))

    def text(self, locale: str) -> str:
        """The problem in ``locale``, e.g. ``第 5 行 “职务” 列: 未知职务 “部长助理”``."""
        params = {key: value_text(value, locale) for key, value in self.params.items()}
        what = MESSAGES[self.code].of(locale).format(**params)
        where = self.where(locale)
        return f"{where}: {what}" if where else what

    def __str__(self) -> str:
        return in_both(self.text)


@dataclass(frozen=True)
class RosterRow:
    """A person read from a roster file, with the spreadsheet row they came from."""

    row: int
    entry: RosterEntry


@dataclass(frozen=True)
class RosterFile:
    """What reading a roster file found: the people (none if there is any error), the errors, the warnings."""

    rows: tuple[RosterRow, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def entries(self) -> list[RosterEntry]:
        return [row.entry for row in self.rows]
