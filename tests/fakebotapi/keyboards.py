"""Reply markup: Telegram's checks on keyboards, and the inline buttons in the shape tests read them."""

from __future__ import annotations

from typing import Any

from .errors import bad_request

Button = tuple[str, str | None]

BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, list) for row in value)


def validate(markup: Any) -> dict[str, Any] | None:
    """The markup if Telegram would accept it; raises the error Telegram answers otherwise."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        if not _is_rows(markup["inline_keyboard"]):
            raise bad_request("can't parse reply keyboard markup JSON object")
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        if len(buttons) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for button in buttons:
            _validate_inline_button(button)
    elif "keyboard" in markup:
        if not _is_rows(markup["keyboard"]):
            raise bad_request("can't parse reply keyboard markup JSON object")
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not any(action in button for action in BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url or any(char.isspace() for char in url):
            raise bad_request("BUTTON_URL_INVALID")


def inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What Telegram echoes in the Message: only an inline keyboard is shown there."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def inline_buttons(markup: dict[str, Any] | None) -> list[list[Button]]:
    """Rows of (label, callback_data or url or whatever the button does)."""
    inline = inline_part(markup)
    if inline is None:
        return []
    return [
        [
            (button["text"], next((str(button[a]) for a in BUTTON_ACTIONS if a in button), None))
            for button in row
        ]
        for row in inline["inline_keyboard"]
    ]
