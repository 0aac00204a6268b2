"""Site add-ons (group ``refdesk.sites``) are add-ons like the others: ``refdesk plugins list`` shows them with their
kind, ``enable|disable|uninstall`` find them, ``install`` checks that one loads, and what the user sets takes effect on
the next URL import of the same session (the app), as does a newly installed one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.config import load_settings
from refdesk.errors import InvalidInputError
from refdesk.importers.web import import_url
from refdesk.plugins import install, manager, sites
from refdesk.plugins.api import API_VERSION, ENTRY_POINT_GROUP, SITES_ENTRY_POINT_GROUP, PluginContext, SitePage
from refdesk.plugins.host import PluginHost

from tests.servers.web import Route, WebServer

from .conftest import FnPlugin

ROOT = Path(__file__).resolve().parents[2]
SAVED = ROOT / "plugins" / "refdesk-sciencedirect" / "tests" / "pages" / "S0009261497040141.html"
PATH = "/science/article/pii/S0009261497040141"


def _site(title: str = "From the site add-on") -> object:
    def extract(page: SitePage, context: PluginContext) -> dict[str, Any]:
        return {"title": title}

    return SimpleNamespace(REFDESK_API_VERSION=API_VERSION, match=lambda url: PATH in url, extract=extract)


def test_the_shipped_site_add_on_is_listed_with_its_kind(cli: Any) -> None:
    listed = {p["name"]: p for p in cli("plugins", "list", "--json").json()}
    assert listed["sciencedirect"]["kind"] == "site" and listed["sciencedirect"]["compatible"] is True
    assert listed["crossref"]["kind"] == "enrich"
    out = cli("plugins", "list")
    row = next(line for line in out.out.splitlines() if line.startswith("sciencedirect "))
    assert row.split()[1:5] == ["refdesk-sciencedirect", "0.1.0", "site", "enabled"]
    crossref = next(line for line in out.out.splitlines() if line.startswith("crossref "))
    assert crossref.split()[3] == "enrichment" and crossref.index(" from ") == row.index(" from ")


def test_disable_and_enable_a_site_add_on_by_name_or_distribution(cli: Any) -> None:
    out = cli("plugins", "disable", "refdesk-sciencedirect")
    assert out.code == 0 and out.out.startswith("sciencedirect disabled"), out.err
    assert load_settings().disabled_plugins == ["sciencedirect"]
    assert {a.name: a.enabled for a in sites.load(load_settings())}["sciencedirect"] is False
    assert {p["name"]: p["enabled"] for p in cli("plugins", "list", "--json").json()}["sciencedirect"] is False
    assert cli("plugins", "enable", "sciencedirect").code == 0
    assert load_settings().disabled_plugins == []


def test_enrich_says_a_site_add_on_does_not_enrich(ctx: AppContext, cli: Any) -> None:
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], objects={"e": FnPlugin(lambda r, c: None)},
                                     sites={"s": _site()}))
    host = manager.host_for(ctx)
    assert [n for n, _ in host.runnable()] == ["e"]  # a site add-on never runs as an enrichment
    with pytest.raises(InvalidInputError, match="'s' is a site add-on: it reads pages when you import a URL"):
        host.runnable("s")
    out = cli("enrich", "--all", "--plugin", "sciencedirect")
    assert out.code == 2 and "site add-on" in out.err


def test_a_site_add_on_that_cannot_run_is_listed_with_why(cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "rd_site_old.py").write_text('REFDESK_API_VERSION = "2.0"\ndef match(url): return True\n'
                                            'def extract(page, context): return None\n', encoding="utf-8")
    (tmp_path / "rd_site_bare.py").write_text(f'REFDESK_API_VERSION = "{API_VERSION}"\ndef match(url): return True\n',
                                              encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [metadata.EntryPoint(n, f"rd_site_{n}", SITES_ENTRY_POINT_GROUP) for n in ("old", "bare")]
    monkeypatch.setattr(PluginHost, "_eps", lambda self: eps)
    infos = {i.name: i for i in PluginHost(load_settings()).infos()}
    assert infos["old"].kind == "site" and not infos["old"].compatible and "needs plugin API 2.0" in infos["old"].message
    assert infos["bare"].message == ("cannot run: does not fit the plugin API: a site add-on defines match(url) and "
                                     "extract(page, context)")
    lines = cli("plugins", "list").out.splitlines()
    row = next(line for line in lines if line.startswith("old "))
    assert "site" in row.split() and "cannot run" in row
    assert "needs plugin API 2.0" in lines[lines.index(row) + 1]
    assert cli("plugins", "enable", "bare").code == 1


@pytest.fixture
def page_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    with WebServer() as s:
        s.add(PATH, Route(body=SAVED.read_bytes()))
        monkeypatch.setenv("REFDESK_DOI_RESOLVER_URL", s.url("/doi"))
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        yield s


def test_what_the_user_sets_counts_at_the_next_import_of_the_same_session(isolated_env: Path, page_server: WebServer) -> None:
    with AppContext() as ctx:
        manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], sites={"local": _site()}))
        assert import_url(ctx, page_server.url(PATH))[0].provenance["title"].source == "site add-on local"
        manager.set_enabled(ctx, "local", False)  # the Add-ons dialog's checkbox, or `refdesk plugins disable`
        rec = import_url(ctx, page_server.url(PATH))[0]
        assert rec.provenance["title"].source == "web:highwire"
        manager.set_enabled(ctx, "local", True)
        manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], sites={"newer": _site("Installed just now")}))
        rec = import_url(ctx, page_server.url(PATH))[0]  # what an install discovers is asked without a restart
        assert rec.title == "Installed just now" and rec.provenance["title"].source == "site add-on newer"


def test_install_checks_that_a_site_add_on_loads(tmp_path: Path) -> None:
    from refdesk.plugins.site_scaffold import new_site_addon

    good = new_site_addon("goodsite", tmp_path)
    target = tmp_path / "site-packages"
    summary = install.install(str(good), target=target, no_deps=True)
    assert summary.ok and summary.plugins == ["goodsite"] and summary.kinds == {"goodsite": "site"}, summary.text()
    assert summary.warnings == [] and "add-ons: goodsite (site)" in summary.text()
    assert summary.to_json()["kinds"] == {"goodsite": "site"}

    broken = new_site_addon("brokensite", tmp_path)
    module = broken / "src" / "refdesk_brokensite" / "site.py"
    module.write_text(module.read_text(encoding="utf-8").replace("def extract(", "def extract_(", 1), encoding="utf-8")
    summary = install.install(str(broken), target=tmp_path / "other", no_deps=True)
    assert not summary.ok and summary.kinds == {"brokensite": "site"}
    assert summary.problems == {"brokensite": "cannot run: does not fit the plugin API: a site add-on defines match(url) "
                                              "and extract(page, context)"}
    assert "but brokensite cannot run" in summary.text()


def test_a_distribution_with_neither_group_is_named(tmp_path: Path) -> None:
    from .conftest import make_wheel

    wheel = make_wheel(tmp_path, "nothing", ["refdesk>=0.1,<0.2"])
    with_no_entry_points = tmp_path / "x"
    with_no_entry_points.mkdir()
    import zipfile

    out = with_no_entry_points / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("entry_points.txt"):
                data = b"[console_scripts]\nx = y:z\n"
            dst.writestr(item, data)
    summary = install.install(str(out), target=tmp_path / "t", no_deps=True)
    assert f"declares no '{ENTRY_POINT_GROUP}' or '{SITES_ENTRY_POINT_GROUP}' entry point" in " ".join(summary.warnings)
    sys.modules.pop("refdesk_nothing", None)


def test_plugins_list_names_the_python_even_with_no_add_on(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PluginHost, "_eps", lambda self: [])
    lines = cli("plugins", "list").out.splitlines()
    assert lines[0].startswith("Add-ons of refdesk ") and sys.executable in lines[0]  # the Python the docs point at
    assert lines[1].startswith("No add-ons installed.")


def test_the_site_skeleton_says_how_to_try_it_on_its_saved_page(tmp_path: Path) -> None:
    from refdesk.plugins.site_scaffold import new_site_addon

    root = new_site_addon("try-me", tmp_path)
    readme = (root / "README.md").read_text(encoding="utf-8")
    site = (root / "src" / "refdesk_try_me" / "site.py").read_text(encoding="utf-8")
    assert 'HOSTS = ("www.example.org",)' in site and "parts.hostname in HOSTS" in site
    assert '"127.0.0.1"` to `HOSTS`' in readme and "cp tests/pages/article.html /tmp/refdesk_try_me/article/123.html" in readme
    assert "refdesk import http://127.0.0.1:8000/article/123.html" in readme


def test_enrich_with_only_site_add_ons_says_none_enriches(ctx: AppContext) -> None:
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], sites={"s": _site()}))
    with pytest.raises(InvalidInputError, match=r"No enrichment add-on is enabled \(site add-ons read pages on import"):
        manager.enrich(ctx, None)
