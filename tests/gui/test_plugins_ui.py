"""Add-ons from the window: Enrich the selection with the real Crossref add-on against a local server
replaying recorded Crossref data, review and accept in the review dialog, install an add-on from a folder, and
close the add-ons dialog while pip (a slow fake) is still installing."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from pytest_httpserver import HTTPServer
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins import manager
from refdesk.plugins.api import ENTRY_POINT_GROUP, SUBJECT
from refdesk.plugins.host import PluginHost
from refdesk.plugins.install import Installed, InstallError, InstallSummary

from tests.conftest import FIXTURES
from tests.gui.conftest import wait_done

DATA = Path(__file__).resolve().parent / "data"
DOI = "10.7717/peerj.14276"
CUT = "Background\n\nTerrestrial biomes in South America are likely to experience…"


@pytest.fixture
def crossref(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """Our own server (not the session-wide ``httpserver``): the add-on caches journal subjects per base URL."""
    recorded = FIXTURES / "crossref" / "journal-works-1.json"
    if not recorded.exists():
        pytest.fail(f"recorded Crossref responses not found at {recorded}: these tests replay them and must not pass without them")
    httpserver = HTTPServer()
    httpserver.start()
    work = next(w for w in json.loads(recorded.read_text(encoding="utf-8"))["message"]["items"] if w["DOI"] == DOI)
    httpserver.expect_request(f"/works/{DOI}").respond_with_json({"status": "ok", "message-type": "work", "message": work})
    httpserver.expect_request("/journals/2167-8359").respond_with_data(
        (DATA / "crossref-journal-2167-8359.json").read_bytes(), content_type="application/json")
    url = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("REFDESK_CROSSREF_API_URL", url)
    ctx.settings.crossref_api_url = url
    crossref_ep = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == "crossref"]
    if not crossref_ep:
        pytest.fail("the refdesk-crossref add-on is not installed: pip install -e plugins/refdesk-crossref into the venv")
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=crossref_ep))
    yield httpserver
    httpserver.clear()
    httpserver.stop()


def test_enrich_then_review_accept_reject_and_accept_all_safe(
    crossref: HTTPServer, ctx: AppContext, window: Any, qtbot: Any
) -> None:
    from refdesk.gui.review_dialog import start_enrich

    rec = Record.new("journalArticle", "web:highwire", title="Climate and South American biomes", DOI=DOI, ISSN="2167-8359")
    rec.set("abstractNote", CUT, "web:highwire")
    ctx.library.add(rec)
    window.refresh_table([rec.key])
    worker = start_enrich(window, window.selected_keys())
    wait_done(qtbot, worker, 30000)
    assert "proposed 4 values" in window.job_label.text(), window.job_label.text()
    dlg = window.dialogs["review"]
    assert dlg.isVisible() and window.act_review.iconText() == "Review (4)"
    assert sorted((s.field, s.value[:20]) for s in dlg.by_id.values()) == [
        ("abstractNote", "Background\n\nTerrestr"), (SUBJECT, "General Agricultural"), (SUBJECT, "General Medicine"),
        (SUBJECT, "General Neuroscience"),
    ]
    abstract_row = dlg.item_for(rec.key, "abstractNote")
    assert abstract_row.text(1).startswith("Background Terrestrial biomes") and abstract_row.text(3) == "Crossref"
    dlg.tree.setCurrentItem(abstract_row)
    assert "Terrestrial biomes in South America" in dlg.suggested_view.toPlainText()
    assert dlg.current_view.toPlainText().endswith("experience…")

    dlg.reject_item(rec.key, SUBJECT, "General Medicine")
    dlg.accept_item(rec.key, SUBJECT, "General Neuroscience")
    stored = ctx.library.get(rec.key)
    assert {"tag": "General Neuroscience", "type": 1} in stored.tags
    assert "General Medicine" not in stored.tag_names()
    dlg.safe_button.click()
    stored = ctx.library.get(rec.key)
    assert stored.get("abstractNote").startswith("Background\n\nTerrestrial biomes in South America are likely to experience")
    assert len(stored.get("abstractNote")) > len(CUT) + 200
    assert stored.provenance["abstractNote"].source == "plugin:crossref"
    assert {(t["tag"], t.get("type")) for t in stored.tags} == {
        ("General Neuroscience", 1), ("General Agricultural and Biological Sciences", 1)}
    assert dlg.by_id == {} and "Nothing to review" in dlg.message.text()
    dlg.reject()
    assert window.act_review.iconText() == "Review"
    window.select_keys([rec.key])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == rec.key)
    assert window.item_pane.abstract.toPlainText() == stored.get("abstractNote")
    tips = {window.item_pane.tags.item(i).text(): window.item_pane.tags.item(i).toolTip()
            for i in range(window.item_pane.tags.count())}
    assert tips["⚙ General Neuroscience"] == "Automatic tag from Crossref (journal) via crossref"


def test_enrich_with_nothing_selected_says_so(window: Any) -> None:
    from refdesk.gui.review_dialog import start_enrich

    assert start_enrich(window, []) is None
    assert "Select the items" in window.job_label.text()


def test_install_an_add_on_from_a_folder_then_disable_it(ctx: AppContext, window: Any, qtbot: Any, tmp_path: Path) -> None:
    from refdesk.plugins.scaffold import new_plugin

    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[]))
    folder = new_plugin("guitest", tmp_path)
    site = tmp_path / "site"
    dlg = window.open_plugins_dialog()
    assert dlg.table.rowCount() == 0 and "No add-ons installed" in dlg.message.text()

    def discover(c: AppContext) -> PluginHost:
        eps = [ep for d in metadata.distributions(path=[str(site)]) for ep in d.entry_points if ep.group == ENTRY_POINT_GROUP]
        return PluginHost(c.settings, entry_points=eps)

    dlg.install_options = {"target": site, "no_deps": True}
    dlg.host_factory = discover
    sys.path.insert(0, str(site))
    try:
        worker = dlg.install_from(str(folder))
        wait_done(qtbot, worker, 60000)
        assert "Installed refdesk-guitest 0.1.0" in dlg.message.text(), dlg.message.text()
        row = dlg.row_of("guitest")
        assert row >= 0 and dlg.table.item(row, 1).text() == "0.1.0" and dlg.table.item(row, 3).text() == "yes"
        box = dlg.findChild(object, "enabled:guitest")
        assert box.isChecked()
        box.setChecked(False)
        assert ctx.settings.disabled_plugins == ["guitest"]
        assert manager.host_for(ctx).runnable() == []
        assert "guitest disabled" in dlg.message.text()
    finally:
        sys.path.remove(str(site))
        for mod in [m for m in sys.modules if m.startswith("refdesk_guitest")]:
            del sys.modules[mod]
    dlg.reject()


def test_a_failed_install_is_a_readable_message(window: Any, qtbot: Any, tmp_path: Path) -> None:
    dlg = window.open_plugins_dialog()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    worker = dlg.install_from(str(tmp_path / "notes.txt"))
    wait_done(qtbot, worker, 30000)
    assert "neither a wheel" in dlg.message.text() and dlg.message.property("error")
    assert "Traceback" not in dlg.message.text()
    dlg.reject()


class SlowPip:
    """``install.install`` replaced by a fake pip that waits until ``release`` is set, then installs or fails."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.error = ""
        self.calls: list[str] = []

    def install(self, spec: str, **options: Any) -> InstallSummary:
        self.calls.append(f"install {spec}")
        self.release.wait(30)
        if self.error:
            raise InstallError(self.error)
        return InstallSummary(spec, dry_run=False, packages=[Installed("refdesk-slow", "0.2.0", requested=True)], plugins=["slow"])


@pytest.fixture
def slow_pip(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowPip]:
    from refdesk.plugins import install

    pip = SlowPip()
    monkeypatch.setattr(install, "install", pip.install)
    manager.use_host(ctx, PluginHost(ctx.settings, entry_points=[]))
    yield pip
    pip.release.set()


def test_closing_the_dialog_while_an_install_runs_lets_it_finish_and_reports_in_the_status_bar(
    ctx: AppContext, window: Any, qtbot: Any, slow_pip: SlowPip
) -> None:
    discovered: list[PluginHost] = []

    def discover(c: AppContext) -> PluginHost:
        discovered.append(PluginHost(c.settings, entry_points=[]))
        return discovered[-1]

    dlg = window.open_plugins_dialog()
    dlg.host_factory = discover
    worker = dlg.install_from("/somewhere/refdesk_slow-0.2.0-py3-none-any.whl", folder=False)
    assert worker is not None and not dlg.install_file.isEnabled()
    with qtbot.waitSignal(dlg.destroyed):
        dlg.close()  # the dialog is deleted on close (WA_DeleteOnClose), pip still runs
    assert not shiboken6.isValid(dlg) and not worker.is_cancelled()  # pip cannot be stopped half-way
    said_on_close = window.job_label.text()
    with qtbot.captureExceptions() as exceptions:
        slow_pip.release.set()
        wait_done(qtbot, worker)
    # Before the fix: "RuntimeError: Internal C++ object (QPushButton) already deleted" in the result slot.
    assert not exceptions, [str(e[1]) for e in exceptions]
    assert said_on_close.startswith("Installing /somewhere/refdesk_slow-0.2.0-py3-none-any.whl") and "background" in said_on_close
    assert window.job_label.text() == "Installed refdesk-slow 0.2.0" and not window.job_label.property("error")
    assert "add-ons: slow" in window.job_label.toolTip()
    assert len(discovered) == 1 and manager.host_for(ctx) is discovered[0]  # what pip installed counts without a restart


def no_add_ons(c: AppContext) -> PluginHost:
    return PluginHost(c.settings, entry_points=[])


def test_an_install_that_fails_after_the_dialog_closed_is_an_error_in_the_status_bar(
    window: Any, qtbot: Any, slow_pip: SlowPip
) -> None:
    slow_pip.error = "pip could not install refdesk-slow: it needs refdesk>=9"
    dlg = window.open_plugins_dialog()
    dlg.host_factory = no_add_ons
    worker = dlg.install_from("/somewhere/refdesk_slow-0.2.0-py3-none-any.whl", folder=False)
    dlg.reject()
    with qtbot.captureExceptions() as exceptions:
        slow_pip.release.set()
        wait_done(qtbot, worker)
    assert not exceptions, [str(e[1]) for e in exceptions]
    assert window.job_label.text() == slow_pip.error and window.job_label.property("error")


def test_one_pip_at_a_time_even_from_the_dialog_opened_again(window: Any, qtbot: Any, slow_pip: SlowPip) -> None:
    first = window.open_plugins_dialog()
    first.host_factory = no_add_ons
    worker = first.install_from("/somewhere/a.whl", folder=False)
    first.reject()
    again = window.open_plugins_dialog()
    again.host_factory = no_add_ons
    assert again is not first and "still running" in again.message.text() and not again.install_file.isEnabled()
    assert again.install_from("/somewhere/b.whl", folder=False) is None
    assert "try again" in again.message.text() and again.message.property("error")
    qtbot.waitUntil(lambda: slow_pip.calls != [])
    assert slow_pip.calls == ["install /somewhere/a.whl"]
    slow_pip.release.set()
    wait_done(qtbot, worker)
    assert "started earlier is done" in again.message.text() and again.install_file.isEnabled()
    assert window.job_label.text() == "Installed refdesk-slow 0.2.0"
    second = again.install_from("/somewhere/b.whl", folder=False)
    assert second is not None
    wait_done(qtbot, second)
    assert slow_pip.calls == ["install /somewhere/a.whl", "install /somewhere/b.whl"]
    assert again.message.text().startswith("Installed refdesk-slow 0.2.0") and again.install_file.isEnabled()
    again.reject()
