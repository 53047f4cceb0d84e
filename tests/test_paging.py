"""Cutting a list into pages cheaply: a line's length measured from a few renderings per shape is the length
the rendered line has (a field shown twice or hidden counted as often as it is shown), and the page
holding an item is the page that lists it."""

from __future__ import annotations

from functools import partial

from markupsafe import escape

from flows.ui.i18n import render
from flows.ui.paging import PAGE_SIZE, LineLengths, page_holding, page_of
from flows.ui.text import visible_length


def line(name: str, total: str, done: bool) -> str:
    return f"<b>{escape(name)}</b>: {total + ' points of ' + total if done else 'not yet'}"


def test_a_line_measured_by_its_shape_is_as_long_as_the_line_rendered():
    lengths = LineLengths(line, ("name", "total"))
    for name in ("王芳", "Tom & Jerry <3", "😀 emoji", "", "a" * 93):
        for total, done in (("88.5", True), ("0", True), ("", False)):
            assert lengths(name=name, total=total, done=done) == visible_length(line(name, total, done))
    assert len(lengths._shapes) <= 6  # a few renderings per shape, not per line


def test_the_review_lines_measured_by_shape_match_their_rendering_in_both_languages():
    for locale in ("zh-CN", "en"):
        fields = {"number": 7, "name": "Tom & 王芳", "position": "部长", "total": "88.5", "band": "A"}
        fields |= {"proposed": "A", "grade": "B", "regraded": True, "rescored": False}
        entry = partial(render, locale, "review_entry_line")
        free = ("number", "name", "total", "band", "proposed", "grade")
        for submitted in (True, False):
            measured = LineLengths(entry, free)(**fields, submitted=submitted)
            assert measured == visible_length(entry(**fields, submitted=submitted))
        group = partial(render, locale, "review_group_line")
        group_free = ("label", "size", "submitted", "rating", "counts", "open")
        for counts, open_, rating in (("A2 B1", 0, None), ("", 3, "优秀"), ("S1", 0, "Good")):
            fields = {"label": "第41部", "size": 45, "submitted": 0, "rating": rating, "counts": counts}
            fields |= {"open": open_, "balanced": not open_}
            measured = LineLengths(group, group_free)(**fields)
            assert measured == visible_length(group(**fields))


def test_the_page_holding_an_item_is_the_page_that_lists_it():
    items = list(range(3 * PAGE_SIZE + 5))
    long_lines = {3: 2000, 30: 2300}  # pages cut early where lines are long
    length = lambda n: long_lines.get(n, 50)  # noqa: E731
    for position in items:
        page = page_of(items, page_holding(items, position, length), length)
        assert page is not None and position in page.items
