"""Configuration: defaults, search order, the token from the environment, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KAOHE_BOT_TOKEN", raising=False)
    monkeypatch.delenv("KAOHE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def write(tmp_path, text: str, name: str = "config.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_the_documented_defaults_apply(tmp_path):
    config = load_config()
    settings = config.settings
    assert config.path is None
    assert settings.timezone == "Asia/Shanghai" and settings.language == "zh-CN"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram.mode == "polling"
    assert settings.invites.valid_days == 14
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'kaohe.sqlite3'}"


def test_the_example_file_is_valid_and_states_the_defaults():
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    assert load_config(str(example)).settings == load_config().settings


def test_the_sqlite_default_lives_beside_the_configuration_file(tmp_path):
    (tmp_path / "etc").mkdir()
    path = write(tmp_path / "etc", "language = 'en'\n")
    assert (
        load_config(str(path)).database_url == f"sqlite:///{(tmp_path / 'etc' / 'kaohe.sqlite3').resolve()}"
    )


def test_explicit_path_wins_over_environment_which_wins_over_current_directory(tmp_path, monkeypatch):
    write(tmp_path, 'language = "en"\n')
    assert load_config().settings.language == "en"
    other = write(tmp_path, 'timezone = "UTC"\n', "other.toml")
    monkeypatch.setenv("KAOHE_CONFIG", str(other))
    assert load_config().settings.timezone == "UTC"
    third = write(tmp_path, 'timezone = "Europe/London"\n', "third.toml")
    assert load_config(str(third)).settings.timezone == "Europe/London"


def test_a_named_file_that_is_missing_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere\.toml: configuration file not found"):
        load_config(str(tmp_path / "nowhere.toml"))


def test_the_environment_token_wins_over_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[telegram]\ntoken = "1:from-file"\n')
    assert load_config(str(path)).require_token() == "1:from-file"
    monkeypatch.setenv("KAOHE_BOT_TOKEN", "2:from-env")
    assert load_config(str(path)).require_token() == "2:from-env"


def test_a_missing_token_says_which_variable_to_set():
    with pytest.raises(ConfigError, match="KAOHE_BOT_TOKEN"):
        load_config().require_token()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('timezone = "Mars/Olympus"\n', "timezone"),
        ('language = "fr"\n', "language"),
        ('[telegram]\nmode = "carrier-pigeon"\n', "telegram.mode"),
        ("[telegram.webhook]\nport = 70000\n", "telegram.webhook.port"),
        ('[invites]\nvalid_days = "soon"\n', "invites.valid_days"),
        ("[database]\nurl = 5\n", "database.url"),
        ('colour = "red"\n', "colour: unknown key"),
    ],
)
def test_a_malformed_key_is_named_with_the_file(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(str(path))
    assert str(path) in str(raised.value) and key in str(raised.value)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = write(tmp_path, "timezone = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(path))


def test_the_token_never_appears_in_an_error(tmp_path):
    secret = "123456:very-secret-token"
    path = write(tmp_path, f'[telegram]\ntoken = "{secret}"\nmode = "bad"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(str(path))
    assert secret not in str(raised.value)


@pytest.mark.parametrize(
    "proxy", ["socks5://127.0.0.1:1080", "socks5h://user:pw@proxy:1080", "http://proxy:3128"]
)
def test_a_socks_or_http_proxy_is_accepted(tmp_path, proxy):
    path = write(tmp_path, f'[telegram]\nproxy = "{proxy}"\n')
    assert load_config(str(path)).settings.telegram.proxy == proxy


@pytest.mark.parametrize("proxy", ["ftp://proxy:21", "socks5://", "proxy:3128", "http://proxy:port"])
def test_a_proxy_that_is_no_proxy_url_is_refused_naming_the_key(tmp_path, proxy):
    path = write(tmp_path, f'[telegram]\nproxy = "{proxy}"\n')
    with pytest.raises(ConfigError, match=r"telegram\.proxy: .*not a proxy URL"):
        load_config(str(path))


def test_the_proxy_password_is_one_of_the_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("KAOHE_BOT_TOKEN", "123:abcdef")
    path = write(tmp_path, '[telegram]\nproxy = "socks5://kaohe:pr0xy-pass@proxy:1080"\n')
    assert set(load_config(str(path)).secrets()) == {"123:abcdef", "pr0xy-pass"}
