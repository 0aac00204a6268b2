"""Several items selected (issue 14): "N items selected" with actions for all, a click on nothing clears the pane,
and the context menu on no row offers no item actions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu
from refdesk.app import AppContext
from refdesk.model import Record


def _select(window: Any, records: list[Record], n: int) -> list[str]:
    keys = [window.model.key_at(r) for r in range(n)]
    window.select_keys(keys)
    return keys


def test_three_selected_shows_the_count_not_one_items_fields(records: list[Record], window: Any, qtbot: Any) -> None:
    window.select_keys([records[5].key])
    assert window.selection_pane.stack.currentWidget() is window.item_pane
    keys = _select(window, records, 3)
    pane = window.selection_pane
    assert pane.stack.currentWidget() is pane and pane.isVisible()
    assert pane.heading.text() == "3 items selected"
    assert not window.item_pane.isVisible()
    window.select_keys([keys[0]])
    assert pane.stack.currentWidget() is window.item_pane


def test_add_a_tag_to_all_selected(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    keys = _select(window, records, 3)
    pane = window.selection_pane
    already = ctx.library.get(keys[1])
    already.add_tag("to read")
    ctx.library.save(already, "user")
    qtbot.keyClicks(pane.tag_input, "to read")
    pane.tag_button.click()
    qtbot.waitUntil(lambda: "Tagged" in window.job_label.text(), timeout=10000)
    assert window.job_label.text() == "Tagged 2 items “to read” (1 had it already)"
    assert all("to read" in ctx.library.get(k).tag_names() for k in keys)
    assert pane.tag_input.text() == "" and set(window.selected_keys()) == set(keys)


def test_the_actions_act_on_all_selected(records: list[Record], window: Any, qtbot: Any, ctx: AppContext, tmp_path: Any,
                                         monkeypatch: Any) -> None:
    from refdesk.gui import main_window

    keys = _select(window, records, 3)
    pane = window.selection_pane
    pane.buttons["cite"].click()
    assert QGuiApplication.clipboard().text().count(";") == 2  # three works cited in one parenthesis
    assert window.job_label.text() == "Citation copied (3 items)"
    target = tmp_path / "three.ris"
    monkeypatch.setattr(main_window.QFileDialog, "getSaveFileName", lambda *_a: (str(target), "RIS (*.ris)"))
    pane.buttons["export"].click()
    qtbot.waitUntil(lambda: window.job_label.text() == "Exported 3 items to three.ris", timeout=10000)
    assert target.read_text(encoding="utf-8").count("ER  -") == 3
    monkeypatch.setattr(main_window.QMessageBox, "question", lambda *_a: main_window.QMessageBox.StandardButton.Yes)
    pane.buttons["trash"].click()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(records) - 3, timeout=10000)
    assert not set(keys) & set(ctx.library.keys(trash=False))
    assert pane.stack.currentWidget() is window.item_pane and window.item_pane.record is None


def test_enrich_from_the_pane_asks_about_all_selected(records: list[Record], window: Any, monkeypatch: Any) -> None:
    from refdesk.gui import review_dialog

    asked: list[list[str]] = []
    monkeypatch.setattr(review_dialog, "start_enrich", lambda _w, keys: asked.append(keys))
    keys = _select(window, records, 3)
    window.selection_pane.buttons["enrich"].click()
    assert asked == [keys]


def test_a_click_on_empty_table_space_clears_the_pane(ctx: AppContext, window: Any, qtbot: Any) -> None:
    from tests.gui.conftest import make_record

    ctx.library.add_many([make_record(n) for n in range(3)])
    window.refresh_table()
    window.select_keys([window.model.key_at(1) or ""])
    qtbot.waitUntil(lambda: window.item_pane.record is not None)
    below = QPoint(50, window.table.viewport().height() - 5)
    assert not window.table.indexAt(below).isValid()
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=below)
    assert window.selected_keys() == [] and window.item_pane.record is None
    assert window.item_pane.empty.isVisible()


def _menu_texts(window: Any, qtbot: Any, pos: QPoint) -> list[str]:
    seen: list[str] = []

    def grab() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            seen.extend(a.text() for a in menu.actions() if a.text())
            menu.close()

    QTimer.singleShot(100, grab)
    window._table_menu(pos)
    return seen


def test_the_context_menu_on_no_row_has_no_item_actions(ctx: AppContext, window: Any, qtbot: Any) -> None:
    from tests.gui.conftest import make_record

    ctx.library.add_many([make_record(n) for n in range(3)])
    window.refresh_table()
    window.select_keys([window.model.key_at(0) or ""])
    nothing = _menu_texts(window, qtbot, QPoint(50, window.table.viewport().height() - 5))
    assert nothing and all(t in (window.act_add.text(), window.act_import_file.text()) for t in nothing)
    row_1 = window.table.visualRect(window.model.index(1, 0)).center()
    on_row = _menu_texts(window, qtbot, row_1)
    assert window.act_export.text() in on_row and window.act_delete.text() in on_row
    assert window.selected_keys() == [window.model.key_at(1)]  # the row clicked is what the menu acts on
