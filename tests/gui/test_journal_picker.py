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
    ctx: AppContext, issn: str, query: str | None, limit: int, say: Callable[[str], None], cancel: Callable[[], bool]
) -> JournalView:
    """A stand-in for the core's journal lookup: recorded Crossref answers for PeerJ (2167-8359)."""
    journal = json.loads((DATA / "crossref-journal-2167-8359.json").read_text(encoding="utf-8"))["message"]
    works = json.loads((RECORDED / "journal-works-1.json").read_text(encoding="utf-8"))["message"]["items"]
    say("Reading recorded works…")
    records = [record_from_csl(w, "crossref") for w in works[:limit]]
    if query:
        records = [r for r in records if query.lower() in r.title.lower()]
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
