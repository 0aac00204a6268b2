"""Dragging a collection onto another or onto the library moves it; Add to Collection with several items selected
(issue 14)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from refdesk.app import AppContext
from refdesk.gui.sources_pane import COLLECTION_MIME
from refdesk.library.collections import create_collection, get_collection
from refdesk.model import Record


def drag(window: Any, lib_id: str, key: str, onto: tuple[str, str | None]) -> None:
    """Drop the collection ``key`` on the left pane's row ``onto`` (the MIME data a drag of its row carries)."""
    pane = window.sources
    mime = pane.mimeData([pane.item_of((lib_id, key))])
    assert mime.hasFormat(COLLECTION_MIME)
    target = pane.item_of(onto)
    assert target is not None, onto
    pos = QPointF(pane.visualItemRect(target).center())
    pane.dropEvent(QDropEvent(pos, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier))


def test_drag_a_collection_into_another_to_the_top_and_never_into_its_own(window: Any, ctx: AppContext) -> None:
    a = create_collection(ctx.library, "Diplomacy")
    b = create_collection(ctx.library, "Genoa")
    c = create_collection(ctx.library, "Sessions", parent=b.key)
    window.notify(collections=True)
    window.sources.expandAll()
    drag(window, "user", b.key, ("user", a.key))
    assert get_collection(ctx.library, b.key).parent == a.key
    assert window.sources.item_of(("user", b.key)).parent() is window.sources.item_of(("user", a.key))
    assert "Moved the collection Genoa into Diplomacy" in window.job_label.text()

    window.sources.expandAll()
    drag(window, "user", a.key, ("user", c.key))  # into its own sub-subcollection: refused in words
    assert get_collection(ctx.library, a.key).parent is None
    assert "“Diplomacy” cannot go into “Sessions”: that is one of its own subcollections" in window.job_label.text()

    drag(window, "user", b.key, ("user", None))  # onto My Library: top-level again
    assert get_collection(ctx.library, b.key).parent is None
    assert window.sources.item_of(("user", b.key)).parent() is window.sources.item_of(("user", None))
    # libraries and the Trash do not drag
    assert not window.sources.item_of(("user", None)).flags() & Qt.ItemFlag.ItemIsDragEnabled


def test_add_to_collection_with_several_items_selected(records: list[Record], window: Any, qtbot: Any,
                                                       ctx: AppContext) -> None:
    coll = create_collection(ctx.library, "Reading")
    window.notify(collections=True)
    keys = [r.key for r in records[:3]]
    window.select_keys(keys)
    pane = window.selection_pane
    assert pane.isVisible() and pane.buttons["collection"].isVisible()
    from refdesk.gui.selection_pane import collection_menu

    menu = collection_menu(window)  # what the button shows
    assert [a.text() for a in menu.actions() if a.text()] == ["New Collection…", "Reading"]
    next(a for a in menu.actions() if a.text() == "Reading").trigger()
    qtbot.waitUntil(lambda: ctx.library.count(collection=coll.key) == 3, timeout=20000)
    qtbot.waitUntil(lambda: "Added 3 items to Reading" in window.job_label.text(), timeout=20000)
