"""``kaohe`` with the bot's rate limiter taken out, for ``benchmarks/round_trip.py --unpaced``.

    python benchmarks/kaohe_unpaced.py --config kaohe.toml run

The pacing of replies (``bot.sender.rate_limiter``) caps any bot at its ``messages_per_second``; with
it out, a benchmark sees what the hot path itself costs. Never for a bot that talks to Telegram.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.app
from bot.cli import main

if hasattr(bot.app, "rate_limiter"):
    bot.app.rate_limiter = lambda *args, **kwargs: None  # type: ignore[assignment]  # PTB: no limiter
else:  # the bot no longer paces its replies through it
    print("kaohe_unpaced: bot.app.rate_limiter not found, running as is", file=sys.stderr)

if __name__ == "__main__":
    sys.exit(main())
