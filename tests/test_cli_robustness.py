"""Bad and edge input on the command line: one plain message, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data" / "files"


def assert_plain_failure(result: Any, *fragments: str) -> None:
    assert result.code != 0
    assert "Traceback" not in result.err
    assert result.err.startswith("refdesk: "), result.err
    assert result.err.count("\n") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def _process_env(**extra: str) -> dict[str, str]:
    """The environment of a real refdesk process as a user's shell gives it (block-buffered output)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(extra)
    return env


# --- settings ---------------------------------------------------------------------------------------------------


def test_settings_file_that_cannot_be_read(cli: Any, isolated_env: Path) -> None:
    settings = isolated_env / "config" / "settings.toml"
    settings.write_bytes(b"\xff\xfe retries = 3\n")
    assert_plain_failure(cli("list"), str(settings), "UTF-8")
    settings.unlink()
    settings.mkdir()
    assert_plain_failure(cli("list"), str(settings), "folder")


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('retries = "abc"', ("retries", "whole number")),
        ("connect_timeout = true", ("connect_timeout", "number")),
        ("library = true", ("library", "text")),
        ('disabled_plugins = "crossref"', ("disabled_plugins", "list")),
        ("disabled_plugins = [true]", ("disabled_plugins", "list")),
        ("http_cache = 1", ("http_cache", "true or false")),
        ("read_timeout = -1", ("read_timeout", "greater than 0")),
        ("per_host_limit = 0", ("per_host_limit", "at least 1")),
    ],
)
def test_settings_file_with_a_value_of_the_wrong_type(cli: Any, isolated_env: Path, toml: str, fragments: tuple[str, ...]) -> None:
    settings = isolated_env / "config" / "settings.toml"
    settings.write_text(toml + "\n", encoding="utf-8")
    assert_plain_failure(cli("list"), str(settings), *fragments)
    assert settings.read_text(encoding="utf-8") == toml + "\n"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("REFDESK_RETRIES", "abc", "whole number"),
        ("REFDESK_CONNECT_TIMEOUT", "x", "number"),
        ("REFDESK_CONNECT_TIMEOUT", "-1", "greater than 0"),
        ("REFDESK_HTTP_CACHE", "maybe", "true or false"),
        ("REFDESK_HTTP_CACHE_MAX_MB", "-5", "0 or more"),
    ],
)
def test_environment_variable_with_a_bad_value(cli: Any, monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str) -> None:
    monkeypatch.setenv(name, value)
    assert_plain_failure(cli("list"), name, repr(value), fragment)


def test_good_settings_still_read(cli: Any, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refdesk.config import load_settings

    settings = isolated_env / "config" / "settings.toml"
    settings.write_text(
        'retries = 2\nconnect_timeout = 3\nhttp_cache = false\ndisabled_plugins = ["oai"]\nzotero_user_id = 475425\n', encoding="utf-8"
    )
    monkeypatch.setenv("REFDESK_READ_TIMEOUT", "7")
    monkeypatch.setenv("REFDESK_HTTP_CACHE_MAX_MB", "0")
    loaded = load_settings()
    assert (loaded.retries, loaded.connect_timeout, loaded.read_timeout, loaded.http_cache) == (2, 3.0, 7.0, False)
    assert loaded.disabled_plugins == ["oai"] and loaded.http_cache_max_mb == 0.0 and loaded.zotero_user_id == "475425"
    assert cli("list").code == 0
