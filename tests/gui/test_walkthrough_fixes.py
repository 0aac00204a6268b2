"""What a walk through issue 14's list in a real window (xvfb, xdotool) found, each fixed with its test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from refdesk.gui.library_model import TRASH


def test_enter_on_what_cannot_be_added_says_why_once(window: Any, qtbot: Any) -> None:
    """The reason showed twice (the hint, then the same words in the message line); now once, in the error colour."""
    dlg = window.open_add_dialog("not an identifier")
    assert "is not a URL, DOI" in dlg.hint.text() and dlg.hint.property("error")
    qtbot.keyClick(dlg.input, Qt.Key.Key_Return)
    assert dlg.isVisible() and "is not a URL, DOI" in dlg.status.text() and dlg.status.property("error")
    assert "is not a URL" not in dlg.hint.text()
    dlg.reject()


def test_an_error_hint_is_in_the_error_colour() -> None:
    """``QLabel#hint`` (an ID selector) outranked ``QLabel[error="true"]``: a refused identifier's hint stayed grey."""
    qss = (Path(__file__).resolve().parents[2] / "desktop/refdesk/gui/resources/app.qss").read_text()
    assert 'QLabel#hint[error="true"] { color: @error; }' in qss


def test_restore_clears_the_item_pane_and_the_trash_menu_offers_no_enrich(records: list[Any], window: Any, qtbot: Any,
                                                                          monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    from tests.gui.conftest import wait_done

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: asked.append(text) or QMessageBox.StandardButton.Yes)
    window.select_keys([records[0].key])
    wait_done(qtbot, window.delete_selected())
    assert asked == ["Move 1 item to the Trash, with its notes and attachments?"]  # not "their" for one
    window.sources.setCurrentItem(window.sources.item_of(("user", TRASH)))
    window.select_keys([records[0].key])
    assert window.item_pane.record is not None
    menu = window.table_menu(window.table.visualRect(window.model.index(0, 0)).center())
    assert window.act_restore in menu.actions() and window.act_enrich not in menu.actions()
    wait_done(qtbot, window.restore_selected())
    assert window.model.rowCount() == 0 and window.item_pane.record is None  # it showed the restored item still


def test_the_count_is_of_items_not_of_the_rows_opened_under_them(records: list[Any], window: Any, ctx: Any) -> None:
    from refdesk.model import Record

    parent = records[-1].key  # the newest: the first row
    ctx.library.add(Record(data={"itemType": "note", "parentItem": parent, "note": "<p>Read</p>", "tags": [],
                                 "collections": [], "relations": {}}))
    window.refresh_table([])
    assert window.count_label.text() == "30 items"
    row = window.model.row_of_key(parent)
    assert row is not None and window.model.expand(row)
    window.update_count()
    assert window.model.rowCount() == 31 and window.count_label.text() == "30 items"
