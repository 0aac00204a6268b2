"""Site add-ons (issue 15, plugin API 1.4): run before the generic extractors, merged first, isolated like enrichment add-ons."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.config import Settings
from refdesk.importers import IMPORT_NOTE
from refdesk.importers.web import import_url, use_site_addons
from refdesk.plugins import sites
from refdesk.plugins.api import API_VERSION, PluginContext, SitePage

from tests.servers.web import Route, WebServer

ROOT = Path(__file__).resolve().parents[2]
SAVED = ROOT / "plugins" / "refdesk-sciencedirect" / "tests" / "pages" / "S0009261497040141.html"
PATH = "/science/article/pii/S0009261497040141"


def _sciencedirect() -> Any:
    from refdesk_sciencedirect import site

    return site


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    with WebServer() as s:
        s.add(PATH, Route(body=SAVED.read_bytes()))
        monkeypatch.setenv("REFDESK_DOI_RESOLVER_URL", s.url("/doi"))  # no answer there: the page alone
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        monkeypatch.setenv("REFDESK_PLUGIN_TIMEOUT", "0.5")
        yield s


def local(site: Any) -> Any:
    """The shipped add-on, its ``match`` taking the local server's address for ScienceDirect's."""
    return SimpleNamespace(REFDESK_API_VERSION=site.REFDESK_API_VERSION, extract=site.extract,
                           match=lambda url: site.match(url.replace(url.split(PATH)[0], "https://www.sciencedirect.com")))  # fmt: skip


def _import(server: WebServer, addons: dict[str, object]) -> Any:
    with AppContext() as ctx:
        use_site_addons(ctx, addons)
        [rec] = import_url(ctx, server.url(PATH))
    return rec


def test_the_shipped_sciencedirect_addon_is_installed_and_runs() -> None:
    found = {a.name: a for a in sites.load(Settings())}
    assert "sciencedirect" in found and found["sciencedirect"].problem == ""


def test_without_the_addon_the_authors_are_missing(server: WebServer) -> None:
    rec = _import(server, {})
    assert rec.title == "Density functional study of the water dimer potential energy surface"
    assert rec.creators == []


def test_the_addon_gives_authors_abstract_and_keywords_first(server: WebServer) -> None:
    rec = _import(server, {"sciencedirect": local(_sciencedirect())})
    assert rec.creators == [{"creatorType": "author", "lastName": "Bergström", "firstName": "Lars"},
                            {"creatorType": "author", "lastName": "Castillo", "firstName": "María"}]  # fmt: skip
    assert rec.get("abstractNote").endswith("underestimated by every functional tested.")
    assert set(rec.tag_names()) == {"Water dimer", "Density functional theory", "Hydrogen bonding"}
    assert (rec.get("volume"), rec.get("issue"), rec.get("pages"), rec.get("DOI")) == ("281", "1-3", "151-158", "10.1016/S0009-2614(97)04014-1")
    assert rec.provenance["creators"].source == "site add-on sciencedirect"
    assert rec.provenance["title"].source == "site add-on sciencedirect"
    assert IMPORT_NOTE not in rec.provenance


def _addon(extract: Any, match: Any = lambda url: True, api: str = API_VERSION) -> object:
    return SimpleNamespace(REFDESK_API_VERSION=api, match=match, extract=extract)


def _fails(page: SitePage, context: PluginContext) -> Any:
    raise KeyError("authors")


def _slow(page: SitePage, context: PluginContext) -> Any:
    time.sleep(3)
    return {"title": "Too late"}


@pytest.mark.parametrize(
    ("addon", "said"),
    [
        (_addon(_fails), "site add-on broken failed (KeyError: 'authors'); the generic extractors' result is kept"),
        (_addon(_slow), "site add-on broken was stopped after 0.5 s; the generic extractors' result is kept"),
        (_addon(lambda p, c: {"title": 42}), "site add-on broken returned something refdesk cannot use (title is int, not text)"),
        (_addon(lambda p, c: {"authors": ["A"]}), "site add-on broken returned something refdesk cannot use ('authors' is not a Zotero field)"),
        (_addon(lambda p, c: ["not", "a", "mapping"]), "returned something refdesk cannot use (extract returned list, not a mapping of fields)"),
        (_addon(lambda p, c: {}, match=lambda url: 1 / 0), "site add-on broken failed (ZeroDivisionError: division by zero)"),
    ],
    ids=["raises", "times-out", "not-text", "unknown-field", "not-a-mapping", "match-raises"],
)
def test_a_failing_addon_is_named_and_the_generic_result_kept(server: WebServer, addon: object, said: str) -> None:
    rec = _import(server, {"broken": addon})
    assert rec.title == "Density functional study of the water dimer potential energy surface"
    assert rec.provenance["title"].source == "web:highwire"
    assert said in rec.provenance[IMPORT_NOTE].source


def test_an_addon_for_another_major_api_or_without_functions_never_runs(server: WebServer) -> None:
    calls: list[str] = []
    old = _addon(lambda p, c: calls.append("old") or {"title": "x"}, api="2.0")
    loaded = sites.from_objects({"old": old, "bare": SimpleNamespace(REFDESK_API_VERSION=API_VERSION)})
    assert "needs plugin API 2.0" in loaded[0].problem and "defines match(url) and extract(page, context)" in loaded[1].problem
    rec = _import(server, {"old": old})
    assert calls == [] and rec.provenance["title"].source == "web:highwire"


def test_an_addon_that_does_not_match_is_not_asked(server: WebServer) -> None:
    calls: list[str] = []
    rec = _import(server, {"other": _addon(lambda p, c: calls.append("x"), match=lambda url: "example.com" in url)})
    assert calls == [] and IMPORT_NOTE not in rec.provenance


def test_plugins_new_kind_site_writes_an_addon_whose_test_passes(tmp_path: Path, cli: object) -> None:
    result = cli("plugins", "new", "my-site", "--kind", "site", "--dir", str(tmp_path))  # type: ignore[operator]
    assert result.code == 0, result.err
    root = tmp_path / "refdesk-my-site"
    assert '[project.entry-points."refdesk.sites"]' in (root / "pyproject.toml").read_text()
    assert f'REFDESK_API_VERSION = "{API_VERSION}"' in (root / "src" / "refdesk_my_site" / "site.py").read_text()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")], cwd=root,
                         capture_output=True, text=True, env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    loaded = sites.from_objects({"my-site": _load(root / "src" / "refdesk_my_site" / "site.py")})
    assert loaded[0].problem == ""


def _load(path: Path) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("scaffolded_site", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
