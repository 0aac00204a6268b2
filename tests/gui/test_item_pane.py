"""Editing in the item pane: fields, creators and tags are saved through the library as the user's."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from refdesk.app import AppContext
from refdesk.model import Record


def _show(window: Any, qtbot: Any, rec: Record) -> Any:
    window.select_keys([rec.key])
    qtbot.waitUntil(lambda: window.item_pane.record is not None and window.item_pane.record.key == rec.key)
    return window.item_pane


def test_edit_a_field_saves_it_as_the_users(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[2])
    edit = pane.editors["volume"]
    edit.setFocus()
    qtbot.keyClicks(edit, "42")
    with qtbot.waitSignal(pane.saved, timeout=5000):
        edit.editingFinished.emit()
    stored = ctx.library.get(records[2].key)
    assert stored.get("volume") == "42"
    assert stored.provenance["volume"].source == "user"
    assert ctx.library.changes()[-1].fields == ["volume"]


def test_title_edit_updates_the_table(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[5])
    pane.set_field("title", "A new title")
    assert ctx.library.get(records[5].key).title == "A new title"
    row = window.model.row_of_key(records[5].key)
    assert window.model.data(window.model.index(row, 0)) == "A new title"


def test_clearing_a_field_removes_it(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[1])
    pane.set_field("DOI", "")
    assert ctx.library.get(records[1].key).get("DOI") == ""
    assert pane.links.isHidden()


def test_creators_add_reorder_remove(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[4])
    pane.add_creator()
    row = pane.creators.rowCount() - 1
    pane.creators.item(row, 2).setText("Carla")  # first name first: the row is still incomplete
    pane.creators.item(row, 1).setText("Third")
    names = [c.get("lastName") for c in ctx.library.get(records[4].key).creators]
    assert names == ["Author004", "Second", "Third"]
    pane.creators.setCurrentCell(2, 1)
    pane.move_creator(-1)
    assert [c.get("lastName") for c in ctx.library.get(records[4].key).creators] == ["Author004", "Third", "Second"]
    pane.creators.setCurrentCell(0, 1)
    pane.remove_creator()
    creators = ctx.library.get(records[4].key).creators
    assert [c.get("lastName") for c in creators] == ["Third", "Second"]
    assert creators[0] == {"creatorType": "author", "firstName": "Carla", "lastName": "Third"}


def test_tags_add_and_remove(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[0])
    pane.tag_input.setText("peatlands")
    pane.tag_input.returnPressed.emit()
    tags = ctx.library.get(records[0].key).tags
    assert {"tag": "peatlands"} in tags
    pane.tags.setCurrentRow(0)  # the automatic "Soil science"
    pane.remove_selected_tag()
    assert ctx.library.get(records[0].key).tag_names() == ["to read", "peatlands"]


def test_an_invalid_value_is_refused_readably(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    pane = _show(window, qtbot, records[0])
    ctx.library.remove(records[0].key)  # gone underneath the pane (e.g. deleted by sync)
    with qtbot.waitSignal(pane.failed, timeout=5000) as blocker:
        pane.set_field("volume", "7")
    assert "No record with key" in blocker.args[0]


def test_the_form_follows_the_item_type_and_is_reused_within_one(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    book = Record.new("book", "test", title="Forests of the north", publisher="Nordic Press", ISBN="9780306406157")
    ctx.library.add(book)
    window.refresh_table([])
    pane = _show(window, qtbot, records[1])
    volume = pane.editors["volume"]
    pane = _show(window, qtbot, records[2])
    assert pane.editors["volume"] is volume  # same type: the same editors, new values
    assert pane.editors["DOI"].text() == "10.5555/test.2"
    pane = _show(window, qtbot, book)
    assert "volume" not in pane.editors or pane.editors["volume"].text() == ""
    assert pane.editors["publisher"].text() == "Nordic Press" and "publicationTitle" not in pane.editors
    assert pane.type_label.text() == "Book" and ">9780306406157</a>" in pane.links.text()
    pane.set_field("place", "Oslo")
    assert ctx.library.get(book.key).get("place") == "Oslo"


def test_an_edit_that_moves_the_row_keeps_the_item_selected(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    from refdesk.gui.library_model import COLUMNS

    title_col = [c.name for c in COLUMNS].index("title")
    window.table.sortByColumn(title_col, Qt.SortOrder.AscendingOrder)
    pane = _show(window, qtbot, records[0])
    start_row = window.table.currentIndex().row()
    pane.set_field("title", "Zzz last in the alphabet")
    row = window.table.currentIndex().row()
    assert row != start_row and row == window.model.rowCount() - 1
    assert window.model.key_at(row) == records[0].key and window.selected_keys() == [records[0].key]
    assert window.model.data(window.model.index(row, title_col)) == "Zzz last in the alphabet"
    assert pane.record is not None and pane.record.key == records[0].key


def test_leaving_a_field_untouched_keeps_a_change_made_in_the_background(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    """The pane shows the record as it was; sync changes it; the user tabs through the fields without typing."""
    pane = _show(window, qtbot, records[3])
    rec = ctx.library.get(records[3].key)
    rec.set("volume", "99", "sync")
    rec.set("title", "Changed by sync", "sync")
    ctx.library.save(rec, "sync")
    for edit in (pane.title_edit, pane.editors["volume"], pane.editors["DOI"]):
        edit.setFocus()
        edit.editingFinished.emit()
    stored = ctx.library.get(records[3].key)
    assert stored.title == "Changed by sync" and stored.get("volume") == "99"
    assert stored.get("DOI") == "10.5555/test.3"


def test_typing_in_progress_survives_a_background_refresh(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    """A job (sync, import, review) re-reads the table while the user is typing in the pane: both changes stay."""
    pane = _show(window, qtbot, records[3])
    edit = pane.editors["volume"]
    edit.setFocus()
    qtbot.keyClicks(edit, "12")
    rec = ctx.library.get(records[3].key)
    rec.set("title", "Changed by sync", "sync")
    ctx.library.save(rec, "sync")
    window.refresh_table()
    stored = ctx.library.get(records[3].key)
    assert stored.get("volume") == "12" and stored.title == "Changed by sync"
    assert pane.record is not None and pane.record.key == records[3].key
    assert pane.editors["volume"].text() == "12" and pane.title_edit.text() == "Changed by sync"


def test_moving_creators_after_a_row_was_emptied_and_at_the_ends(
    records: list[Record], window: Any, qtbot: Any, ctx: AppContext
) -> None:
    pane = _show(window, qtbot, records[4])
    pane.add_creator()
    pane.creators.item(2, 1).setText("Third")
    pane.creators.item(1, 1).setText("")  # the user empties the middle row: that creator goes
    pane.creators.item(1, 2).setText("")
    assert [c.get("lastName") or c.get("name") for c in ctx.library.get(records[4].key).creators] == ["Author004", "Third"]
    last = pane.creators.rowCount() - 1
    pane.creators.setCurrentCell(last, 1)
    pane.move_creator(-1)
    assert [c.get("lastName") or c.get("name") for c in ctx.library.get(records[4].key).creators] == ["Third", "Author004"]
    assert pane.creators.item(pane.creators.currentRow(), 1).text() == "Third"
    pane.creators.setCurrentCell(0, 1)
    assert not pane.move_up.isEnabled() and pane.move_down.isEnabled()
    pane.creators.setCurrentCell(pane.creators.rowCount() - 1, 1)
    assert pane.move_up.isEnabled() and not pane.move_down.isEnabled()
