"""Test helper for the ``kaohe`` command line run in process: a configuration file for the test's database."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main


def kaohe_config(folder: Path, database_url: str, roster: Path | None = None) -> str:
    """The path of a configuration that points ``kaohe`` at ``database_url``; with ``roster``
    imported through ``kaohe roster import`` first."""
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    if roster is not None:
        assert main(["--config", str(path), "roster", "import", str(roster)]) == 0
    return str(path)
