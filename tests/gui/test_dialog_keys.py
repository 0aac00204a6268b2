"""Enter and Esc in the dialogs, as a keyboard user presses them (issue 14, found walking the app at 900×600):
Enter does what the box it is typed in says and never presses another button by accident."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from refdesk.app import AppContext
from refdesk.gui.journal_picker import JournalPicker

from tests.gui.test_journal_picker import recorded_source


def _picker(window: Any, qtbot: Any, ctx: AppContext) -> JournalPicker:
    asked: list[str | None] = []

    def source(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[2])
        return recorded_source(*args, **kwargs)

    picker = JournalPicker(ctx, window.pool, "2167-8359", window, source=source)
    picker.asked = asked  # type: ignore[attr-defined]
    picker.pressed = []  # type: ignore[attr-defined]
    for b in picker.findChildren(QPushButton):
        b.clicked.connect(lambda _checked=False, b=b: picker.pressed.append(b.text()))  # type: ignore[attr-defined]
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    qtbot.waitUntil(lambda: picker.view is not None and not picker.progress.isVisible(), timeout=15000)
    return picker


def test_enter_in_the_picker_filter_asks_the_index_and_imports_nothing(window: Any, qtbot: Any, ctx: AppContext) -> None:
    picker = _picker(window, qtbot, ctx)
    picker.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is picker.search)  # type to filter at once
    picker.check(0)
    picker.check(3)
    # only Import is the default: Select All was an "auto-default" button, and a focused one took Enter
    assert [b.text() for b in picker.findChildren(QPushButton) if b.isDefault()] == ["Import Selected (2)"]
    assert not any(b.autoDefault() for b in picker.findChildren(QPushButton))
    word = picker.items()[5].text(0).split()[0]
    qtbot.keyClicks(picker.search, word)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.asked[-1] == word and not picker.progress.isVisible(), timeout=15000)
    ticked = [i for i in picker.items() if i.checkState(0) == Qt.CheckState.Checked]
    assert len(ticked) == 2  # Enter had also pressed Select All: every article ticked
    assert picker.pressed == []  # no button pressed: nothing imported
    # the year box: Enter sets the year (asks again), it does not import
    picker.year.setFocus()
    picker.year.selectAll()
    qtbot.keyClicks(picker.year, "2019")
    qtbot.keyClick(picker.year, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.fetched_year == 2019 and not picker.progress.isVisible(), timeout=15000)
    assert picker.pressed == []
    # Esc closes it with nothing imported
    qtbot.keyClick(picker.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert picker.pressed == [] and ctx.library.count() == 0


def test_enter_on_an_article_ticks_it_and_does_not_import(window: Any, qtbot: Any, ctx: AppContext) -> None:
    picker = _picker(window, qtbot, ctx)
    picker.list.setFocus()
    picker.list.setCurrentItem(picker.items()[1])
    qtbot.keyClick(picker.list, Qt.Key.Key_Return)
    assert picker.items()[1].checkState(0) == Qt.CheckState.Checked
    assert picker.pressed == [] and picker.isVisible()


def test_rename_collection_enter_renames_and_says_so_esc_changes_nothing(window: Any, qtbot: Any,
                                                                         ctx: AppContext) -> None:
    from PySide6.QtWidgets import QInputDialog
    from refdesk.library.collections import create_collection, get_collection

    made = create_collection(ctx.library, "Peatlands")
    window.refresh_sources()
    window.collections_ui.show_collection("user", made.key)

    def answer(key: int, text: str = "") -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible())
        line = dialog.findChild(QLineEdit)
        assert line is not None and line.text() == "Peatlands"
        if text:
            line.selectAll()
            qtbot.keyClicks(line, text)
        qtbot.keyClick(line, key)

    QTimer.singleShot(0, lambda: answer(Qt.Key.Key_Escape))
    assert window.collections_ui.rename_current() is None
    assert get_collection(ctx.library, made.key, "user").name == "Peatlands"
    QTimer.singleShot(0, lambda: answer(Qt.Key.Key_Return, "Peatland carbon and methane"))
    renamed = window.collections_ui.rename_current()
    assert renamed is not None and renamed.name == "Peatland carbon and methane"
    assert window.job_label.text() == "Renamed the collection Peatlands to Peatland carbon and methane"


def test_the_add_ons_dialog_shows_every_column_and_whole_descriptions(window: Any, qtbot: Any) -> None:
    dlg = window.open_plugins_dialog()
    qtbot.waitExposed(dlg)
    table = dlg.table
    header = table.horizontalHeader()
    assert header.visualIndex(dlg.DESCRIPTION) == 2  # what it does, beside its name and kind
    assert header.length() <= table.viewport().width()  # nothing past the edge (the descriptions were)
    assert table.horizontalScrollBar().maximum() == 0
    shown = 0
    for r in range(table.rowCount()):
        item = table.item(r, dlg.DESCRIPTION)
        if item is None or not item.text():
            continue
        shown += 1
        assert table.rowHeight(r) >= table.sizeHintForRow(r)  # wrapped, and the row as tall as its lines
    widest = max(table.fontMetrics().horizontalAdvance(table.item(r, dlg.DESCRIPTION).text()) for r in range(table.rowCount()))
    # the descriptions have what the dialog can spare: their own width, or all but what the other columns need
    others = sum(header.sectionSize(i) for i in range(header.count()) if i not in (dlg.DESCRIPTION, dlg.FROM, dlg.NOTES))
    assert header.sectionSize(dlg.DESCRIPTION) >= min(widest, 380, (table.viewport().width() - others) // 2)
    assert shown > 0
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible())


def test_close_and_cancel_icons_show_in_the_dark_palette(window: Any, qtbot: Any) -> None:
    from PySide6.QtGui import QColor, QPalette
    from refdesk.gui.icons import contrast

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    dark = QPalette(before)
    for role, colour in ((QPalette.ColorRole.Window, "#202124"), (QPalette.ColorRole.Button, "#2d2e31"),
                         (QPalette.ColorRole.ButtonText, "#e8eaed"), (QPalette.ColorRole.WindowText, "#e8eaed")):
        dark.setColor(role, QColor(colour))
    app.setPalette(dark)
    try:
        dlg = window.open_plugins_dialog()
        close = next(b for b in dlg.findChildren(QPushButton) if b.text().replace("&", "") == "Close")
        image = close.icon().pixmap(16, 16).toImage()
        inked = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())
                 if image.pixelColor(x, y).alpha() > 200]
        assert inked  # the button has an icon, drawn
        background = close.palette().color(QPalette.ColorRole.Button)
        assert min(contrast(c, background) for c in inked) >= 3  # readable on the dark button (the style's was not)
        dlg.close()
    finally:
        app.setPalette(before)
