"""Installable: a wheel built from the source and installed into a clean virtual environment, used from
a folder outside the repository, carries everything it reads at run time (schemes, locales, form
templates, migrations, the sandbox's page and roster): ``kaohe init && kaohe roster template x.xlsx &&
kaohe roster import x.xlsx`` work there, as the issue's administrator would type them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOT_SHIPPED = (".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", "kaohe-sandbox", "*.sqlite3")
SHIPPED = """
from bot.sandbox.server import PAGE
from bot.sandbox.world import ROSTER
from flows.archive.pdf import FONT_FILE
from flows.rules.scheme import DEFAULT_SCHEME
from flows.ui.i18n import LOCALES_DIR
from storage.db import MIGRATIONS_DIR
for path in (PAGE / "index.html", ROSTER, FONT_FILE, DEFAULT_SCHEME, LOCALES_DIR, MIGRATIONS_DIR / "env.py"):
    assert path.exists(), path
    print(path)
"""


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_a_wheel_installed_outside_the_repository_carries_all_it_reads(tmp_path: Path):
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "-w",
        tmp_path / "wheels",
        source,
        cwd=tmp_path,
    )
    wheel = next((tmp_path / "wheels").glob("kaohe-*.whl"))
    clean = tmp_path / "clean"
    venv.create(clean, with_pip=False)
    python = clean / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--quiet",
        wheel,
        cwd=tmp_path,
    )
    # The dependencies come from this environment (PYTHONPATH reads no .pth file, so not this checkout).
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    environment["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    away = tmp_path / "union"
    away.mkdir()

    shipped = run(python, "-c", SHIPPED, cwd=away, env=environment)
    assert str(REPO) not in shipped and str(clean) in shipped  # the installed copy, not the source
    kaohe = clean / "bin" / "kaohe"
    run(kaohe, "init", cwd=away, env=environment)
    run(kaohe, "roster", "template", "x.xlsx", cwd=away, env=environment)
    imported = run(kaohe, "roster", "import", "x.xlsx", cwd=away, env=environment)

    assert "新增 5 人" in imported
    assert (away / "kaohe.sqlite3").exists()
