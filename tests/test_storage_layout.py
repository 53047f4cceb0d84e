"""storage/ keeps to its layout: every table in storage.models, a docstring atop each module, and no
import of the layers above it (flows, bot) or of Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

STORAGE = Path(__file__).resolve().parent.parent / "storage"
MODULES = sorted(path for path in STORAGE.rglob("*.py") if "versions" not in path.parts)
ABOVE = ("flows", "bot", "telegram")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _is_table(node: ast.ClassDef) -> bool:
    return any(
        k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value for k in node.keywords
    )


def test_every_table_is_declared_in_storage_models():
    tables = {
        f"{path.relative_to(STORAGE)}:{node.name}"
        for path in MODULES
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ClassDef) and _is_table(node)
    }
    assert tables, "no table found: the scan is broken"
    assert {entry.split(":")[0] for entry in tables} == {"models.py"}


def test_every_storage_module_says_what_it_is():
    assert [str(path.relative_to(STORAGE)) for path in MODULES if not ast.get_docstring(_tree(path))] == []


def test_storage_imports_nothing_from_the_layers_above_it():
    imported = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            imported += [f"{path.name}: {name}" for name in names if name.split(".")[0] in ABOVE]
    assert imported == []
