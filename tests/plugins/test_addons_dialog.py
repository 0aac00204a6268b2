"""The app's Add-ons dialog: site add-ons are listed with their kind and enabled there like the others; an install
whose add-on cannot run is an error that says, in words, which add-on and why (never "Installed" alone)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.plugins import manager, sites
from refdesk.plugins.api import API_VERSION
from refdesk.plugins.host import KINDS, PluginHost
from refdesk.plugins.install import Installed, InstallSummary

from tests.gui import conftest as gui
from tests.gui.conftest import wait_done

from .conftest import FnPlugin, make_wheel

window = gui.window  # the app's fixtures (tests/gui/conftest.py is not this folder's)
_clear_clipboard = gui._clear_clipboard

SITE = SimpleNamespace(REFDESK_API_VERSION=API_VERSION, match=lambda url: False, extract=lambda page, context: None)


def test_site_add_ons_are_listed_with_their_kind_and_enabled_there(ctx: AppContext, window: Any) -> None:
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[], objects={"words": FnPlugin(lambda r, c: None)},
                                     sites={"platform": SITE}))
    dlg = window.open_plugins_dialog()
    header = dlg.table.horizontalHeader()
    assert dlg.table.horizontalHeaderItem(dlg.KIND).text() == "Kind" and header.visualIndex(dlg.KIND) == 1
    site_row, enrich_row = dlg.row_of("platform"), dlg.row_of("words")
    assert dlg.table.item(site_row, dlg.KIND).text() == "Site"
    assert "add an item by URL" in dlg.table.item(site_row, dlg.KIND).toolTip()
    assert dlg.table.item(enrich_row, dlg.KIND).text() == "Enrichment"
    assert dlg.table.item(site_row, 3).text() == "yes"
    box = dlg.findChild(object, "enabled:platform")
    assert box.isChecked() and box.isEnabled()
    box.setChecked(False)
    assert ctx.settings.disabled_plugins == ["platform"] and "platform disabled" in dlg.message.text()
    assert [a.enabled for a in sites.installed(ctx)] == [False]  # the next URL import leaves it out
    dlg.reject()


BAD = 'from refdesk.plugins.api import hookimpl\nREFDESK_API_VERSION = "2.0"\n@hookimpl\ndef enrich(record, context):\n    return None\n'


def test_an_install_whose_add_on_cannot_run_is_an_error_in_words(ctx: AppContext, window: Any, qtbot: Any,
                                                                  tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "future", ["refdesk>=0.1,<0.2"], modules={"future": BAD})
    target = tmp_path / "site"

    def discover(c: AppContext) -> PluginHost:
        eps = [ep for d in metadata.distributions(path=[str(target)]) for ep in d.entry_points if ep.group in KINDS]
        return PluginHost(c.settings, entry_points=eps)

    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[]))
    dlg = window.open_plugins_dialog()
    dlg.install_options = {"target": target, "no_deps": True}
    dlg.host_factory = discover
    sys.path.insert(0, str(target))
    try:
        worker = dlg.install_from(str(wheel), folder=False)
        wait_done(qtbot, worker, 60000)
        text = dlg.message.text()
        assert dlg.message.property("error"), text
        assert not text.startswith("Installed"), text
        assert text.startswith("refdesk-future 0.1.0 was installed, but refdesk cannot run it (future: "
                               f"needs plugin API 2.0, this refdesk offers {API_VERSION}"), text
        assert "select future and click Uninstall" in text and "refdesk plugins" not in text  # no CLI in the app
        assert dlg.message.toolTip().startswith("Installed refdesk-future 0.1.0")  # pip's full summary, on hover
        row = dlg.row_of("future")
        assert row >= 0 and dlg.table.item(row, 3).text() == "no"  # the table shows it, not compatible
        assert dlg.install_file.isEnabled()
    finally:
        sys.path.remove(str(target))
        sys.modules.pop("refdesk_future", None)
        sys.modules.pop("refdesk_future.future", None)
    dlg.reject()


def test_a_good_install_still_reads_installed(ctx: AppContext, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from refdesk.plugins import install

    monkeypatch.setattr(install, "install", lambda spec, **o: InstallSummary(
        spec, dry_run=False, packages=[Installed("refdesk-fine", "1.0", requested=True)], plugins=["fine"]))
    dlg = window.open_plugins_dialog()
    dlg.host_factory = lambda c: PluginHost(c.settings, entry_points=[])
    wait_done(qtbot, dlg.install_from("/x/refdesk_fine-1.0-py3-none-any.whl", folder=False))
    assert dlg.message.text().startswith("Installed refdesk-fine 1.0") and not dlg.message.property("error")
    dlg.reject()


@pytest.fixture
def slow_broken_pip(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    from refdesk.plugins import install

    release = threading.Event()

    def fake(spec: str, **options: Any) -> InstallSummary:
        release.wait(30)
        return InstallSummary(spec, dry_run=False, packages=[Installed("refdesk-slow", "0.2.0", requested=True)],
                              plugins=["slow"], problems={"slow": "cannot run: SyntaxError: invalid syntax (plugin.py, line 3)"})

    monkeypatch.setattr(install, "install", fake)
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[]))
    yield release
    release.set()


def test_a_broken_install_finishing_after_the_dialog_closed_is_an_error_in_the_status_bar(
    window: Any, qtbot: Any, slow_broken_pip: threading.Event
) -> None:
    dlg = window.open_plugins_dialog()
    dlg.host_factory = lambda c: PluginHost(c.settings, entry_points=[])
    worker = dlg.install_from("/somewhere/refdesk_slow-0.2.0-py3-none-any.whl", folder=False)
    dlg.reject()
    slow_broken_pip.set()
    wait_done(qtbot, worker)
    said = window.job_label.text()
    assert window.job_label.property("error") and said.startswith("refdesk-slow 0.2.0 was installed, but refdesk cannot run it")
    assert "(slow: SyntaxError: invalid syntax (plugin.py, line 3))" in said
