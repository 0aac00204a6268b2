"""Add-ons from the window: Enrich the selection with the real Crossref add-on against a local server
replaying recorded Crossref data, review and accept in the review dialog, and install an add-on from a folder."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins import manager
from refdesk.plugins.api import ENTRY_POINT_GROUP, SUBJECT
from refdesk.plugins.host import PluginHost

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
    assert abstract_row.text(1).startswith("Background Terrestrial biomes") and abstract_row.text(3) == "Crossref via crossref"
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
