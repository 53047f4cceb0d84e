"""The shape of the code checks itself.

flows/ imports nothing of bot/ or telegram (storage/'s own shape: tests/test_storage_layout.py); the
packages of flows/ import one way, each only those below it in ``LAYERS``; no module of flows/ is over
the size a reader takes in at once; no button data is parsed by hand anywhere (the codec in
flows/ui/buttons.py is the one place); every package of flows/ says what it is.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULE_LINES_MAX = 400

LAYERS = (
    "rules",  # the rules of an assessment
    "ui",  # what a conversation is made of
    "actor",  # who acts, and the one way to say no to them
    "collector",  # the garbage collector paused through big reads
    "notices",  # the one notice path, and the quiet hours
    "selfassess",  # 自我评定
    "scoring",  # 直接上级评定
    "results",  # the review board, the result that stands, what a signature signs
    "appeals",  # 申诉, 面谈
    "review",  # 复核平衡, 复核签字, the release and /result
    "cycles",  # opening a cycle, and where it stands
    "archive",  # 归档备案
    "home",  # the home screen: everyone's tasks in every flow
    "reminders",  # what the bot sends on its own time, and the sender's checks
    "roster",  # 名册: reading, importing, invitations, registration
    "router",  # every command and button to its flow
)
"""The packages of flows/ and its top-level modules, from the base up: each imports only those below it."""


def _imports(path: Path) -> set[str]:
    """Every module a module imports, wherever the import stands (``from flows import home``: flows.home)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "flows":
            found.update(f"flows.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


FLOWS_MODULES = sorted((ROOT / "flows").rglob("*.py"))


def _part(dotted: str) -> str | None:
    """The package of flows/ (or its top-level module) a dotted name is in; None outside flows/."""
    names = dotted.split(".")
    return names[1] if names[0] == "flows" and len(names) > 1 and names[1] != "__init__" else None


def _part_of(path: Path) -> str | None:
    return _part(".".join(path.relative_to(ROOT).with_suffix("").parts))


def _package_imports() -> dict[tuple[str, str], str]:
    """Each (importer, imported) pair of parts of flows/, with the first import that makes it."""
    edges: dict[tuple[str, str], str] = {}
    for path in FLOWS_MODULES:
        importer = _part_of(path)
        for dotted in sorted(_imports(path)):
            imported = _part(dotted)
            if importer is not None and imported is not None and imported != importer:
                edges.setdefault((importer, imported), f"{path.relative_to(ROOT)} imports {dotted}")
    return edges


def _cycle(edges: Mapping[tuple[str, str], object]) -> list[str] | None:
    """A cycle of the graph, as the parts met along it back to the first; None when it has none."""
    onward: dict[str, list[str]] = {}
    for importer, imported in sorted(edges):
        onward.setdefault(importer, []).append(imported)
    done: set[str] = set()
    path: list[str] = []

    def visit(part: str) -> list[str] | None:
        path.append(part)
        for after in onward.get(part, []):
            if after in path:
                return [*path[path.index(after) :], after]
            if after not in done and (cycle := visit(after)):
                return cycle
        done.add(path.pop())
        return None

    for part in sorted(onward):
        if part not in done and (cycle := visit(part)):
            return cycle
    return None


def test_a_cycle_is_found_and_named() -> None:
    assert _cycle({("a", "b"): "", ("b", "c"): "", ("c", "a"): "", ("c", "d"): ""}) == ["a", "b", "c", "a"]
    assert _cycle({("a", "b"): "", ("b", "c"): "", ("a", "c"): ""}) is None


def test_the_packages_of_flows_import_one_way() -> None:
    """No package of flows/ (nor top-level module) reaches itself again through what it imports.

    Every import counts, wherever it stands: one inside a function defers loading, not the dependency;
    one under ``TYPE_CHECKING`` names a type of the other package, which the reader and mypy follow.
    """
    edges = _package_imports()
    cycle = _cycle(edges)
    assert cycle is None, " → ".join(cycle) + "".join(f"\n  {edges[step]}" for step in pairwise(cycle))


def test_each_package_of_flows_imports_only_those_below_it() -> None:
    """``LAYERS`` places every package of flows/ (and top-level module); an import that goes up is named,
    with the module that makes it."""
    parts = {_part_of(path) for path in FLOWS_MODULES} - {None}
    assert sorted(parts) == sorted(LAYERS), "every package of flows/ has its one place in LAYERS"
    upward = [
        f"{example}: {imported} sits above {importer} in LAYERS"
        for (importer, imported), example in sorted(_package_imports().items())
        if LAYERS.index(imported) > LAYERS.index(importer)
    ]
    assert upward == []


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
