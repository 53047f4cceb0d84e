"""The Telegram adapter and the ``kaohe`` command line."""
