"""Every message exists in Chinese and English, renders, and never lets user text become markup."""

from __future__ import annotations

import re

import pytest

from flows.rules.names import LOCALES
from flows.ui.i18n import catalogue, locale_for, plain, render


def test_both_locales_define_the_same_messages():
    zh, en = (set(catalogue(locale)) for locale in LOCALES)
    assert zh - en == set() and en - zh == set()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_uses_only_tags_telegram_understands(locale):
    allowed = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}
    for key, template in catalogue(locale).items():
        tags = set(re.findall(r"</?([a-z-]+)[^>]*>", template))
        assert tags <= allowed, f"{locale} {key}: {tags - allowed}"


def test_user_text_is_escaped_in_chat_messages_but_not_on_the_terminal():
    name = "<b>Bobby</b> & co"
    assert "&lt;b&gt;Bobby&lt;/b&gt; &amp; co" in render("en", "member_start", name=name)
    assert "学号为 <1> 的成员" in plain("zh-CN", "invite_unknown_member", student_no="<1>")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh-CN"), ("zh-TW", "zh-CN"), ("en-GB", "en"), ("fr", "zh-CN"), (None, "zh-CN")],
)
def test_the_locale_follows_the_telegram_client_with_chinese_as_the_default(code, expected):
    assert locale_for(code) == expected
