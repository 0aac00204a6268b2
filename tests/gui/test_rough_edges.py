"""The rough edges a new user hit (issue 14): Enter in the Add box, the search's empty text and Esc, the journal
picker's count, order and abstracts, stale status messages, the export folder, narrow windows, the add-ons dialog."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from refdesk.app import AppContext
from refdesk.gui import jobs
from refdesk.model import Record

from tests.gui.conftest import make_record, wait_done


# -- Add by Identifier -------------------------------------------------------------------------------------------
def test_add_is_the_default_and_enter_adds_even_after_an_error(window: Any, qtbot: Any) -> None:
    dlg = window.open_add_dialog()
    assert dlg.add_button.isDefault()
    assert not dlg.cancel_button.isDefault() and not dlg.cancel_button.autoDefault()
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)  # an empty box: a message, not a closed dialog
    assert dlg.isVisible() and dlg.status.property("error") and "Paste a URL" in dlg.status.text()
    qtbot.keyClicks(dlg.input, "2076-7405")  # a wrong check digit
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.status.property("error") and "check digit" in dlg.status.text()
    assert dlg.add_button.isDefault() and not dlg.cancel_button.isDefault()
    dlg.input.setText("2076-7404")
    with qtbot.waitSignal(dlg.journal_requested, timeout=5000) as blocker:
        qtbot.keyClick(dlg.input, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert blocker.args == ["2076-7404"]
    window.dialogs["journal"].reject()


def test_enter_while_fetching_neither_cancels_nor_drops_the_result(window: Any, qtbot: Any, monkeypatch: Any) -> None:
    release = threading.Event()
    calls: list[str] = []

    def slow_import(ctx: AppContext, task: Any, ident: Any) -> jobs.ImportSummary:
        calls.append(ident.value)
        release.wait(10)
        return jobs.ImportSummary("DOI 10.1000/xyz123")

    monkeypatch.setattr(jobs, "import_identifier", slow_import)
    dlg = window.open_add_dialog()
    qtbot.keyClicks(dlg.input, "10.1000/xyz123")
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(calls))
    assert dlg.worker is not None and dlg.input.isReadOnly() and not dlg.cancel_button.isDefault()
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)  # impatient: must not cancel the fetch
    assert dlg.isVisible() and dlg.worker is not None and calls == ["10.1000/xyz123"]
    with qtbot.waitSignal(dlg.imported, timeout=10000):
        release.set()


# -- search ----------------------------------------------------------------------------------------------------
class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_the_empty_text_follows_the_search_and_esc_clears_it(records: list[Record], window: Any, qtbot: Any) -> None:
    window.search.setFocus()
    qtbot.keyClicks(window.search, "qw")
    window.apply_search()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert window.table.empty_text == "Nothing matches “qw”."
    paints = _Paints()
    window.table.viewport().installEventFilter(paints)
    qtbot.keyClicks(window.search, "erty")
    window.apply_search()
    assert window.table.empty_text == "Nothing matches “qwerty”."
    qtbot.waitUntil(lambda: paints.count > 0)  # the new text is painted, though the (empty) table did not reset
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""
    qtbot.waitUntil(lambda: window.model.rowCount() == len(records))


# -- journal picker ----------------------------------------------------------------------------------------------
def test_the_picker_counts_what_the_filter_shows_and_keeps_its_order(window: Any, qtbot: Any, ctx: AppContext) -> None:
    from refdesk.gui.journal_picker import JournalPicker

    from tests.gui.test_journal_picker import recorded_source

    picker = JournalPicker(ctx, window.pool, "2167-8359", window, source=recorded_source)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitUntil(lambda: picker.view is not None, timeout=15000)
    assert picker.status.text() == "20 articles. Tick the ones to import."
    order = [i.text(0) for i in picker.items()]
    word = order[5].split()[0]
    picker.search.setText(word)
    shown = sum(not i.isHidden() for i in picker.items())
    assert 0 < shown < 20 and picker.status.text().startswith(f"{shown} of 20 articles match the filter")
    picker.search.setText("zzzz-no-such-word")
    assert picker.status.text().startswith("None of the 20 articles matches")
    picker.search.setText(word)
    picker.check(5)
    before = picker.view
    picker.fetch(word)  # Enter in the filter box: ask the journal's index
    qtbot.waitUntil(lambda: picker.view is not before and picker.worker is None, timeout=15000)
    picker.search.clear()
    assert [i.text(0) for i in picker.items()] == order  # the list as it was, not the query's answer
    assert [r.title for r in picker.chosen()] == [order[5]]  # and the tick kept
    assert picker.status.text() == "20 articles. Tick the ones to import."
    picker.reject()


@contextmanager
def _openalex_works(abstracts: dict[str, str]) -> Iterator[str]:
    """A local stand-in for OpenAlex's ``/works/doi:{doi}``: the given abstracts as inverted indexes."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            doi = self.path.split("?")[0].removeprefix("/works/doi:")
            if doi not in abstracts:
                self.send_response(404)
                self.end_headers()
                return
            index: dict[str, list[int]] = {}
            for n, w in enumerate(abstracts[doi].split()):
                index.setdefault(w, []).append(n)
            body = json.dumps({"doi": f"https://doi.org/{doi}", "abstract_inverted_index": index}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_articles_imported_from_the_picker_get_the_abstract_a_source_has(window: Any, qtbot: Any, ctx: AppContext) -> None:
    from refdesk.gui.journal_picker import JournalPicker, view_from_records

    bare = Record.new("journalArticle", "import:issn:crossref", title="Peat fires in Yakutia", DOI="10.5555/peat.1",
                      ISSN="2076-7404", publicationTitle="Journal of Peat")
    other = Record.new("journalArticle", "import:issn:crossref", title="Snow on peat", DOI="10.5555/peat.2", ISSN="2076-7404")
    with _openalex_works({"10.5555/peat.1": "Fires on peat release old carbon."}) as url:
        ctx.settings.openalex_api_url = url
        picker = JournalPicker(ctx, window.pool, "2076-7404", window, preloaded=view_from_records("2076-7404", [bare, other]))
        qtbot.addWidget(picker)
        picker.set_all(True)
        with qtbot.waitSignal(picker.imported, timeout=15000):
            picker.import_selected()
    stored = {r.get("DOI"): r for r in ctx.library.records()}
    assert stored["10.5555/peat.1"].get("abstractNote") == "Fires on peat release old carbon."
    assert stored["10.5555/peat.1"].provenance["abstractNote"].source == "import:issn:OpenAlex"
    assert stored["10.5555/peat.2"].get("abstractNote") == ""  # no source has one: imported all the same


# -- status bar ------------------------------------------------------------------------------------------------------
def test_a_message_that_stops_being_true_is_taken_back(records: list[Record], window: Any) -> None:
    window.table.clearSelection()
    window.export_selected(path="/nonexistent/x.ris")
    assert window.job_label.text() == "Select the items to export first"
    window.select_keys([records[0].key])
    assert window.job_label.text() == ""
    window.say("Add-ons (crossref) proposed 15 values for 3 item(s)", topic="review")
    window.update_review_count()  # nothing pending any more
    assert window.job_label.text() == "Every suggestion has been reviewed"
    window.say("Saved")
    window.retract("review")  # another message since: left alone
    assert window.job_label.text() == "Saved"


# -- export ---------------------------------------------------------------------------------------------------------
def test_export_starts_in_the_last_folder_and_counts_in_words(
    records: list[Record], window: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from refdesk.gui import main_window

    asked: list[str] = []
    target = tmp_path / "out" / "one.ris"
    target.parent.mkdir()

    def save_name(_parent: Any, title: str, start: str, _filters: str) -> tuple[str, str]:
        asked.append(start)
        return str(target), "RIS (*.ris)"

    monkeypatch.setattr(main_window.QFileDialog, "getSaveFileName", save_name)
    window.select_keys([records[0].key])
    wait_done(qtbot, window.export_selected())
    assert window.job_label.text() == "Exported 1 item to one.ris"
    assert Path(asked[0]).parent != Path.cwd() or Path.cwd() == Path.home()
    wait_done(qtbot, window.export_selected())
    assert Path(asked[1]).parent == target.parent  # the folder used last time


# -- a narrow window -------------------------------------------------------------------------------------------------
def test_at_900_by_600_the_side_panes_give_way_first(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    ctx.library.add_many([make_record(n) for n in range(5)])
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1400, 800)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.column_fitter._seen)  # the table was painted: the user has seen it
    win.splitter.setSizes([220, 800, 380])
    qtbot.waitUntil(lambda: win.splitter.sizes()[0] == 220)
    win.resize(900, 600)
    qtbot.waitUntil(lambda: win.width() == 900)
    left, centre, right = win.splitter.sizes()
    assert left < 220 and right < 380
    # the centre keeps its minimum, or the side panes went as narrow as they can
    floors = [max(m, w.minimumSizeHint().width()) for m, w in zip(win.splitter.side_min, (win.splitter.widget(0),
                                                                                             win.splitter.widget(2)), strict=True)]
    assert centre >= win.splitter.centre_min or (left <= floors[0] + 1 and right <= floors[1] + 1)
    header = win.table.horizontalHeader()
    assert header.sectionSize(0) >= 200 or centre < win.splitter.centre_min  # Title stays readable
    shown = [i for i in range(1, header.count()) if not header.isSectionHidden(i)]
    assert sum(header.sectionSize(i) for i in range(header.count()) if not header.isSectionHidden(i)) <= \
        win.table.viewport().width() + 1 and len(shown) == 4
    win.resize(1400, 800)
    qtbot.waitUntil(lambda: win.splitter.sizes()[0] == 220 and win.splitter.sizes()[2] == 380)
    assert header.sectionSize(1) == 140  # the user's widths come back
    win.close()


# -- add-ons ------------------------------------------------------------------------------------------------------
def test_add_ons_have_a_description_and_say_where_they_are_from_in_words() -> None:
    from refdesk.gui.plugins_dialog import description_of, origin_words

    text, tip = origin_words("editable: /home/me/src/refdesk-crossref")
    assert text == "its source folder refdesk-crossref (edits apply at once)" and tip == "/home/me/src/refdesk-crossref"
    assert origin_words("package index")[0] == "the Python Package Index"
    assert origin_words("/tmp/dist/refdesk_doaj-1.0-py3-none-any.whl")[0] == "the file refdesk_doaj-1.0-py3-none-any.whl"
    assert origin_words("built in")[0] == "built into refdesk"
    assert "editable" not in text and ":" not in text
    assert description_of("refdesk-crossref").startswith("Abstracts (JATS to plain text) and journal subjects from Crossref")
    assert description_of("no-such-distribution-here") == ""


def test_the_add_ons_dialog_shows_the_description_and_origin(window: Any) -> None:
    dlg = window.open_plugins_dialog()
    row = dlg.row_of("crossref")
    assert row >= 0
    assert dlg.table.item(row, 5).text().startswith("Abstracts")
    assert not dlg.table.item(row, 4).text().startswith("editable:")
    dlg.reject()
