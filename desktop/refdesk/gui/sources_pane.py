"""The left pane: My Library, each synced group library, and their collections as a tree.

It reads the libraries and their collections through named core reads (``library/status.py`` ``library_names``,
``library/collections.py`` ``list_collections``) and tells the window which library or collection the user
chose. Items dragged from the table onto a collection are announced by ``items_dropped``, a collection dragged
onto another (or onto its library, to make it top-level) by ``collection_dropped`` (the collections menu and its
actions are ``collections_ui.py``'s).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from refdesk.gui.library_model import KEYS_MIME, TRASH
from refdesk.library import Library
from refdesk.library.collections import list_collections
from refdesk.library.status import library_names

log = logging.getLogger(__name__)

SourceRole = int(Qt.ItemDataRole.UserRole) + 10
#: A collection dragged in the left pane: JSON [library id, collection key].
COLLECTION_MIME = "application/x-refdesk-collection"

#: (library id, collection key or None)
Source = tuple[str, str | None]


class SourcesPane(QTreeWidget):
    """Emits ``chosen(library_id, collection)`` when the user picks a library or a collection."""

    chosen = Signal(str, object)
    items_dropped = Signal(list, str, str)  # item keys, library id, collection key
    collection_dropped = Signal(str, str, object)  # collection key, library id, new parent key or None (the top)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sources")
        self.setHeaderHidden(True)
        self.currentItemChanged.connect(self._changed)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)  # collections drag; items come from the table
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def source(self, item: QTreeWidgetItem | None = None) -> Source | None:
        """(library id, collection key, TRASH or None) of ``item`` (default: the current one)."""
        item = item if item is not None else self.currentItem()
        if item is None:
            return None
        lib_id, collection = item.data(0, SourceRole)
        return str(lib_id), collection

    def item_of(self, source: Source) -> QTreeWidgetItem | None:
        """The tree item of a library or collection, if shown."""
        for item in self.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive):
            if self.source(item) == source:
                return item
        return None

    def mimeTypes(self) -> list[str]:
        return [KEYS_MIME, COLLECTION_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        """A dragged collection carries its library and key (libraries and the Trash are not draggable)."""
        mime = QMimeData()
        sources = [self.source(i) for i in items]
        for src in sources:
            if src is not None and src[1] not in (None, TRASH):
                mime.setData(COLLECTION_MIME, json.dumps(list(src)).encode())
                break
        return mime

    def _collection_drop(self, event: QDragMoveEvent | QDropEvent) -> tuple[str, str, str | None] | None:
        """(collection key, library id, new parent or None) when a collection is over a place it may go: another
        collection or its own library's row (the top). Its own subcollections are accepted here and refused, in
        words, by ``library.collections.move_collection``."""
        if not event.mimeData().hasFormat(COLLECTION_MIME):
            return None
        lib_id, key = json.loads(bytes(event.mimeData().data(COLLECTION_MIME).data()).decode())
        target = self.source(self.itemAt(event.position().toPoint()))
        if target is None or target[0] != lib_id or target[1] == TRASH or target[1] == key:
            return None
        return str(key), str(lib_id), target[1]

    def _drop_target(self, event: QDragMoveEvent | QDropEvent) -> Source | None:
        """The collection under the pointer when the drag carries items of the table, else None."""
        if not event.mimeData().hasFormat(KEYS_MIME):
            return None
        target = self.source(self.itemAt(event.position().toPoint()))
        if target is None or target[1] in (None, TRASH):
            return None
        return target

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(KEYS_MIME) or event.mimeData().hasFormat(COLLECTION_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._drop_target(event) is not None or self._collection_drop(event) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if (move := self._collection_drop(event)) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)  # the tree is read again after the move; Qt removes nothing
            event.accept()
            self.collection_dropped.emit(*move)
            return
        target = self._drop_target(event)
        if target is None:
            event.ignore()
            return
        keys = [str(k) for k in json.loads(bytes(event.mimeData().data(KEYS_MIME).data()).decode() or "[]")]
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        if keys:
            self.items_dropped.emit(keys, target[0], str(target[1]))

    def in_trash(self) -> bool:
        item = self.currentItem()
        return item is not None and item.data(0, SourceRole)[1] == TRASH

    def has_groups(self) -> bool:
        return self.topLevelItemCount() > 1

    def refresh(self, reader: Library, current: Source = ("user", None)) -> None:
        """Rebuild the tree from the library, keeping ``current`` selected (without emitting)."""
        self.blockSignals(True)
        self.clear()
        names = library_names(reader)
        collections = list_collections(reader)
        selected: QTreeWidgetItem | None = None
        for lib_id in names:
            title = "My Library" if lib_id == "user" else names[lib_id] or f"Group {lib_id.removeprefix('group:')}"
            top = QTreeWidgetItem([title])
            top.setData(0, SourceRole, (lib_id, None))
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            self.addTopLevelItem(top)
            if current == (lib_id, None):
                selected = top
            nodes: dict[str, QTreeWidgetItem] = {}
            mine = [c for c in collections if c.library_id == lib_id]
            folder = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
            for c in mine:
                key = c.key
                node = QTreeWidgetItem([c.name])
                node.setData(0, SourceRole, (lib_id, key))
                # the name first: a narrow window elides it in the tree ("Peatl…" at 900×600)
                node.setToolTip(0, f"{c.name}\nCollection {key}: drop items here to add them; drag it onto another "
                                "collection (or onto the library) to move it")
                node.setIcon(0, folder)
                nodes[key] = node
                if current == (lib_id, key):
                    selected = node
            for c in mine:
                holder = nodes.get(c.parent) if c.parent else None  # a sub-collection sits under its parent
                (holder or top).addChild(nodes[c.key])
            trash = QTreeWidgetItem(["Trash"])  # last under its library, as in Zotero
            trash.setData(0, SourceRole, (lib_id, TRASH))
            trash.setFlags(trash.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            trash.setIcon(0, self.style().standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
            trash.setToolTip(0, "Items moved to the Trash, with their notes and attachments")
            top.addChild(trash)
            if current == (lib_id, TRASH):
                selected = trash
        self.expandToDepth(0)
        first = selected or self.topLevelItem(0)
        if first is not None:
            self.setCurrentItem(first)
        self.blockSignals(False)

    def _changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is not None:
            lib_id, collection = item.data(0, SourceRole)
            self.chosen.emit(str(lib_id), collection)
