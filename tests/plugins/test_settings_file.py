"""settings.toml as the user wrote it: `plugins disable/enable` change one line, and per-run overrides of add-on settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from refdesk.config import load_settings, save_setting, settings_file
from refdesk.errors import InvalidInputError

HAND_WRITTEN = """\
# refdesk settings, written by hand
contact_email = 'me@example.org'   # for the polite pools
plugin_timeout = 20.0

# add-ons
[plugin_settings.thesaurus]
# the word lists live here
path = "/srv/thesaurus"   # absolute
languages = [
    "en",  # English first
    "ru",
]

[plugin_settings.abstracts]
base_url = "http://127.0.0.1:8000"
"""


def test_disable_and_enable_change_one_line_and_keep_comments_order_and_tables(cli: Any) -> None:
    file = settings_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(HAND_WRITTEN, encoding="utf-8")

    out = cli("plugins", "disable", "oai")
    assert out.code == 0, out.err
    after = file.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in HAND_WRITTEN.splitlines()]
    assert added == ['disabled_plugins = ["oai"]']
    assert after.replace('disabled_plugins = ["oai"]\n', "") == HAND_WRITTEN  # every other byte as written
    assert after.index("disabled_plugins") < after.index("[plugin_settings.thesaurus]")  # a top-level key, not in a table

    # the user goes on editing by hand, exactly as the docs show: a new table works
    file.write_text(after + '\n[plugin_settings.crossref]\nmailto = "x@example.org"  # mine\n', encoding="utf-8")
    assert cli("plugins", "list").code == 0
    settings = load_settings()
    assert settings.disabled_plugins == ["oai"] and settings.plugin_settings["thesaurus"]["languages"] == ["en", "ru"]

    assert cli("plugins", "enable", "oai").code == 0
    text = file.read_text(encoding="utf-8")
    assert "disabled_plugins = []" in text and "# the word lists live here" in text and "# mine" in text
    assert load_settings().plugin_settings["crossref"] == {"mailto": "x@example.org"}


def test_save_setting_keeps_a_comment_after_the_value_and_writes_nothing_when_unchanged(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('disabled_plugins = ["a"]  # not today\nretries = 3 # three\n', encoding="utf-8")
    save_setting("disabled_plugins", ["a", "b"], file)
    save_setting("retries", 5, file)
    assert file.read_text(encoding="utf-8") == 'disabled_plugins = ["a", "b"]  # not today\nretries = 5 # three\n'
    before = file.stat().st_mtime_ns, file.stat().st_ino
    save_setting("retries", 5, file)
    assert (file.stat().st_mtime_ns, file.stat().st_ino) == before
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["settings.toml"]  # no temporary file left


def test_save_setting_refuses_a_broken_file_and_leaves_it_alone(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text("retries = = 3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid TOML, so disabled_plugins was not saved"):
        save_setting("disabled_plugins", ["a"], file)
    assert file.read_text(encoding="utf-8") == "retries = = 3\n"


def test_a_new_settings_file_is_created(tmp_path: Path) -> None:
    file = tmp_path / "new" / "settings.toml"
    save_setting("disabled_plugins", ["x"], file)
    assert load_settings(file, {}).disabled_plugins == ["x"]


def test_two_new_keys_in_a_new_file_as_a_zotero_login_saves_them(tmp_path: Path) -> None:
    """The second new key follows a key that ends the file: tomlkit refuses an insert past the end, so it is
    appended (a fresh settings.toml failed every login from the app: 'Unable to insert at position 1')."""
    path = tmp_path / "settings.toml"
    save_setting("zotero_user_id", "475425", path)
    save_setting("zotero_groups", ["4711"], path)
    settings = load_settings(path, {})
    assert settings.zotero_user_id == "475425" and settings.zotero_groups == ["4711"]


def test_per_run_overrides_of_add_on_settings(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('[plugin_settings.my-source]\nmin_score = 0.4\nlanguages = ["en"]\nbase_url = "https://example.org"\n',
                    encoding="utf-8")
    env = {
        "REFDESK_PLUGIN_MY_SOURCE__MIN_SCORE": "0.7",  # typed as the file has it
        "REFDESK_PLUGIN_MY_SOURCE__BASE_URL": "http://127.0.0.1:8000",
        "REFDESK_PLUGIN_MY_SOURCE__LANGUAGES": "en, ru",
        "REFDESK_PLUGIN_OTHER_ONE__VERBOSE": "true",  # not in the file: read as a TOML value when it is one
        "REFDESK_PLUGIN_OTHER_ONE__LABEL": "plain text",
        "REFDESK_PLUGIN_TIMEOUT": "5",  # refdesk's own plugin_timeout, not an add-on's
    }
    settings = load_settings(file, env)
    assert settings.plugin_settings_for("my-source") == {
        "min_score": 0.7, "languages": ["en", "ru"], "base_url": "http://127.0.0.1:8000"}
    assert settings.plugin_settings_for("other_one") == {"verbose": True, "label": "plain text"}
    assert settings.plugin_timeout == 5.0
    assert load_settings(file, {}).plugin_settings_for("my-source")["min_score"] == 0.4  # only for that run


@pytest.mark.parametrize("name", ["REFDESK_PLUGIN_SETTINGS", "REFDESK_PLUGIN_MY_SOURCE_BASE_URL", "REFDESK_PLUGIN___X"])
def test_an_add_on_variable_that_cannot_be_read_is_an_error_not_ignored(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInputError, match=r"is not read: .*REFDESK_PLUGIN_<NAME>__<KEY>"):
        load_settings(tmp_path / "none.toml", {name: "x"})


def test_an_override_of_the_wrong_type_names_the_variable(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text("[plugin_settings.x]\nmin_score = 0.4\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="REFDESK_PLUGIN_X__MIN_SCORE must be a number"):
        load_settings(file, {"REFDESK_PLUGIN_X__MIN_SCORE": "high"})


def test_the_add_on_gets_the_override_in_its_context(ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from refdesk.plugins.manager import context_factory

    ctx.settings.plugin_settings.update(load_settings(environ={"REFDESK_PLUGIN_MY_SOURCE__BASE_URL": "http://h"}).plugin_settings)
    assert dict(context_factory(ctx)("my-source", lambda: False).settings) == {"base_url": "http://h"}
