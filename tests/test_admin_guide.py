"""The administrator's guide (docs/管理员手册.md and its English twin) names only commands that exist:
every ``kaohe`` line in them is accepted by the command line's parser, and both name the same commands."""

from __future__ import annotations

import shlex
from itertools import takewhile
from pathlib import Path

import pytest

from bot.cli import build_parser

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDES = ("管理员手册.md", "admin-guide.md")


def commands(guide: str) -> list[list[str]]:
    """The ``kaohe`` commands of a guide's code lines, without the comments beside them."""
    found = []
    for line in (DOCS / guide).read_text(encoding="utf-8").splitlines():
        code = line.split("#", 1)[0].strip()
        if line.startswith("    ") and "kaohe " in code and not code.startswith(("./", "git")):
            words = [w for w in shlex.split(code) if not w.startswith("KAOHE_")]  # no KAOHE_BOT_TOKEN=
            assert words[0] == "kaohe", line
            found.append(words[1:])
    return found


@pytest.mark.parametrize("guide", GUIDES)
def test_every_command_in_the_guide_is_one_kaohe_accepts(guide):
    assert len(commands(guide)) >= 15
    for words in commands(guide):
        build_parser().parse_args(words)  # exits (SystemExit) on an unknown command or option


def subcommand(words: list[str]) -> list[str]:
    """``cycle open`` of ``cycle open --name …``: the words before any option or file."""
    return list(takewhile(lambda word: word.isascii() and word.isalpha(), words))


def test_both_guides_walk_through_the_same_commands():
    zh, en = ([subcommand(words) for words in commands(guide)] for guide in GUIDES)
    assert zh == en
