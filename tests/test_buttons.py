"""The button codec: what packs, what parses, and that nothing else does."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.ui.buttons import CALLBACK_DATA_LIMIT, ID_MAX, ButtonData, Id, Index, Key, parse_button


class Move(StrEnum):
    OPEN = "o"
    SCORE = "p"


@dataclass(frozen=True)
class SamplePress(ButtonData, prefix="zzt"):
    cycle: Id
    action: Move
    examinee: Id | None = None
    position: Index | None = None
    item: Key | None = None


def test_a_button_packs_to_its_prefix_and_fields_and_parses_back() -> None:
    press = SamplePress(3, Move.SCORE, 12, 0, "attitude")
    assert press.pack() == "zzt:3:p:12:0:attitude"
    assert parse_button(press.pack()) == press


def test_trailing_fields_left_off_are_none() -> None:
    assert SamplePress(3, Move.OPEN).pack() == "zzt:3:o"
    assert parse_button("zzt:3:o") == SamplePress(3, Move.OPEN)


@pytest.mark.parametrize(
    "data",
    [
        "zzt",
        "zzt:3",  # a required field missing
        "zzt:3:o:12:0:attitude:extra",  # one field too many
        "zzt:0:o",  # ids start at 1
        "zzt:03:o",  # no leading zeros
        f"zzt:{ID_MAX + 1}:o",  # beyond a database column
        "zzt:" + "9" * 25 + ":o",
        "zzt:²:o",  # a digit to str.isdigit, not to us
        "zzt:３:o",  # a full-width digit
        "zzt:-1:o",
        "zzt: 3:o",
        "zzt:3:x",  # not a Move
        "zzt:3:o:12:10000",  # an index too large
        "zzt:3:o:12:0:a b",  # a key with a space
        "zzt:3:o::0",  # an empty field in the middle
        "nope:3:o",
        "",
    ],
)
def test_anything_else_parses_to_nothing(data: str) -> None:
    assert parse_button(data) is None


def test_packing_a_value_that_would_not_parse_back_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        SamplePress(3, Move.OPEN, 12, 0, "has:colon").pack()
    with pytest.raises(ValueError):
        SamplePress(0, Move.OPEN).pack()
    with pytest.raises(ValueError):
        SamplePress(3, Move.OPEN, None, 4).pack()  # a field after one left off


def test_a_family_whose_data_could_exceed_the_limit_is_refused_when_packed() -> None:
    @dataclass(frozen=True)
    class LongPress(ButtonData, prefix="zzl"):
        first: Key
        second: Key
        third: Key

    with pytest.raises(ValueError, match="64 bytes"):
        LongPress("a" * 32, "b" * 32, "c").pack()


def test_prefixes_are_unique() -> None:
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Again(ButtonData, prefix="zzt"):
            cycle: Id


@given(st.text(max_size=CALLBACK_DATA_LIMIT))
def test_random_data_never_raises(data: str) -> None:
    parsed = parse_button(data)
    assert parsed is None or parsed.pack() == data


@given(
    st.integers(min_value=1, max_value=ID_MAX),
    st.sampled_from(Move),
    st.one_of(st.none(), st.integers(min_value=1, max_value=ID_MAX)),
)
def test_every_valid_button_round_trips(cycle: int, action: Move, examinee: int | None) -> None:
    press = SamplePress(cycle, action, examinee)
    assert len(press.pack().encode()) <= CALLBACK_DATA_LIMIT
    assert parse_button(press.pack()) == press
