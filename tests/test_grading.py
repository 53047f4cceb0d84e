"""Grading (评定等级): totals, bands, rating caps, quotas and their rounding, item score checks."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from typing import Any

import pytest

from flows.rules.grading import (
    SCORE_NOT_A_NUMBER,
    SCORE_OUT_OF_RANGE,
    SCORE_TOO_PRECISE,
    InvalidScore,
    Move,
    Violation,
    all_alike,
    allowed_grade,
    band_for,
    check_item_score,
    dimension_scores,
    grade_counts,
    quota_limits,
    quota_violations,
    total_score,
)
from flows.rules.scheme import DEFAULT_SCHEME, SCHEMES_DIR, Scheme, default_scheme, load_scheme, parse_scheme

D = Decimal


def scheme_with(**distribution: Any) -> Scheme:
    """The default scheme with some distribution settings replaced."""
    data = copy.deepcopy(tomllib.loads(DEFAULT_SCHEME.read_text(encoding="utf-8")))
    data["distribution"].update(distribution)
    return parse_scheme(data)


def full_marks() -> dict[str, Decimal]:
    return {item.key: item.points for item in default_scheme().rubric.items}


# Bands


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (D(100), "S"),
        (D(90), "S"),
        (D("89.9"), "A"),
        (D(80), "A"),
        (D("79.9"), "B"),
        (D(70), "B"),
        (D("69.9"), "C"),
        (D(60), "C"),
        (D("59.9"), "D"),
        (D(0), "D"),
        (D(-5), "D"),
    ],
)
def test_a_total_falls_in_the_band_whose_minimum_it_reaches(total: Decimal, grade: str) -> None:
    assert band_for(total, default_scheme()) == grade


# Department rating caps


@pytest.mark.parametrize(
    ("band", "rating", "grade"),
    [
        ("S", "outstanding", "S"),
        ("S", "good", "A"),
        ("S", "ordinary", "B"),
        ("A", "outstanding", "A"),
        ("A", "good", "A"),
        ("A", "ordinary", "B"),
        ("B", "ordinary", "B"),
        ("D", "outstanding", "D"),
    ],
)
def test_the_department_rating_caps_the_band(band: str, rating: str, grade: str) -> None:
    assert allowed_grade(band, rating, default_scheme()) == grade


def test_a_95_in_an_ordinary_department_is_B() -> None:
    scheme = default_scheme()
    assert allowed_grade(band_for(D(95), scheme), "ordinary", scheme) == "B"


def test_an_unknown_grade_or_rating_is_an_error() -> None:
    with pytest.raises(ValueError, match="no grade 'X'"):
        allowed_grade("X", "good", default_scheme())
    with pytest.raises(ValueError, match="no department rating 'great'"):
        allowed_grade("S", "great", default_scheme())


# Quota limits for small departments


AT_MOST_30_PERCENT_S = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4]
AT_LEAST_20_PERCENT_C_OR_D = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize("size", range(1, 13))
def test_quota_limits_round_at_most_up_and_at_least_down(size: int) -> None:
    scheme = scheme_with(quotas=[{"grades": ["S"], "at_most": 0.3}, {"grades": ["C", "D"], "at_least": 0.2}])
    at_most, at_least = quota_limits(size, scheme)
    assert (at_most.grades, at_most.bound, at_most.limit) == (
        ("S",),
        "at_most",
        AT_MOST_30_PERCENT_S[size - 1],
    )
    assert (at_least.grades, at_least.bound, at_least.limit) == (
        ("C", "D"),
        "at_least",
        AT_LEAST_20_PERCENT_C_OR_D[size - 1],
    )


def test_at_most_quota_rounds_up_so_a_department_of_three_may_have_one_S() -> None:
    [limit] = quota_limits(3, default_scheme())
    assert limit.limit == 1 and limit.fraction == D("0.3")
    assert quota_violations(["S", "A", "B"], default_scheme()) == []


def test_at_least_quota_rounds_down_so_a_department_of_three_need_not_fill_it() -> None:
    scheme = scheme_with(quotas=[{"grades": ["C", "D"], "at_least": 0.2}])
    assert quota_limits(3, scheme)[0].limit == 0
    assert quota_violations(["S", "A", "B"], scheme) == []


def test_grade_counts_list_every_grade_best_first() -> None:
    assert grade_counts(["B", "S", "B"], default_scheme()) == {"S": 1, "A": 0, "B": 2, "C": 0, "D": 0}


# Violations and their suggested fixes


def test_too_many_S_asks_to_move_the_excess_from_S_to_A() -> None:
    grades = ["S"] * 4 + ["A"] * 3 + ["B"] * 3
    [violation] = quota_violations(grades, default_scheme())
    assert violation == Violation("too_many", ("S",), counted=4, limit=3, moves=(Move(1, "S", "A"),))


def test_too_many_in_a_set_of_grades_moves_the_lowest_members_out_first() -> None:
    scheme = scheme_with(quotas=[{"grades": ["S", "A"], "at_most": 0.5}])
    [violation] = quota_violations(["S", "S", "A", "A", "A", "B"], scheme)
    assert (violation.kind, violation.counted, violation.limit) == ("too_many", 5, 3)
    assert violation.moves == (Move(2, "A", "B"),)


def test_when_the_lowest_member_has_too_few_the_next_one_up_moves_too() -> None:
    scheme = scheme_with(quotas=[{"grades": ["S", "A"], "at_most": 0.2}])
    [violation] = quota_violations(["S"] * 4 + ["A"] + ["B"] * 5, scheme)
    assert (violation.counted, violation.limit) == (5, 2)
    assert violation.moves == (Move(1, "A", "B"), Move(2, "S", "B"))


def test_too_few_in_an_at_least_quota_moves_people_in_from_the_nearest_grade() -> None:
    scheme = scheme_with(quotas=[{"grades": ["C", "D"], "at_least": 0.2}])
    [violation] = quota_violations(["S", "A", "A", "B", "B", "B", "B", "B", "B", "B"], scheme)
    assert violation == Violation("too_few", ("C", "D"), counted=0, limit=2, moves=(Move(2, "B", "C"),))


def test_a_department_of_three_all_alike_is_told_to_move_one_down() -> None:
    [violation] = quota_violations(["A", "A", "A"], default_scheme())
    assert violation == Violation("all_alike", ("A",), counted=3, limit=2, moves=(Move(1, "A", "B"),))


def test_a_department_all_at_the_bottom_grade_is_told_to_move_one_up() -> None:
    [violation] = quota_violations(["D"] * 4, default_scheme())
    assert violation.moves == (Move(1, "D", "C"),)


def test_two_people_may_share_a_grade() -> None:
    assert quota_violations(["B", "B"], default_scheme()) == []


def test_not_all_alike_can_be_switched_off() -> None:
    assert quota_violations(["B"] * 5, scheme_with(not_all_alike_from_size=0)) == []


def test_grades_above_the_department_rating_are_reported_with_their_capped_grade() -> None:
    grades = ["S", "A", "A", "B"]
    violations = quota_violations(grades, default_scheme(), rating="ordinary")
    assert [(v.kind, v.grades, v.counted, v.limit) for v in violations] == [
        ("above_rating", ("S",), 1, 0),
        ("above_rating", ("A",), 2, 0),
    ]
    assert [v.moves for v in violations] == [(Move(1, "S", "B"),), (Move(2, "A", "B"),)]
    assert quota_violations(grades, default_scheme(), rating="outstanding") == []


def test_every_broken_rule_is_reported() -> None:
    kinds = [v.kind for v in quota_violations(["S", "S", "S"], default_scheme(), rating="good")]
    assert kinds == ["above_rating", "too_many", "all_alike"]


def test_an_unknown_grade_in_a_department_is_an_error() -> None:
    with pytest.raises(ValueError, match="no grade 'E'"):
        quota_violations(["A", "E"], default_scheme())


# All alike


@pytest.mark.parametrize(("size", "alike"), [(1, False), (2, False), (3, True), (4, True)])
def test_a_scorer_giving_everyone_the_same_total_is_told_from_three_people(size: int, alike: bool) -> None:
    assert all_alike([D(85)] * size, default_scheme()) is alike


def test_different_totals_are_not_all_alike_and_equal_decimals_are() -> None:
    assert not all_alike([D(85), D(85), D("85.5")], default_scheme())
    assert all_alike([D(85), D("85.0"), 85], default_scheme())


# Totals in Decimal


def test_totals_add_decimals_exactly() -> None:
    total = total_score({"results": D("8.5"), "attitude": D("7.2")}, default_scheme())
    assert total == D("15.7")
    assert str(total) == "15.7"


def test_full_marks_make_100_and_dimensions_add_up_to_their_points() -> None:
    scheme = default_scheme()
    assert total_score(full_marks(), scheme) == 100
    assert dimension_scores(full_marks(), scheme) == {
        "performance": 50,
        "academic": 20,
        "ethics": 15,
        "conduct": 15,
    }


def test_a_draft_total_counts_unscored_items_as_zero() -> None:
    assert total_score({}, default_scheme()) == 0
    assert total_score({"language": D(6)}, default_scheme()) == 6


def test_a_total_refuses_unknown_items_out_of_range_scores_and_floats() -> None:
    with pytest.raises(ValueError, match="no rubric item 'charm'"):
        total_score({"charm": D(1)}, default_scheme())
    with pytest.raises(ValueError, match=r"outside 0\.\.8"):
        total_score({"language": D(9)}, default_scheme())
    with pytest.raises(TypeError):
        total_score({"language": 7.2}, default_scheme())  # type: ignore[dict-item]


# Item score validation


@pytest.mark.parametrize(
    ("typed", "accepted"),
    [
        ("8", D("8.0")),
        ("8.5", D("8.5")),
        (" 8.5 ", D("8.5")),
        ("15", D("15.0")),
        ("0", D("0.0")),
        ("8.50", D("8.5")),
        ("８．５", D("8.5")),
        ("8。5", D("8.5")),
        ("12分", D("12.0")),
        (D("7.2"), D("7.2")),
        (9, D("9.0")),
    ],
)
def test_an_item_score_is_accepted_at_one_decimal(typed: str | int | Decimal, accepted: Decimal) -> None:
    scheme = default_scheme()
    result = check_item_score(typed, scheme.rubric.item("attitude"), scheme)
    assert result == accepted and str(result) == str(accepted)


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("16", InvalidScore(SCORE_OUT_OF_RANGE, {"min": D(0), "max": D(15)})),
        ("15.1", InvalidScore(SCORE_OUT_OF_RANGE, {"min": D(0), "max": D(15)})),
        ("-1", InvalidScore(SCORE_OUT_OF_RANGE, {"min": D(0), "max": D(15)})),
        ("-0.5", InvalidScore(SCORE_OUT_OF_RANGE, {"min": D(0), "max": D(15)})),
        ("8.55", InvalidScore(SCORE_TOO_PRECISE, {"decimals": 1})),
        ("abc", InvalidScore(SCORE_NOT_A_NUMBER, {"text": "abc"})),
        ("", InvalidScore(SCORE_NOT_A_NUMBER, {"text": ""})),
        ("8,5", InvalidScore(SCORE_NOT_A_NUMBER, {"text": "8,5"})),
        ("1e1", InvalidScore(SCORE_NOT_A_NUMBER, {"text": "1e1"})),
        ("NaN", InvalidScore(SCORE_NOT_A_NUMBER, {"text": "NaN"})),
        (D("Infinity"), InvalidScore(SCORE_NOT_A_NUMBER, {"text": "Infinity"})),
    ],
)
def test_an_item_score_is_refused_with_a_message_key_and_parameters(
    typed: str | Decimal, refusal: InvalidScore
) -> None:
    scheme = default_scheme()
    assert check_item_score(typed, scheme.rubric.item("attitude"), scheme) == refusal


def test_whole_points_only_refuses_any_decimal() -> None:
    data = tomllib.loads(DEFAULT_SCHEME.read_text(encoding="utf-8"))
    data["scoring"]["decimals"] = 0
    scheme = parse_scheme(data)
    item = scheme.rubric.item("attitude")
    assert check_item_score("8.5", item, scheme) == InvalidScore(SCORE_TOO_PRECISE, {"decimals": 0})
    assert str(check_item_score("8.0", item, scheme)) == "8"


# Weights, deductions, bonuses, floor and ceiling (the other schemes of the source, §11)


def township() -> Scheme:
    return load_scheme(SCHEMES_DIR / "examples" / "township-1000.toml")


def town_cadre() -> Scheme:
    return load_scheme(SCHEMES_DIR / "examples" / "town-cadre.toml")


def test_weights_turn_three_1000_point_parts_into_one_1000_point_total() -> None:
    scheme = township()
    scores = {"economy": D(400), "livelihood": D(350), "environment": D(250)}  # indicators 1000 × 40%
    scores |= {"key_tasks": D(500), "duties": D(300)}  # targets 800 × 45%
    scores |= {"satisfaction": D("873.5")}  # survey × 15%
    assert total_score(scores, scheme) == D(400) + D(360) + D("131.025")


def test_a_weighted_total_has_the_digits_of_its_dimensions_times_their_weights() -> None:
    """Summed item by item, a total is the very Decimal the dimensions times their weights make, to the
    digit (signatures hash totals as text), for drafts with whole dimensions unscored too."""
    scheme = township()
    full = {item.key: item.points for item in scheme.rubric.items}
    drafts = [
        {"economy": D(400)},
        {"satisfaction": D("873.5")},
        {"economy": D(1), "key_tasks": D("2.0")},
        full,
    ]
    for scores in drafts:
        by_dimension = dimension_scores(scores, scheme)
        weighted = sum((by_dimension[d.key] * d.weight for d in scheme.rubric.dimensions), D(0))
        assert str(total_score(scores, scheme)) == str(weighted), scores


def test_each_deduction_is_capped_and_so_are_all_together() -> None:
    scheme = township()
    scores = {item.key: item.points for item in scheme.rubric.items}
    assert total_score(scores, scheme, deductions={"party_inspection": D(35)}) == 980
    everything = {kind.key: D(100) for kind in scheme.adjustments.deductions}  # capped: 50+20+20+20+20+50+20
    assert total_score(scores, scheme, deductions=everything) == 800


def test_the_overall_deduction_cap_bites_before_the_caps_of_each_kind_add_up() -> None:
    data = tomllib.loads((SCHEMES_DIR / "examples" / "township-1000.toml").read_text(encoding="utf-8"))
    data["adjustments"]["deduction_cap"] = 60
    scheme = parse_scheme(data)
    scores = {item.key: item.points for item in scheme.rubric.items}
    assert total_score(scores, scheme, deductions={"efficiency_checks": D(50), "congress": D(20)}) == 940


def test_year_end_80_percent_and_supervisor_20_percent_plus_bonuses_stop_at_the_ceiling() -> None:
    scheme = town_cadre()
    scores = {"business": D(72), "central": D(9), "temporary": D(8), "supervisor_score": D(90)}
    assert total_score(scores, scheme) == D("71.2") + D(18)
    assert total_score(scores, scheme, bonuses={"honours": D(5)}, deductions={"late": D("0.4")}) == D("93.8")
    assert total_score(scores, scheme, bonuses={"key_work": D(60)}) == 130


def test_a_total_never_falls_below_the_floor() -> None:
    scheme = town_cadre()
    assert total_score({"business": D(40)}, scheme) == 70
    assert band_for(total_score({"business": D(40)}, scheme), scheme) == "fail"


def test_unknown_or_negative_adjustments_are_errors() -> None:
    with pytest.raises(ValueError, match="no adjustment 'bribes'"):
        total_score({}, town_cadre(), bonuses={"bribes": D(5)})
    with pytest.raises(ValueError, match="negative"):
        total_score({}, town_cadre(), deductions={"late": D(-1)})
