"""Discovery by entry point, API version checks, enable/disable kept in settings."""

from __future__ import annotations

import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from refdesk.config import load_settings
from refdesk.errors import NotFoundError
from refdesk.plugins.api import API_VERSION, ENTRY_POINT_GROUP
from refdesk.plugins.host import PluginHost, check_api_version

MODULES = {
    "rd_ok": """
        from refdesk.plugins.api import Enrichment, hookimpl
        REFDESK_API_VERSION = "1.0"
        @hookimpl
        def enrich(record, context):
            return Enrichment()
    """,
    "rd_future": """
        from refdesk.plugins.api import hookimpl
        REFDESK_API_VERSION = "2.0"
        @hookimpl
        def enrich(record, context):
            return None
    """,
    "rd_unversioned": """
        from refdesk.plugins.api import hookimpl
        @hookimpl
        def enrich(record, context):
            return None
    """,
    "rd_broken": "import a_module_that_does_not_exist\n",
    "rd_badhook": """
        from refdesk.plugins.api import hookimpl
        REFDESK_API_VERSION = "1.0"
        @hookimpl
        def enrich(record, context, something_else):
            return None
    """,
    "rd_nohook": 'REFDESK_API_VERSION = "1.0"\n',
}


@pytest.fixture
def fake_eps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[metadata.EntryPoint]:
    for name, source in MODULES.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return [metadata.EntryPoint(name.removeprefix("rd_"), name, ENTRY_POINT_GROUP) for name in MODULES]


def test_api_version_rules() -> None:
    assert check_api_version("1.0") == "" and check_api_version("1") == "" and check_api_version("1.1") == ""
    assert "needs plugin API 1.9" in check_api_version("1.9")
    assert "needs plugin API 2.0" in check_api_version("2.0")
    assert "does not declare" in check_api_version(None)
    assert "unreadable" in check_api_version("one")


def test_each_misfit_is_listed_with_a_reason_and_never_run(fake_eps: list[metadata.EntryPoint]) -> None:
    host = PluginHost(load_settings(), entry_points=fake_eps)
    infos = {i.name: i for i in host.infos()}
    assert infos["ok"].compatible and infos["ok"].enabled and infos["ok"].message == ""
    assert not infos["future"].compatible and f"needs plugin API 2.0, this refdesk offers {API_VERSION}" in infos["future"].message
    assert all(i.message.startswith("cannot run: ") for n, i in infos.items() if n != "ok")  # never "disabled": no one disabled them
    assert all("\n" not in i.message for i in infos.values())
    assert "does not declare REFDESK_API_VERSION" in infos["unversioned"].message
    assert "failed to load rd_broken: ModuleNotFoundError" in infos["broken"].message
    assert "does not fit the plugin API" in infos["badhook"].message and "something_else" in infos["badhook"].message
    assert "implements no hook" in infos["nohook"].message
    assert [name for name, _ in host.runnable()] == ["ok"]
    with pytest.raises(NotFoundError, match="cannot run"):
        host.runnable("future")


def test_installed_add_ons_are_discovered_with_their_origin() -> None:
    infos = {i.name: i for i in PluginHost(load_settings()).infos()}
    for name in ("crossref", "openalex", "doaj", "oai"):
        info = infos[name]
        assert info.compatible and info.enabled, info.message
        assert info.distribution == f"refdesk-{name}" and info.version == "0.1.0" and info.api_version in ("1.2", "1.3")
        assert info.origin.startswith("editable: ") and info.origin.endswith(f"plugins/refdesk-{name}")


def test_enable_disable_is_kept_in_settings(fake_eps: list[metadata.EntryPoint], cli: Any) -> None:
    host = PluginHost(load_settings(), entry_points=fake_eps)
    assert not host.set_enabled("ok", False).enabled
    assert load_settings().disabled_plugins == ["ok"]
    fresh = PluginHost(load_settings(), entry_points=fake_eps)
    assert fresh.runnable() == [] and fresh.infos()[0].message == "disabled in settings"
    assert [n for n, _ in fresh.runnable("ok")] == ["ok"]  # naming it explicitly still runs it
    fresh.set_enabled("ok", True)
    assert load_settings().disabled_plugins == []

    out = cli("plugins", "disable", "refdesk-oai")  # the distribution name works too
    assert out.code == 0 and out.out.strip() == "oai disabled"
    listed = {p["name"]: p for p in cli("plugins", "list", "--json").json()}
    assert listed["oai"]["enabled"] is False and listed["doaj"]["enabled"] is True
    assert "disabled" in cli("plugins", "list").out
    assert cli("plugins", "enable", "oai").code == 0
    assert {p["name"]: p["enabled"] for p in cli("plugins", "list", "--json").json()}["oai"] is True
    missing = cli("plugins", "enable", "nope")
    assert missing.code == 4 and "No add-on named 'nope'" in missing.err


class _Dist:
    def __init__(self, *requires: str) -> None:
        self.requires = list(requires)


def test_refdesk_range_is_rechecked() -> None:
    from refdesk import __version__
    from refdesk.plugins.host import check_refdesk_requirement

    assert check_refdesk_requirement(_Dist("refdesk>=0.1,<0.2", "httpx")) == ""  # type: ignore[arg-type]
    assert check_refdesk_requirement(_Dist("requests")) == ""  # type: ignore[arg-type]
    assert check_refdesk_requirement(_Dist('refdesk>=9; extra == "full"')) == ""  # type: ignore[arg-type]
    assert f"needs refdesk<10,>=9, this is refdesk {__version__}" in check_refdesk_requirement(_Dist("refdesk>=9,<10"))  # type: ignore[arg-type]


def test_plugins_list_says_cannot_run_in_one_line_each_and_keeps_columns(fake_eps: list[metadata.EntryPoint], cli: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    long_name = metadata.EntryPoint("a-rather-long-add-on-name", "rd_ok", ENTRY_POINT_GROUP)
    monkeypatch.setattr(PluginHost, "_eps", lambda self: [*fake_eps, long_name])
    out = cli("plugins", "list")
    assert out.code == 0, out.err
    lines = out.out.splitlines()
    assert lines[0].startswith("Add-ons of refdesk ") and f"plugin API {API_VERSION}" in lines[0]
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert len({row.index(" from ") for row in rows.values()}) == 1  # the origin column lines up
    assert "cannot run" in rows["future"] and "disabled" not in rows["future"]
    reason = lines[lines.index(rows["badhook"]) + 1].strip()
    assert reason == ("does not fit the plugin API: the hook enrich(record, context, something_else) asks for something_else, which refdesk does not "
                      "pass: its parameters must be among enrich(record, context)")
    assert "needs plugin API 2.0" in lines[lines.index(rows["future"]) + 1]

    again = cli("plugins", "enable", "future")
    assert again.code == 1 and again.out.strip().startswith("future enabled, but it still cannot run: needs plugin API 2.0")


def test_a_hook_of_another_name_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rd_typo.py").write_text(
        'from refdesk.plugins.api import hookimpl\nREFDESK_API_VERSION = "1.0"\n@hookimpl\ndef enrichh(record, context):\n    return None\n',
        encoding="utf-8")
    (tmp_path / "rd_syntax.py").write_text('REFDESK_API_VERSION = "1.0"\ndef enrich(record, context)\n    return None\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [metadata.EntryPoint(n, f"rd_{n}", ENTRY_POINT_GROUP) for n in ("typo", "syntax")]
    infos = {i.name: i for i in PluginHost(load_settings(), entry_points=eps).infos()}
    assert infos["typo"].message == ("cannot run: does not fit the plugin API: @hookimpl enrichh(record, context) is not a refdesk hook; "
                                     "the hooks are enrich(record, context)")
    assert infos["syntax"].message.startswith("cannot run: failed to load rd_syntax: SyntaxError: ")
    assert f"{tmp_path / 'rd_syntax.py'}, line 2)" in infos["syntax"].message
