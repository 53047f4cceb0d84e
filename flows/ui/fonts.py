"""The bundled Chinese font (Noto Serif CJK SC, a GB 2312 subset under the SIL OFL: ``flows/fonts``).

Charts and the printable forms draw Chinese with it, so that a fresh server without any CJK font
still shows department names and labels rather than empty boxes (豆腐块). ``scripts/build-form-font``
rebuilds the subset; ``docs/archive.md`` says why this font.
"""

from __future__ import annotations

from pathlib import Path

BUNDLED_CJK_FONT = Path(__file__).resolve().parents[1] / "fonts" / "NotoSerifSC-Subset.ttf"
