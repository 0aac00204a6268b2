"""A big file imported from the File menu: progress in the status bar, and Cancel leaves the library as it was."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from refdesk import importing
from refdesk.app import AppContext
from refdesk.importers import files
from refdesk.library.store import Library
from refdesk.model import Record

from tests.gui.conftest import wait_done


def test_cancel_part_way_through_a_file_stores_nothing(window: Any, qtbot: Any, ctx: AppContext, tmp_path: Path,
                                                       monkeypatch: Any) -> None:
    monkeypatch.setattr(importing, "BATCH", 10)
    monkeypatch.setattr(files, "BLOCK", 2048)  # the file is read in several blocks: progress moves through it
    path = tmp_path / "big.bib"
    path.write_text(files.write([Record.new("journalArticle", title=f"Paper {n}", date="2020") for n in range(200)], "bibtex"),
                    encoding="utf-8")
    before = ctx.library.count()
    real = Library.import_many
    calls = {"n": 0}
    seen: list[tuple[int, int]] = []

    def import_many(self: Library, records: Any, source: str, library_id: str = "user") -> Any:
        calls["n"] += len(records)
        if 30 < calls["n"] <= 40:  # the user presses Cancel part way through (on the worker thread: no race)
            deadline = time.monotonic() + 10
            while not window.jobs and time.monotonic() < deadline:
                time.sleep(0.01)
            window.jobs[-1].cancel()
        return real(self, records, source, library_id)

    monkeypatch.setattr(Library, "import_many", import_many)
    worker = window.import_file(str(path))
    worker.signals.progress.connect(lambda done, total, _message: seen.append((done, total)))
    wait_done(qtbot, worker)
    assert window.job_label.text() == "Cancelled"
    assert ctx.library.count() == before
    assert any(total == path.stat().st_size and 0 < done < total for done, total in seen)
