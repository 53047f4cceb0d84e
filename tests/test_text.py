"""Long messages are split for Telegram without cutting a word or leaving a tag open."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from flows.ui.text import split_message, visible_length


def balanced(fragment: str) -> bool:
    stack = []
    for tag in re.findall(r"<(/?)([a-z]+)[^>]*>", fragment):
        if tag[0]:
            if not stack or stack.pop() != tag[1]:
                return False
        else:
            stack.append(tag[1])
    return not stack


def test_a_short_message_is_left_alone():
    assert split_message("<b>自我评定</b>\n内容") == ["<b>自我评定</b>\n内容"]


def test_tags_and_entities_do_not_count_towards_the_limit():
    assert visible_length("<b>a&lt;b</b>") == 3
    assert visible_length("😀") == 2  # Telegram counts UTF-16 code units


def test_long_text_is_split_at_paragraphs_first():
    first, second = "第一段。" * 600, "第二段。" * 600
    parts = split_message(f"{first}\n\n{second}")
    assert parts == [first, second]


def test_a_split_never_cuts_a_word():
    words = " ".join(f"word{i}" for i in range(2000))
    parts = split_message(words, limit=100)
    assert all(visible_length(p) <= 100 for p in parts)
    assert " ".join(parts).split() == words.split()


def test_a_tag_open_at_the_cut_is_closed_and_reopened():
    text = "<b>" + "很长的一句话 " * 1000 + "</b>"
    parts = split_message(text)
    assert len(parts) > 1
    assert all(p.startswith("<b>") and p.endswith("</b>") and balanced(p) for p in parts)
    assert all(visible_length(p) <= 4096 for p in parts)


def test_an_escaped_character_is_never_cut_in_half():
    parts = split_message("&amp;" * 50, limit=7)
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)
    assert sum(visible_length(p) for p in parts) == 50


@given(
    st.lists(
        st.sampled_from(["字", "word", " ", "\n", "&lt;", "<b>粗</b>", "<i>x y</i>", "😀"]), max_size=400
    )
)
def test_every_part_fits_and_nothing_but_boundary_space_is_lost(pieces):
    text = "".join(pieces)
    parts = split_message(text, limit=50)
    assert all(visible_length(p) <= 50 and balanced(p) for p in parts)
    squash = lambda s: re.sub(r"\s+|<[^>]*>", "", s)  # noqa: E731
    assert squash("".join(parts)) == squash(text)
