"""Add by identifier: classification as you type, import in a worker, cancel, readable errors, paste/drop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from refdesk.app import AppContext
from refdesk.gui import jobs

from tests.gui.conftest import wait_done
from tests.gui.servers import PageServer


def _csl_file(tmp_path: Path) -> Path:
    path = tmp_path / "two.json"
    path.write_text(json.dumps([
        {"id": "a", "type": "article-journal", "title": "Peat and permafrost", "DOI": "10.5555/peat",
         "author": [{"family": "Ivanova", "given": "Olga"}], "issued": {"date-parts": [[2019]]},
         "container-title": "Boreal Letters"},
        {"id": "b", "type": "book", "title": "Forests of the north", "author": [{"family": "Berg", "given": "Nils"}],
         "issued": {"date-parts": [[2001]]}, "publisher": "Nordic Press"},
    ]), encoding="utf-8")
    return path


def test_the_box_says_what_it_recognises(window: Any, qtbot: Any) -> None:
    dlg = window.open_add_dialog()
    qtbot.keyClicks(dlg.input, "10.1000/xyz123")
    assert "DOI" in dlg.hint.text() and dlg.add_button.isEnabled()
    dlg.input.setText("2076-7405")
    assert "check digit" in dlg.hint.text() and "2076-7404" in dlg.hint.text()
    assert not dlg.add_button.isEnabled()
    dlg.input.setText("ftp://example.org/x")
    assert "only http and https" in dlg.hint.text()
    dlg.reject()


def test_import_a_file_through_the_box(window: Any, qtbot: Any, ctx: AppContext, tmp_path: Path) -> None:
    dlg = window.open_add_dialog(str(_csl_file(tmp_path)))
    with qtbot.waitSignal(dlg.imported, timeout=10000) as blocker:
        dlg.start()
    summary = blocker.args[0]
    assert isinstance(summary, jobs.ImportSummary)
    assert len(summary.outcomes) == 2
    assert ctx.library.count() == 2
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert "added 2" in window.job_label.text()
    assert set(window.selected_keys()) == set(summary.keys)


def test_a_failing_import_shows_a_sentence_not_a_traceback(window: Any, qtbot: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("[{", encoding="utf-8")
    dlg = window.open_add_dialog(str(bad))
    with qtbot.waitSignal(dlg.failed, timeout=10000) as blocker:
        dlg.start()
    message = blocker.args[0]
    assert "broken.json" in message and "Traceback" not in message
    assert dlg.isVisible() and dlg.input.isEnabled()
    assert message in dlg.status.text()
    dlg.reject()


def test_add_by_url_imports_the_article(window: Any, qtbot: Any, ctx: AppContext) -> None:
    with PageServer(delay=0).running() as server:
        dlg = window.open_add_dialog(f"{server.url}/article/7")
        assert "URL" in dlg.hint.text()
        with qtbot.waitSignal(dlg.imported, timeout=20000) as blocker:
            dlg.start()
    summary = blocker.args[0]
    (rec,) = [o.record for o in summary.outcomes]
    assert rec.title == "Waiting for page 7" and rec.get("DOI") == "10.5555/slow.7"
    assert [c.get("lastName") for c in rec.creators] == ["Sergeev", "Smith"]
    assert rec.get("publicationTitle") == "Journal of Slow Science"
    assert ctx.library.get(rec.key).title == "Waiting for page 7"
    qtbot.waitUntil(lambda: window.selected_keys() == [rec.key])
    assert "added 1" in window.job_label.text()


def test_event_loop_keeps_turning_while_a_slow_server_answers(window: Any, qtbot: Any, ctx: AppContext) -> None:
    """An import by URL waits 2 s on a slow server; meanwhile timers fire and the window stays responsive."""
    ticks: list[int] = []
    ticker = QTimer()
    ticker.setInterval(50)
    ticker.timeout.connect(lambda: ticks.append(1))
    early: list[bool] = []
    with PageServer(delay=2.0).running() as server:
        dlg = window.open_add_dialog(f"{server.url}/slow/1")
        with qtbot.waitSignal(dlg.imported, timeout=30000) as blocker:
            dlg.start()
            assert dlg.worker is not None and dlg.progress.isVisible()
            ticker.start()
            QTimer.singleShot(100, lambda: early.append(dlg.worker is not None and not dlg.worker.done.is_set()))
        ticker.stop()
    assert blocker.args[0].outcomes[0].record.title == "Waiting for page 1"
    assert early == [True], "a 100 ms timer must fire while the import is still waiting"
    assert len(ticks) >= 5, f"the event loop stalled: only {len(ticks)} ticks of 50 ms during a 2 s wait"


def test_cancel_stops_a_slow_url_import_and_stores_nothing(window: Any, qtbot: Any, ctx: AppContext) -> None:
    with PageServer(delay=0.6).running() as server:
        dlg = window.open_add_dialog(f"{server.url}/slow/3")
        dlg.start()
        worker = dlg.worker
        assert worker is not None
        qtbot.waitUntil(lambda: len(server.requests) == 1, timeout=10000)
        dlg.reject()
        assert not dlg.isVisible()
        wait_done(qtbot, worker, 20000)
    assert ctx.library.count() == 0
    assert worker.is_cancelled()


def test_cancel_drops_a_running_import(window: Any, qtbot: Any, ctx: AppContext) -> None:
    with PageServer(delay=0.5).running() as server:
        url = f"{server.url}/slow/2"

        def job(task: Any) -> Any:
            ctx.http.get(url)
            task.check()
            return "stored"

        worker = window.run_job(job, name="slow", busy="Waiting…")
        assert window.job_cancel.isVisible()
        with qtbot.waitSignal(worker.signals.cancelled, timeout=20000):
            window.job_cancel.click()
    qtbot.waitUntil(lambda: not window.job_cancel.isVisible(), timeout=5000)
    assert window.job_label.text() == "Cancelled"


def test_paste_and_drop_offer_the_add_dialog(window: Any, qtbot: Any) -> None:
    with PageServer(delay=0).running() as server:
        QGuiApplication.clipboard().setText(f"{server.url}/article/1")
        window.table.setFocus()
        window.paste_identifier()
        dlg = window.dialogs["add"]
        assert dlg.input.text() == f"{server.url}/article/1"
        dlg.reject()
        mime = QMimeData()
        mime.setUrls([QUrl(f"{server.url}/article/2")])
        drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        window.dropEvent(drop)
        dropped = window.dialogs["add"]
        assert dropped.input.text() == f"{server.url}/article/2"
        qtbot.waitUntil(lambda: window.ctx.library.count() == 1, timeout=20000)
    assert [r.title for r in window.ctx.library.records()] == ["Waiting for page 2"]


def test_add_by_doi_through_content_negotiation(window: Any, qtbot: Any, ctx: AppContext, httpserver: Any) -> None:
    """The recorded CSL-JSON answer of doi.org for 10.1126/science.169.3946.635, from a local resolver."""
    from tests.conftest import FIXTURES

    recorded = FIXTURES / "crossref" / "work-csl-json.json"
    httpserver.expect_request("/10.1126/science.169.3946.635").respond_with_data(
        recorded.read_bytes(), content_type="application/vnd.citationstyles.csl+json")
    ctx.settings.doi_resolver_url = httpserver.url_for("/").rstrip("/")
    dlg = window.open_add_dialog("https://doi.org/10.1126/science.169.3946.635")
    assert "DOI (10.1126/science.169.3946.635)" in dlg.hint.text()
    with qtbot.waitSignal(dlg.imported, timeout=20000):
        dlg.start()
    (rec,) = ctx.library.records()
    assert rec.title == "The Structure of Ordinary Water" and rec.get("publicationTitle") == "Science"
    assert rec.creators[0].get("lastName") == "Frank"


def test_import_a_ris_file_from_the_file_menu_and_again_merges(window: Any, qtbot: Any, ctx: AppContext, tmp_path: Path) -> None:
    ris = tmp_path / "refs.ris"
    ris.write_text(
        "TY  - JOUR\nTI  - Peat and permafrost\nAU  - Ivanova, Olga\nPY  - 2019\nJO  - Boreal Letters\nDO  - 10.5555/peat\nER  - \n"
        "TY  - BOOK\nTI  - Forests of the north\nAU  - Berg, Nils\nPY  - 2001\nPB  - Nordic Press\nER  - \n",
        encoding="utf-8")
    wait_done(qtbot, window.import_file(str(ris)))
    assert ctx.library.count() == 2 and "refs.ris" in window.job_label.text() and "added 2" in window.job_label.text()
    wait_done(qtbot, window.import_file(str(ris)))
    assert ctx.library.count() == 2 and "2 already in the library" in window.job_label.text()
    wait_done(qtbot, window.import_file(str(tmp_path / "missing.ris")))
    assert "missing.ris" in window.job_label.text() and "Traceback" not in window.job_label.toolTip()


def test_several_lines_import_each_and_keep_the_lines_not_added(window: Any, qtbot: Any, ctx: AppContext) -> None:
    """A pasted list mixing URLs, a bad ISSN, an ISBN and garbage: the good lines are imported, the others stay
    in the box, each with its reason."""
    with PageServer(delay=0).running() as server:
        text = f"{server.url}/article/1\n  \ngarbage\r\n{server.url}/article/2\n2076-7405\n978-0-306-40615-7\n"
        dlg = window.open_add_dialog(text)
        hint = dlg.hint.text()
        assert "2 of 5 lines" in hint and "line 2" in hint and "garbage" in hint, hint
        assert dlg.add_button.isEnabled()
        with qtbot.waitSignal(dlg.imported, timeout=20000) as blocker:
            dlg.start()
    assert blocker.args[0].message().startswith("2 identifiers: added 2")
    assert sorted(r.title for r in ctx.library.records()) == ["Waiting for page 1", "Waiting for page 2"]
    assert dlg.isVisible() and dlg.input.isEnabled()
    assert dlg.input.text().splitlines() == ["garbage", "2076-7405", "978-0-306-40615-7"]
    status = dlg.status.text()
    assert dlg.status.property("error") and "3 lines were not added" in status
    assert "expected 4" in status and "ISBN" in status and "'garbage' is not" in status
    dlg.reject()


def test_an_isbn_is_named_as_not_importable_before_add(window: Any, qtbot: Any, ctx: AppContext) -> None:
    dlg = window.open_add_dialog("978-0-306-40615-7")
    assert "not supported" in dlg.hint.text() and "9780306406157" in dlg.hint.text()
    assert not dlg.add_button.isEnabled()
    dlg.start()
    assert dlg.worker is None and "not supported" in dlg.status.text() and dlg.status.property("error")
    dlg.reject()


def test_pasting_what_is_not_an_identifier_says_why(window: Any, qtbot: Any) -> None:
    window.table.setFocus()
    QGuiApplication.clipboard().setText("just some words")
    window.paste_identifier()
    dlg = window.dialogs["add"]
    assert dlg.input.text() == "just some words" and "is not a URL, DOI" in dlg.hint.text()
    assert dlg.worker is None
    dlg.reject()
    QGuiApplication.clipboard().setText("10.5555/one\n10.5555/two")
    window.paste_identifier()
    dlg = window.dialogs["add"]
    assert dlg.input.text().splitlines() == ["10.5555/one", "10.5555/two"] and "2 of 2 lines" in dlg.hint.text()
    assert dlg.worker is None  # a list is shown to be checked, not fetched at once
    dlg.reject()
    QGuiApplication.clipboard().clear()
    window.paste_identifier()
    assert "clipboard" in window.job_label.text() and window.job_label.property("error")


def test_dropping_several_links_or_files_loses_none(window: Any, qtbot: Any, ctx: AppContext, tmp_path: Path) -> None:
    def drop(mime: QMimeData) -> None:
        window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                    Qt.KeyboardModifier.NoModifier))

    ris = tmp_path / "one.ris"
    ris.write_text("TY  - JOUR\nTI  - Lichens of the tundra\nAU  - Berg, Nils\nPY  - 2011\nER  - \n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(_csl_file(tmp_path))), QUrl.fromLocalFile(str(ris))])
    drop(mime)
    qtbot.waitUntil(lambda: ctx.library.count() == 3 and not window.jobs, timeout=20000)
    assert sorted(r.title for r in ctx.library.records()) == ["Forests of the north", "Lichens of the tundra", "Peat and permafrost"]
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/a"), QUrl("https://example.org/b")])
    drop(mime)
    dlg = window.dialogs["add"]
    assert dlg.input.text().splitlines() == ["https://example.org/a", "https://example.org/b"] and dlg.worker is None
    dlg.reject()
    mime = QMimeData()
    mime.setUrls([QUrl("javascript:alert(1)")])
    drop(mime)
    dlg = window.dialogs["add"]
    assert "only http and https" in dlg.hint.text() and dlg.worker is None
    dlg.reject()
