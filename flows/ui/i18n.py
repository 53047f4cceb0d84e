"""Message texts in Chinese (zh-CN, the default) and English, rendered from Jinja2 templates.

Each locale is a folder under ``flows/locales`` of TOML files (one per area: core, self, scoring...)
mapping message keys to Jinja2 templates of Telegram HTML; a key may be defined only once.
Autoescaping is on, so names and answers typed by users can never become markup;
a template marks its own tags as safe simply by being the template.
"""

from __future__ import annotations

import tomllib
from functools import cache, partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

LOCALES_DIR = Path(__file__).parent.parent / "locales"
DEFAULT_LOCALE = "zh-CN"

_environment = partial(Environment, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_HTML = _environment(autoescape=True)  # for Telegram: user text escaped
_PLAIN = _environment(autoescape=False)  # for the terminal: no markup at all


def locale_for(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The locale to speak to someone whose Telegram client reports ``language_code``."""
    if language_code:
        code = language_code.lower()
        if code.startswith("zh"):
            return "zh-CN"
        if code.startswith("en"):
            return "en"
    return default


@cache
def catalogue(locale: str) -> dict[str, str]:
    """All message templates of one locale, by key."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / locale).glob("*.toml")):
        with path.open("rb") as file:
            part = tomllib.load(file)
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"{path}: message keys defined in another file too: {sorted(twice)}")
        merged.update(part)
    return merged


@cache
def _template(locale: str, key: str, html: bool) -> Template:
    try:
        source = catalogue(locale)[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in locale {locale}") from None
    return (_HTML if html else _PLAIN).from_string(source)


def render(locale: str, key: str, **context: Any) -> str:
    """The message ``key`` in ``locale`` as Telegram HTML, with ``context`` escaped into it."""
    return _template(locale, key, True).render(**context).strip()


def plain(locale: str, key: str, **context: Any) -> str:
    """The message ``key`` in ``locale`` as plain text, nothing escaped (for the command line, and a
    button's label holding a name: Telegram shows a label as it is, never as HTML)."""
    return _template(locale, key, False).render(**context).strip()
