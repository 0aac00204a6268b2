"""Add by ISSN: the journal picker shows facts and articles, filters, and imports only the ticked ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refdesk.app import AppContext
from refdesk.gui.journal_picker import JournalPicker, JournalView, view_from_result
from refdesk.importers.csl import record_from_csl

from tests.conftest import FIXTURES

RECORDED = FIXTURES / "crossref"
DATA = Path(__file__).resolve().parent / "data"


def recorded_source(
    ctx: AppContext, issn: str, query: str | None, limit: int, say: Callable[[str], None], cancel: Callable[[], bool],
    year: int | None = None,
) -> JournalView:
    """A stand-in for the core's journal lookup: recorded Crossref answers for PeerJ (2167-8359)."""
    journal = json.loads((DATA / "crossref-journal-2167-8359.json").read_text(encoding="utf-8"))["message"]
    works = json.loads((RECORDED / "journal-works-1.json").read_text(encoding="utf-8"))["message"]["items"]
    say("Reading recorded works…")
    records = [record_from_csl(w, "crossref") for w in works[:limit]]
    if query:
        records = [r for r in records if query.lower() in r.title.lower()]
    if year:
        records = [r for r in records if r.year == str(year)]
    facts = {"title": journal["title"], "publisher": journal["publisher"], "issns": journal["ISSN"],
             "subjects": [s["name"] for s in journal["subjects"]]}
    return view_from_result(issn, {"journal": facts, "articles": records})


def test_picker_shows_facts_filters_and_imports_the_ticked_articles(window: Any, qtbot: Any, ctx: AppContext) -> None:
    picker = JournalPicker(ctx, window.pool, "2167-8359", window, source=recorded_source)
    qtbot.addWidget(picker)
    picker.imported.connect(window._imported)
    picker.show()
    qtbot.waitUntil(lambda: picker.view is not None, timeout=15000)
    assert "<b>PeerJ</b>" in picker.facts.text() and "General Neuroscience" in picker.facts.text()
    assert picker.list.topLevelItemCount() == 20
    assert not picker.import_button.isEnabled()
    first_title = picker.items()[0].text(0)
    picker.search.setText(first_title.split()[0])
    visible = [i for i in picker.items() if not i.isHidden()]
    assert 0 < len(visible) < 20
    picker.search.clear()
    picker.check(0)
    picker.check(3)
    assert picker.import_button.text() == "Import Selected (2)"
    chosen = {r.get("DOI") for r in picker.chosen()}
    with qtbot.waitSignal(picker.imported, timeout=15000) as blocker:
        picker.import_selected()
    assert len(blocker.args[0].outcomes) == 2
    assert {r.get("DOI") for r in ctx.library.records()} == chosen
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)


def test_an_issn_in_the_add_box_opens_the_picker_and_failures_read_well(window: Any, qtbot: Any) -> None:
    dlg = window.open_add_dialog("2167-8359")
    assert "ISSN" in dlg.hint.text() and "choose articles" in dlg.hint.text()
    dlg.start()
    picker = window.dialogs["journal"]
    assert picker.isVisible() and picker.issn == "2167-8359"
    qtbot.waitUntil(lambda: picker.worker is None, timeout=30000)
    # No journal service is reachable in tests (its URL is a closed port): the picker says so plainly.
    assert picker.status.property("error") and picker.status.text()
    assert "Traceback" not in picker.status.text()
    picker.reject()


def test_issn_through_the_picker_against_the_local_scholarly_services(
    window: Any, qtbot: Any, ctx: AppContext, monkeypatch: Any
) -> None:
    """The first case end to end: ISSN 2076-7404 in the Add box, the merged journal, pick the Sergeev article."""
    from tests.journal.conftest import FIRST_ISSN, SERGEEV_TITLE, first_case
    from tests.servers.scholarly import ScholarlyServer

    with ScholarlyServer() as server:
        server.add(first_case())
        server.env(monkeypatch)
        for source in ("crossref", "openalex", "doaj"):
            setattr(ctx.settings, f"{source}_api_url", server.source_url(source))
        dlg = window.open_add_dialog(FIRST_ISSN)
        dlg.start()
        picker = window.dialogs["journal"]
        qtbot.waitUntil(lambda: picker.view is not None or bool(picker.status.property("error")), timeout=30000)
        assert picker.view is not None, picker.status.text()
        assert "Publisher" in picker.facts.text() and FIRST_ISSN in picker.facts.text()
        titles = [i.text(0) for i in picker.items()]
        assert SERGEEV_TITLE in titles
        years = {i.text(2) for i in picker.items()}
        sergeev_year = next(i.text(2) for i in picker.items() if i.text(0) == SERGEEV_TITLE)
        picker.year.setValue(int(sergeev_year))
        before = picker.view
        picker.fetch(None)
        qtbot.waitUntil(lambda: picker.view is not before and picker.worker is None, timeout=30000)
        assert {i.text(2) for i in picker.items()} == {sergeev_year} and len(years) > 1
        assert SERGEEV_TITLE in [i.text(0) for i in picker.items()]
        picker.search.setText("Soviet British diplomacy")
        visible = [i for i in picker.items() if not i.isHidden()]
        assert [i.text(0) for i in visible] == [SERGEEV_TITLE]
        picker.set_all(True)
        assert picker.import_button.text() == "Import Selected (1)"
        with qtbot.waitSignal(picker.imported, timeout=15000):
            picker.import_selected()
    (stored,) = ctx.library.records()
    assert stored.title == SERGEEV_TITLE and FIRST_ISSN in stored.get("ISSN")
    assert stored.creators and stored.creators[0].get("lastName") == "Sergeev"
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.selected_keys() == [stored.key]
