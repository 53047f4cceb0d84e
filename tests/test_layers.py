"""The shape of the code checks itself.

flows/ imports nothing of bot/ or telegram (storage/'s own shape: tests/test_storage_layout.py); no
module of flows/ is over the size a reader takes in at once; no button data is parsed by hand anywhere (the
codec in flows/ui/buttons.py is the one place); every package of flows/ says what it is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULE_LINES_MAX = 400


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


FLOWS_MODULES = sorted((ROOT / "flows").rglob("*.py"))


@pytest.mark.parametrize("path", FLOWS_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_flows_know_nothing_of_telegram_or_the_bot(path: Path) -> None:
    used = _imports(path)
    assert not {m for m in used if m.split(".")[0] in {"telegram", "bot"}}


@pytest.mark.parametrize("path", FLOWS_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_flows_module_is_over_the_size_a_reader_takes_in(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MODULE_LINES_MAX


def test_button_data_is_parsed_only_by_the_codec() -> None:
    by_hand = re.compile(r"incoming\.text\.(split|partition)\(|\.isdigit\(\)|data\.split\(")
    adapters = [ROOT / "bot" / "telegram_io.py", *sorted((ROOT / "bot" / "sandbox").rglob("*.py"))]
    offenders = [
        str(path.relative_to(ROOT))
        for path in [*FLOWS_MODULES, *adapters]
        if by_hand.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_package_says_what_it_is() -> None:
    for package in (ROOT / "flows").iterdir():
        if package.is_dir() and (package / "__init__.py").exists():
            assert ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))), (
                package
            )
