"""Collections, the tag selector, and notes and attachments under their parent in the app (issue 14)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMenu
from refdesk.app import AppContext
from refdesk.gui.library_model import KEYS_MIME, TreeRole
from refdesk.library.collections import create_collection, list_collections
from refdesk.model import Record

from tests.gui.conftest import make_record, wait_done


def child(item_type: str, parent: str, key: str, **fields: str) -> Record:
    return Record(data={"itemType": item_type, "parentItem": parent, "tags": [], "collections": [], "relations": {},
                        **fields}, key=key)


def choose(window: Any, lib_id: str, collection: str | None) -> None:
    item = window.sources.item_of((lib_id, collection))
    assert item is not None, (lib_id, collection)
    window.sources.setCurrentItem(item)


# -- collections -------------------------------------------------------------------------------------------------
def test_new_subcollection_rename_and_delete_from_the_left_pane(records: list[Record], window: Any, qtbot: Any,
                                                                ctx: AppContext) -> None:
    ui = window.collections_ui
    made = ui.new_collection(name="Diplomacy")
    assert made is not None and window.model.collection == made.key  # the new collection is shown, as in Zotero
    sub = ui.new_collection(sub=True, name="Genoa 1922")
    assert sub is not None and sub.parent == made.key
    top_item = window.sources.item_of(("user", made.key))
    assert top_item.child(0).text(0) == "Genoa 1922"  # nested in the tree
    ui.rename_current(name="Genoa conference")
    assert [c.name for c in list_collections(ctx.library)] == ["Diplomacy", "Genoa conference"]
    assert ctx.library.execute("SELECT count(*) FROM collections WHERE dirty = 1")[0][0] == 2  # both to upload

    # the File menu and the left pane's context menu offer the actions
    file_menu = window.menuBar().actions()[0].menu()
    assert {"New &Collection…", "New &Subcollection…"} <= {a.text() for a in file_menu.actions()}
    choose(window, "user", sub.key)
    shown = [a.text() for a in ui.sources_menu().actions() if a.text()]
    assert shown[:2] == ["New &Subcollection…", "New &Collection…"]
    assert "Rename Collection…" in shown and "Delete Collection…" in shown
    choose(window, "user", None)
    assert next(a.text() for a in ui.sources_menu().actions() if a.text()) == "New &Collection…"

    choose(window, "user", made.key)
    wait_done(qtbot, ui.delete_current(confirm=False))
    assert list_collections(ctx.library) == [] and window.model.collection is None
    assert {r[0] for r in ctx.library.execute("SELECT key FROM zotero_delete_log")} == {made.key, sub.key}
    assert window.model.rowCount() == len(records)  # the items stay


def test_items_are_dragged_onto_a_collection_added_from_the_menu_and_removed(records: list[Record], window: Any,
                                                                              qtbot: Any, ctx: AppContext) -> None:
    coll = create_collection(ctx.library, "Reading")
    window.refresh_sources()
    window.select_keys([records[0].key, records[1].key])
    mime = window.model.mimeData(window.table.selectionModel().selectedRows())
    assert json.loads(bytes(mime.data(KEYS_MIME).data())) == [records[1].key, records[0].key]  # newest first
    target = window.sources.item_of(("user", coll.key))
    pos = QPointF(window.sources.visualItemRect(target).center())
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    emitted: list[Any] = []
    window.sources.items_dropped.connect(lambda *a: emitted.append(a))
    window.sources.dropEvent(drop)
    assert emitted and emitted[0][2] == coll.key
    qtbot.waitUntil(lambda: ctx.library.count(collection=coll.key) == 2)
    text = QMimeData()
    text.setText("https://example.org")  # a link dropped on the pane is not items: refused
    window.sources.dropEvent(QDropEvent(pos, Qt.DropAction.CopyAction, text, Qt.MouseButton.LeftButton,
                                        Qt.KeyboardModifier.NoModifier))
    assert len(emitted) == 1

    # the item menu: Add to Collection lists the collections; in a collection, Remove from Collection
    window.select_keys([records[2].key])
    menu = QMenu(window)
    window.collections_ui.extend_item_menu(menu)  # what the table's context menu adds
    add = next(a.menu() for a in menu.actions() if a.text() == "Add to Collection")
    entry = next(a for a in add.actions() if a.text() == "Reading")
    entry.trigger()
    qtbot.waitUntil(lambda: ctx.library.count(collection=coll.key) == 3)
    choose(window, "user", coll.key)
    assert window.model.rowCount() == 3
    window.select_keys([records[0].key])
    worker = window.collections_ui.remove_items(window.selected_keys(), coll.key)
    wait_done(qtbot, worker)
    assert window.model.rowCount() == 2 and ctx.library.get(records[0].key).data["collections"] == []
    assert ctx.library.count() == len(records)


def test_show_items_from_subcollections(records: list[Record], window: Any, qtbot: Any, ctx: AppContext) -> None:
    from refdesk.library.collections import add_to_collection

    top = create_collection(ctx.library, "Top")
    sub = create_collection(ctx.library, "Sub", parent=top.key)
    add_to_collection(ctx.library, [records[0].key], top.key)
    add_to_collection(ctx.library, [records[1].key, records[2].key], sub.key)
    window.refresh_sources()
    choose(window, "user", top.key)
    assert window.model.rowCount() == 1
    window.collections_ui.act_subcollections.setChecked(True)
    assert window.model.rowCount() == 3
    window.collections_ui.act_subcollections.setChecked(False)
    assert window.model.rowCount() == 1


# -- tag selector ------------------------------------------------------------------------------------------------
def _tags_settled(window: Any, qtbot: Any) -> Any:
    ui = window.tag_selector
    qtbot.waitUntil(ui.settled, timeout=5000)
    return ui.selector


def test_the_tag_selector_filters_by_one_or_more_tags_and_follows_the_view(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    recs = [make_record(n) for n in range(6)]
    for n, rec in enumerate(recs):
        rec.add_tag("to read" if n % 2 else "done")
        if n < 3:
            rec.add_tag("Soil science", automatic=True)
    recs[5].add_tag("later")
    ctx.library.add_many(recs)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    selector = _tags_settled(win, qtbot)
    assert selector.visible_tags(automatic=False) == ["done", "later", "to read"]
    assert selector.visible_tags(automatic=True) == ["Soil science"]  # in their own list
    selector.select(["to read"])
    assert win.model.rowCount() == 3 and win.model.tags == ("to read",)
    selector.select(["to read", "Soil science"])  # every tag picked must be on the item
    assert win.model.rowCount() == 1 and win.model.key_at(0) == recs[1].key
    selector = _tags_settled(win, qtbot)  # the tags of the items shown
    assert selector.visible_tags(automatic=False) == ["done", "to read"] or selector.visible_tags(automatic=False) == [
        "to read"]
    selector.deselect_all()
    assert win.model.rowCount() == 6
    selector.filter.setText("RE")  # type to filter the list
    assert selector.visible_tags(automatic=False) == ["to read"]
    selector.filter.clear()
    selector.show_automatic.setChecked(False)  # hidden automatic tags
    assert selector.visible_tags(automatic=True) == []
    selector.show_automatic.setChecked(True)
    win.search.setText("Author004")
    win.apply_search()
    selector = _tags_settled(win, qtbot)
    assert selector.visible_tags() == ["done"]  # the tags of the items shown: only the search's match


def test_a_tag_is_renamed_and_deleted_from_the_selector(records: list[Record], window: Any, qtbot: Any,
                                                        ctx: AppContext) -> None:
    ui = window.tag_selector
    selector = _tags_settled(window, qtbot)
    assert "to read" in selector.visible_tags()
    wait_done(qtbot, ui.rename("to read", new="read next"))
    assert ctx.library.get(records[0].key).tag_names() == ["Soil science", "read next"]
    selector = _tags_settled(window, qtbot)
    assert "read next" in selector.visible_tags() and "to read" not in selector.visible_tags()
    wait_done(qtbot, ui.delete("read next", confirm=False))
    assert ctx.library.get(records[0].key).tag_names() == ["Soil science"]
    assert [c.fields for c in ctx.library.changes() if c.item_key == records[0].key][-1] == ["tags"]  # synced


# -- child items -------------------------------------------------------------------------------------------------
def _family(ctx: AppContext) -> Record:
    paper = make_record(1, title="Permafrost carbon feedbacks")
    ctx.library.add(paper)
    ctx.library.add(make_record(2, title="Boreal soils"))
    ctx.library.add(child("attachment", paper.key, "ATTACH01", title="Full Text PDF", contentType="application/pdf",
                          linkMode="imported_file"))
    ctx.library.add(child("note", paper.key, "NOTE0001", note="<p>Read the methods first</p>"))
    ctx.library.add(child("annotation", "ATTACH01", "ANNOT001", annotationText="thaw", annotationType="highlight"))
    return paper


def test_notes_and_attachments_sit_under_their_parent(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    paper = _family(ctx)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    model = win.model
    assert model.rowCount() == 2  # top-level items only; the annotation is never a row
    row = model.row_of_key(paper.key)
    title = model.index(row, 0)
    assert model.data(title, TreeRole) == 1 and "2 notes or attachments" in model.data(title, Qt.ItemDataRole.ToolTipRole)
    other = 1 - row
    assert model.data(model.index(other, 0), TreeRole) == 0

    # a click on the arrow opens it; the children are rows under it
    rect = win.table.visualRect(title)
    qtbot.mouseClick(win.table.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 5, rect.center().y()))
    assert model.rowCount() == 4 and model.data(title, TreeRole) == 2
    assert [model.key_at(row + 1), model.key_at(row + 2)] == ["ATTACH01", "NOTE0001"]
    assert model.data(model.index(row + 2, 0), TreeRole) == -1
    assert model.parent_row(row + 2) == row
    # ← on a child goes to its parent, ← again closes it, → opens it
    win.table.setFocus()
    win.table.selectRow(row + 2)
    qtbot.keyClick(win.table, Qt.Key.Key_Left)
    assert win.table.currentIndex().row() == row
    qtbot.keyClick(win.table, Qt.Key.Key_Left)
    assert model.rowCount() == 2
    qtbot.keyClick(win.table, Qt.Key.Key_Right)
    assert model.rowCount() == 4

    # the parent's pane lists its notes and attachments
    win.table.selectRow(row)
    children = win.side.children_pane
    assert children.isVisible()
    assert [children.list.item(i).text() for i in range(children.list.count())] == ["Full Text PDF",
                                                                                  "Read the methods first"]


def test_a_note_opens_in_the_editor_and_its_edit_is_saved_for_sync(ctx: AppContext, qtbot: Any) -> None:
    from refdesk.gui.main_window import MainWindow

    paper = _family(ctx)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.select_keys([paper.key])
    children = win.side.children_pane
    children._open(children.list.item(1))  # double-click the note
    editor = win.side.note_editor
    assert win.side.stack.currentWidget() is editor and editor.key == "NOTE0001"
    assert editor.edit.toPlainText() == "Read the methods first"
    editor.edit.selectAll()
    editor.act_bold.trigger()
    editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
    editor.edit.insertPlainText(" and the appendix")
    assert editor.save()
    note = ctx.library.get("NOTE0001")
    assert "<p" in note.get("note") and "font-weight" in note.get("note") and "appendix" in note.get("note")
    assert "-qt-" not in note.get("note") and "<body" not in note.get("note")
    assert note.title == "Read the methods first and the appendix"
    assert [c.fields for c in ctx.library.changes() if c.item_key == "NOTE0001"][-1] == ["note"]
    row = win.model.row_of_key("NOTE0001")
    assert row is not None and win.model.data(win.model.index(row, 0)) == "Read the methods first and the appendix"

    # a new note under the item, from its pane
    win.select_keys([paper.key])
    key = children.new_note()
    assert key is not None and editor.key == key
    editor.edit.insertPlainText("A second thought")
    win.select_keys([paper.key])  # leaving the note saves it
    assert ctx.library.get(key).title == "A second thought" and ctx.library.get(key).get("parentItem") == paper.key
    assert win.side.stack.currentIndex() == 0  # the item pane again
