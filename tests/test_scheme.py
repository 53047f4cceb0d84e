"""The scheme file (考核方案): the shipped default, its checks, and errors that name the file and the key."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.rules.scheme import (
    DEFAULT_SCHEME,
    SCHEMES_DIR,
    SchemeError,
    default_scheme,
    load_scheme,
    parse_scheme,
)


def default_data() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_SCHEME.read_text(encoding="utf-8"))


def toml_value(value: Any) -> str:
    """Just enough TOML writing for these tests: every table inline, keys and strings as JSON strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float | Decimal | date | time):
        return value.isoformat() if isinstance(value, date | time) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def write_scheme(path: Path, data: dict[str, Any]) -> Path:
    lines = [f"{json.dumps(key)} = {toml_value(value)}" for key, value in data.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The shipped default


def test_the_default_scheme_loads_and_its_rubric_adds_up_to_100() -> None:
    scheme = default_scheme()
    assert scheme.rubric.total == 100
    assert sum(d.points for d in scheme.rubric.dimensions) == 100
    assert sum(item.points for item in scheme.rubric.items) == 100


def test_the_default_rubric_has_the_dimensions_items_and_points_of_the_scheme() -> None:
    rubric = default_scheme().rubric
    assert [(d.name.zh, int(d.points)) for d in rubric.dimensions] == [
        ("工作绩效", 50),
        ("学业成绩", 20),
        ("思想素养", 15),
        ("生活作风", 15),
    ]
    assert [(item.name.zh, int(item.points)) for item in rubric.items] == [
        ("工作业绩", 20),
        ("工作态度", 15),
        ("工作能力", 15),
        ("知识技能", 8),
        ("所获奖项", 6),
        ("学习纪律", 6),
        ("服务意识", 8),
        ("基本素质", 7),
        ("语言", 8),
        ("礼仪", 7),
    ]


def test_every_item_describes_in_both_languages_what_earns_its_points_from_full_marks_down() -> None:
    for item in default_scheme().rubric.items:
        assert item.description.zh and item.description.en
        assert item.anchors[0].points == item.points
        assert len(item.anchors) >= 3
        assert all(anchor.zh and anchor.en for anchor in item.anchors)


def test_work_results_anchors_describe_20_15_10_and_5_points() -> None:
    item = default_scheme().rubric.item("results")
    assert [int(anchor.points) for anchor in item.anchors] == [20, 15, 10, 5]
    assert default_scheme().rubric.dimension_of("results").key == "performance"


def test_default_grades_are_S_A_B_C_D_with_bands_90_80_70_60() -> None:
    scheme = default_scheme()
    assert scheme.grade_keys == ("S", "A", "B", "C", "D")
    assert [g.min_total for g in scheme.grades] == [90, 80, 70, 60, None]
    assert [g.name.zh for g in scheme.grades] == ["优秀", "良好", "及格", "较差", "差"]
    assert "本部门业绩出色" in scheme.grade("S").meaning.zh


def test_default_distribution_gates_S_on_outstanding_and_A_on_good_with_at_most_30_percent_S() -> None:
    distribution = default_scheme().distribution
    assert distribution.rating_keys == ("outstanding", "good", "ordinary")
    assert distribution.min_rating == {"S": "outstanding", "A": "good"}
    [quota] = distribution.quotas
    assert (quota.grades, quota.bound, quota.fraction) == (("S",), "at_most", Decimal("0.3"))
    assert distribution.not_all_alike_from_size == 3


def test_default_forms_clocks_and_precision() -> None:
    scheme = default_scheme()
    assert scheme.self_assessment.self_score is False
    assert [s.key for s in scheme.self_assessment.sections] == [
        "ideology",
        "study",
        "work",
        "progress",
        "improve",
    ]
    assert all(20 <= s.min_length < s.max_length <= 2000 for s in scheme.self_assessment.sections)
    assert (scheme.appeals.window_days, scheme.appeals.escalate_within_hours) == (3, 24)
    assert scheme.appeals.decide_within_days == 7
    assert scheme.reminders.days_before == (3, 1, 0, -1)
    assert scheme.reminders.quiet_hours.start == time(23) and scheme.reminders.quiet_hours.end == time(7)
    assert scheme.scoring.decimals == 1 and scheme.scoring.step == Decimal("0.1")
    assert (scheme.scoring.comment_min_length, scheme.scoring.comment_max_length) == (10, 1000)


def test_texts_are_chosen_by_locale() -> None:
    name = default_scheme().grade("S").name
    assert name.for_locale("zh-CN") == "优秀"
    assert name.for_locale("en") == "Outstanding"
    anchor = default_scheme().rubric.item("results").anchors[3]
    assert anchor.text.for_locale("zh-CN").startswith("多项任务未完成")


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(22, 59), False),
        (time(23, 0), True),
        (time(3, 0), True),
        (time(6, 59), True),
        (time(7, 0), False),
    ],
)
def test_quiet_hours_run_across_midnight(moment: time, quiet: bool) -> None:
    assert default_scheme().reminders.quiet_hours.contains(moment) is quiet


def test_the_test_writer_round_trips_the_default_scheme(tmp_path: Path) -> None:
    assert load_scheme(write_scheme(tmp_path / "copy.toml", default_data())) == default_scheme()


@pytest.mark.parametrize("path", sorted((SCHEMES_DIR / "examples").glob("*.toml")), ids=lambda p: p.name)
def test_every_example_scheme_loads(path: Path) -> None:
    assert load_scheme(path).key == path.stem


# Broken schemes: each error names the file and the key path


def setting(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the data at a dotted path, where a number part is a list index."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for part in parents:
            data = data[part]
        data[last] = value

    return change


def both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for one in changes:
            one(data)

    return change


def removing(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for part in parents:
            data = data[part]
        del data[last]

    return change


ITEM = "rubric.dimensions.1.items.0"  # 知识技能, 8 points

BROKEN = {
    "item points do not add up to the dimension": (
        setting(f"{ITEM}.points", 9),
        "rubric.dimensions[1].points",
    ),
    "item points not positive": (setting(f"{ITEM}.points", 0), "rubric.dimensions[1].items[0].points"),
    "item points not a number": (setting(f"{ITEM}.points", "eight"), "rubric.dimensions[1].items[0].points"),
    "dimensions do not add up to the total": (setting("rubric.total", 120), "rubric.total"),
    "dimensions and items add up but not to the total": (
        both(setting(f"{ITEM}.points", 9), setting("rubric.dimensions.1.points", 21)),
        "rubric.total",
    ),
    "weights break the total": (setting("rubric.dimensions.0.weight", 0.5), "rubric.total"),
    "duplicate item key across dimensions": (
        setting("rubric.dimensions.2.items.1.key", "results"),
        "rubric.dimensions[2].items[1].key",
    ),
    "duplicate dimension key": (setting("rubric.dimensions.3.key", "academic"), "rubric.dimensions[3].key"),
    "key with a space": (setting(f"{ITEM}.key", "my item"), "rubric.dimensions[1].items[0].key"),
    "unknown key in an item": (setting(f"{ITEM}.colour", "red"), "rubric.dimensions[1].items[0].colour"),
    "item without an English name": (removing(f"{ITEM}.name.en"), "rubric.dimensions[1].items[0].name.en"),
    "dimension without items": (setting("rubric.dimensions.1.items", []), "rubric.dimensions[1].items"),
    "anchor above the item's points": (
        setting(f"{ITEM}.anchors.0.points", 9),
        "rubric.dimensions[1].items[0].anchors[0].points",
    ),
    "anchors out of order": (
        setting(f"{ITEM}.anchors.1.points", 8),
        "rubric.dimensions[1].items[0].anchors[1].points",
    ),
    "anchor finer than the scoring precision": (
        both(setting("scoring.decimals", 0), setting(f"{ITEM}.anchors.1.points", 5.5)),
        "rubric.dimensions[1].items[0].anchors[1].points",
    ),
    "precision other than 0 or 1 decimals": (setting("scoring.decimals", 2), "scoring.decimals"),
    "bands not strictly descending": (setting("grades.1.min_total", 90), "grades[1].min_total"),
    "a middle grade without a minimum": (removing("grades.2.min_total"), "grades[2].min_total"),
    "the last grade with a minimum": (setting("grades.4.min_total", 0), "grades[4].min_total"),
    "the top band out of reach": (setting("grades.0.min_total", 101), "grades[0].min_total"),
    "duplicate grade key": (setting("grades.3.key", "B"), "grades[3].key"),
    "grade without a meaning": (removing("grades.0.meaning"), "grades[0].meaning"),
    "quota fraction zero": (setting("distribution.quotas.0.at_most", 0), "distribution.quotas[0].at_most"),
    "quota fraction above one": (
        setting("distribution.quotas.0.at_most", 1.5),
        "distribution.quotas[0].at_most",
    ),
    "quota with both bounds": (setting("distribution.quotas.0.at_least", 0.1), "distribution.quotas[0]"),
    "quota on an unknown grade": (
        setting("distribution.quotas.0.grades", ["S", "X"]),
        "distribution.quotas[0].grades[1]",
    ),
    "an at-least and an at-most quota that cannot both be met": (
        setting(
            "distribution.quotas",
            [{"grades": ["S"], "at_most": 0.3}, {"grades": ["S", "A"], "at_least": 0.5}],
        ),
        "distribution.quotas",
    ),
    "two at-least quotas that overfill a department": (
        setting(
            "distribution.quotas", [{"grades": ["B"], "at_least": 0.6}, {"grades": ["C"], "at_least": 0.6}]
        ),
        "distribution.quotas",
    ),
    "an at-least quota on a grade an ordinary department may not give": (
        setting("distribution.quotas", [{"grades": ["A"], "at_least": 0.2}]),
        "distribution.quotas",
    ),
    "everyone forced into one grade against not all alike": (
        setting("distribution.quotas", [{"grades": ["B"], "at_least": 1}]),
        "distribution.quotas",
    ),
    "rating gate with a malformed grade key": (
        setting("distribution.min_rating.my grade", "good"),
        "distribution.min_rating.my grade",
    ),
    "rating gate on an unknown grade": (
        setting("distribution.min_rating.X", "good"),
        "distribution.min_rating.X",
    ),
    "rating gate naming an unknown rating": (
        setting("distribution.min_rating.A", "great"),
        "distribution.min_rating.A",
    ),
    "a worse grade needing a better rating": (
        setting("distribution.min_rating.B", "outstanding"),
        "distribution.min_rating.B",
    ),
    "the last grade closed to ordinary departments": (
        setting(
            "distribution.min_rating",
            {"S": "outstanding", "A": "good", "B": "good", "C": "good", "D": "good"},
        ),
        "distribution.min_rating.D",
    ),
    "duplicate rating key": (setting("distribution.ratings.2.key", "good"), "distribution.ratings[2].key"),
    "not all alike from a department of one": (
        setting("distribution.not_all_alike_from_size", 1),
        "distribution.not_all_alike_from_size",
    ),
    "section longer minimum than maximum": (
        setting("self_assessment.sections.0.max_length", 10),
        "self_assessment.sections[0].max_length",
    ),
    "section longer than a Telegram message": (
        setting("self_assessment.sections.0.max_length", 5000),
        "self_assessment.sections[0].max_length",
    ),
    "duplicate section key": (
        setting("self_assessment.sections.1.key", "ideology"),
        "self_assessment.sections[1].key",
    ),
    "no self-assessment sections": (setting("self_assessment.sections", []), "self_assessment.sections"),
    "comment maximum below minimum": (setting("scoring.comment_max_length", 5), "scoring.comment_max_length"),
    "appeal window of zero days": (setting("appeals.window_days", 0), "appeals.window_days"),
    "reminder ladder not descending": (setting("reminders.days_before", [1, 3, 0]), "reminders.days_before"),
    "quiet hours that start when they end": (
        setting("reminders.quiet_hours", {"start": "07:00", "end": "07:00"}),
        "reminders.quiet_hours.end",
    ),
    "quiet hours that are not a time": (
        setting("reminders.quiet_hours.start", "late"),
        "reminders.quiet_hours.start",
    ),
    "floor above ceiling": (setting("adjustments", {"floor": 80, "ceiling": 70}), "adjustments.ceiling"),
    "phase ending before it starts": (
        setting(
            "phases",
            [
                {
                    "key": "p",
                    "name": {"zh": "期", "en": "p"},
                    "start": date(2025, 5, 9),
                    "end": date(2025, 5, 1),
                }
            ],
        ),
        "phases[0].end",
    ),
    "unknown top-level key": (setting("colour", "red"), "colour"),
    "no rubric": (removing("rubric"), "rubric"),
}


@pytest.mark.parametrize(("change", "key_path"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_scheme_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], key_path: str
) -> None:
    data = copy.deepcopy(default_data())
    change(data)
    path = write_scheme(tmp_path / "broken.toml", data)
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert key_path in [problem.path for problem in caught.value.problems]
    assert f"{path}: {key_path}: " in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = default_data()
    setting(f"{ITEM}.points", 9)(data)
    setting("grades.1.min_total", 95)(data)
    with pytest.raises(SchemeError) as caught:
        load_scheme(write_scheme(tmp_path / "two.toml", data))
    paths = [problem.path for problem in caught.value.problems]
    assert "rubric.dimensions[1].points" in paths and "grades[1].min_total" in paths


def test_an_infeasible_quota_names_the_department_size_and_rating(tmp_path: Path) -> None:
    data = default_data()
    setting("distribution.quotas", [{"grades": ["S"], "at_most": 0.3}, {"grades": ["S"], "at_least": 0.5}])(
        data
    )
    with pytest.raises(SchemeError, match=r"a department of 6 rated 'outstanding'.*at least 50% S"):
        load_scheme(write_scheme(tmp_path / "quota.toml", data))


def test_a_quota_may_name_one_grade_without_a_list(tmp_path: Path) -> None:
    data = default_data()
    setting("distribution.quotas", [{"grades": "S", "at_most": 0.3}])(data)
    assert load_scheme(write_scheme(tmp_path / "one.toml", data)).distribution.quotas[0].grades == ("S",)


def test_a_file_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("rubric = [", encoding="utf-8")
    with pytest.raises(SchemeError, match=f"^{re.escape(f'{path}: (file): not valid TOML')}"):
        load_scheme(path)


def test_a_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match=re.escape("missing.toml: (file): cannot be read")):
        load_scheme(tmp_path / "missing.toml")


def test_data_checked_in_memory_names_its_source() -> None:
    data = default_data()
    setting("rubric.total", 99)(data)
    with pytest.raises(SchemeError, match=r"^upload: rubric.total: "):
        parse_scheme(data, "upload")
