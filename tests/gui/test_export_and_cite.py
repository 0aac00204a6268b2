"""Export of the selection (the core's writers) and "Copy citation/bibliography" with citeproc-py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from refdesk.model import Record

from tests.gui.conftest import wait_done


def test_export_selected_to_csl_json(records: list[Record], window: Any, qtbot: Any, tmp_path: Path) -> None:
    window.select_keys([records[1].key, records[2].key])
    assert len(window.selected_keys()) == 2
    target = tmp_path / "out.json"
    worker = window.export_selected(str(target), "csljson")
    wait_done(qtbot, worker, 10000)
    items = json.loads(target.read_text(encoding="utf-8"))
    assert {i["DOI"] for i in items} == {"10.5555/test.1", "10.5555/test.2"}
    assert "Exported 2 items to out.json" in window.job_label.text()


def test_export_with_nothing_selected_says_so(records: list[Record], window: Any, tmp_path: Path) -> None:
    window.table.clearSelection()
    assert window.export_selected(str(tmp_path / "x.ris"), "ris") is None
    assert "Select the items" in window.job_label.text()


def test_copy_citation_and_bibliography(window: Any, qtbot: Any, ctx: Any) -> None:
    rec = Record.new("journalArticle", title="Soil carbon in boreal forests", publicationTitle="Forest Ecology",
                     volume="12", issue="3", pages="45-67", date="2020-05-01", DOI="10.1000/xyz")
    rec.set("creators", [{"creatorType": "author", "lastName": "Sergeev", "firstName": "Evgeny"},
                         {"creatorType": "author", "lastName": "Smith", "firstName": "Jane"}])
    ctx.library.add(rec)
    window.refresh_table([rec.key])
    assert window.selected_keys() == [rec.key]
    assert window.copy_citation("citation", "apa") == "(Sergeev & Smith, 2020)"
    assert QGuiApplication.clipboard().text() == "(Sergeev & Smith, 2020)"
    assert window.copy_citation("citation", "chicago") == "(Sergeev and Smith 2020)"
    apa = window.copy_citation("bibliography", "apa")
    assert apa == ("Sergeev, E., & Smith, J. (2020). Soil carbon in boreal forests. Forest Ecology, 12(3), 45–67. "
                   "https://doi.org/10.1000/xyz")
    assert "<i>Forest Ecology</i>" in QGuiApplication.clipboard().mimeData().html()
    chicago = window.copy_citation("bibliography", "chicago")
    assert chicago == ("Sergeev, Evgeny, and Jane Smith. 2020. “Soil carbon in boreal forests.” Forest Ecology 12 (3): 45–67. "
                       "https://doi.org/10.1000/xyz")
    assert "Bibliography copied (1 item)" in window.job_label.text()


def test_export_to_ris_and_bibtex_reads_back(records: list[Record], window: Any, qtbot: Any, tmp_path: Path) -> None:
    from refdesk.importers.files import read_file

    window.select_keys([records[3].key, records[4].key, records[5].key])
    for fmt, name in (("ris", "out.ris"), ("bibtex", "out.bib")):
        target = tmp_path / name
        worker = window.export_selected(str(target), fmt)
        wait_done(qtbot, worker, 10000)
        back = read_file(target)
        assert sorted(r.get("DOI") for r in back) == ["10.5555/test.3", "10.5555/test.4", "10.5555/test.5"]
        assert {r.title for r in back} == {records[n].title for n in (3, 4, 5)}
        assert f"Exported 3 items to {name}" in window.job_label.text()


def test_a_long_bibliography_is_formatted_in_a_worker(window: Any, qtbot: Any, ctx: Any) -> None:
    from refdesk.gui.main_window import CITE_AT_ONCE

    from tests.gui.conftest import make_record

    ctx.library.add_many([make_record(n) for n in range(CITE_AT_ONCE + 5)])
    window.refresh_table([])
    window.table.selectAll()
    assert window.copy_citation("bibliography", "apa") == ""  # too many to format on the GUI thread
    qtbot.waitUntil(lambda: "Bibliography copied" in window.job_label.text(), timeout=60000)
    assert f"({CITE_AT_ONCE + 5} items)" in window.job_label.text()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == CITE_AT_ONCE + 5 and lines[0].startswith("Author000, A., & Second, B.")
