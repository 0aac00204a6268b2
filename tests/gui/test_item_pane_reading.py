"""An item pane that reads well (issue 14): the title and long fields wrap, empty fields can be hidden (remembered),
sections fold, the wheel over the abstract scrolls the pane, and provenance reads in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from refdesk.app import AppContext
from refdesk.gui.pane_widgets import WrappingEdit, provenance_words, sources_sentence
from refdesk.model import Record

LONG_TITLE = ("Long-term trends in soil organic carbon across the permafrost zone of northern Siberia, "
              "with a comparison of field measurements, remote sensing and three process models")
LONG_JOURNAL = "Вестник Московского государственного института международных отношений (университета) МИД России"


def _record(ctx: AppContext) -> Record:
    rec = Record.new("journalArticle", "web:highwire", title=LONG_TITLE, publicationTitle=LONG_JOURNAL,
                     date="2021-04-05", DOI="10.5555/long.1",
                     url="https://journals.example.org/index.php/vestnik/article/view/123456/987654?lang=en&download=no")
    rec.set("abstractNote", "\n\n".join(["We measured carbon in permafrost soils. " * 12] * 4), "doi:csl")
    rec.set("volume", "14", "import:issn:Crossref")
    ctx.library.add(rec)
    return rec


def _show(window: Any, qtbot: Any, rec: Record) -> Any:
    window.refresh_table([rec.key])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == rec.key)
    return window.item_pane


def test_the_title_and_long_fields_wrap(ctx: AppContext, window: Any, qtbot: Any) -> None:
    window.resize(1000, 700)
    pane = _show(window, qtbot, _record(ctx))
    qtbot.waitUntil(lambda: pane.title_edit.height() > 2 * pane.title_edit.fontMetrics().lineSpacing())
    assert pane.title_edit.text() == LONG_TITLE and pane.title_edit.verticalScrollBar().maximum() == 0
    journal = pane.editors["publicationTitle"]
    assert isinstance(journal, WrappingEdit) and journal.text() == LONG_JOURNAL
    qtbot.waitUntil(lambda: journal.height() > 2 * journal.fontMetrics().lineSpacing())
    assert isinstance(pane.editors["url"], WrappingEdit)
    assert isinstance(pane.editors["volume"], QLineEdit)  # short fields stay one line
    # Enter in the title ends the edit (no new line in a title) and saves it
    pane.title_edit.setFocus()
    pane.title_edit.selectAll()
    qtbot.keyClicks(pane.title_edit, "A shorter title")
    with qtbot.waitSignal(pane.saved, timeout=5000):
        qtbot.keyClick(pane.title_edit, Qt.Key.Key_Return)
    assert ctx.library.get(pane.record.key).title == "A shorter title"


def test_empty_fields_can_be_hidden_and_it_is_remembered(ctx: AppContext, window: Any, qtbot: Any) -> None:
    from refdesk.gui.item_pane import ItemPane

    pane = _show(window, qtbot, _record(ctx))
    assert pane.show_empty.isChecked() and pane.empty_fields_hidden() == []
    pane.show_empty.setChecked(False)
    hidden = pane.empty_fields_hidden()
    assert "issue" in hidden and "pages" in hidden and "ISSN" in hidden
    assert "volume" not in hidden and "publicationTitle" not in hidden and "date" not in hidden
    assert not pane.editors["issue"].isVisible() and pane.editors["volume"].isVisible()
    again = ItemPane(ctx.library)
    qtbot.addWidget(again)
    assert not again.show_empty.isChecked()
    pane.show_empty.setChecked(True)
    assert pane.empty_fields_hidden() == [] and pane.editors["issue"].isVisible()


def test_sections_fold_and_stay_folded(ctx: AppContext, window: Any, qtbot: Any) -> None:
    from refdesk.gui.item_pane import ItemPane

    pane = _show(window, qtbot, _record(ctx))
    assert set(pane.sections) >= {"info", "abstract", "tags", "sources"}
    assert pane.abstract.isVisible()
    pane.sections["abstract"].header.click()
    assert not pane.abstract.isVisible() and pane.title_edit.isVisible()
    again = ItemPane(ctx.library)
    qtbot.addWidget(again)
    assert not again.sections["abstract"].expanded() and again.sections["info"].expanded()
    pane.sections["abstract"].header.click()
    assert pane.abstract.isVisible()


def test_the_wheel_over_the_abstract_scrolls_the_pane(ctx: AppContext, window: Any, qtbot: Any) -> None:
    window.resize(1000, 600)
    pane = _show(window, qtbot, _record(ctx))
    window.table.setFocus()
    bar = pane.scroller.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    pane.scroller.ensureWidgetVisible(pane.abstract)
    before = bar.value()
    target = pane.abstract.viewport()
    centre = QPointF(target.rect().center())
    event = QWheelEvent(centre, QPointF(target.mapToGlobal(QPoint(10, 10))), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(target, event)
    assert bar.value() > before or bar.value() == bar.maximum()
    assert not pane.abstract.hasFocus()


def test_provenance_reads_in_words(ctx: AppContext, window: Any, qtbot: Any) -> None:
    pane = _show(window, qtbot, _record(ctx))
    text = pane.provenance.text()
    assert "the page's citation tags" in text and "Crossref (the journal's listing)" in text
    assert "web:highwire" not in text and "import:" not in text and "doi:csl" not in text
    assert pane.labels["volume"].toolTip().startswith("From Crossref (the journal's listing)")
    assert provenance_words("plugin:crossref") == "the crossref add-on"
    assert provenance_words("web:jsonld") == "the page's schema.org data"
    assert sources_sentence(["web:highwire", "user", "sync"]) == "From the page's citation tags and Zotero (sync)."
