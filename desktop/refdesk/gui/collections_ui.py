"""Collections in the app: New Collection / New Subcollection / Rename / Delete (the left pane's context menu
and the File menu), Add to / Remove from Collection (the item menu, or drag rows onto a collection), and
View > Show Items from Subcollections. Every change is a call to ``library/collections.py``, the same
functions ``refdesk collections`` and ``refdesk edit --add-collection`` use, so it syncs the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMessageBox

from refdesk.errors import RefdeskError
from refdesk.gui.changes import Changes
from refdesk.gui.library_model import TRASH
from refdesk.gui.workers import Worker
from refdesk.library.collections import (
    Collection,
    add_to_collection,
    create_collection,
    delete_collection,
    get_collection,
    list_collections,
    move_collection,
    remove_from_collection,
    rename_collection,
)

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow

SETTING_SUBCOLLECTIONS = "view/showSubcollections"


def _items(n: int) -> str:
    return f"{n:,} item{'' if n == 1 else 's'}"


class CollectionsUI(QObject):
    """The collection actions of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        w = window
        self.act_new = w._action("New &Collection…", lambda: self.new_collection(), "Ctrl+Shift+N",
                                 "A new collection in the library shown")
        self.act_new_sub = w._action("New &Subcollection…", lambda: self.new_collection(sub=True), None,
                                     "A new collection inside the selected collection")
        self.act_rename = w._action("Rename Collection…", lambda: self.rename_current(), None)
        self.act_delete = w._action("Delete Collection…", lambda: self.delete_current(), None,
                                    "Delete the selected collection and its subcollections; their items stay")
        self.act_subcollections = QAction("Show Items from Subcollections", w)
        self.act_subcollections.setCheckable(True)
        self.act_subcollections.setStatusTip("A collection lists the items of its subcollections too")
        from refdesk.gui.main_window import gui_settings

        on = gui_settings().value(SETTING_SUBCOLLECTIONS, False, type=bool)
        self.act_subcollections.setChecked(bool(on))
        w.model.show_subcollections = bool(on)
        self.act_subcollections.toggled.connect(self.set_show_subcollections)
        file_menu = w.menuBar().actions()[0].menu()
        if isinstance(file_menu, QMenu):
            first = file_menu.actions()[0] if file_menu.actions() else None
            for act in (self.act_new, self.act_new_sub):
                if first is not None:
                    file_menu.insertAction(first, act)
                else:
                    file_menu.addAction(act)
            if first is not None:
                file_menu.insertSeparator(first)
        w.view_menu.addSeparator()
        w.view_menu.addAction(self.act_subcollections)
        w.sources.customContextMenuRequested.connect(self._sources_menu)
        w.sources.items_dropped.connect(lambda keys, _lib, coll: self.add_items(keys, coll))
        w.sources.collection_dropped.connect(lambda key, lib, parent: self.move(key, parent, lib))
        w.sources.currentItemChanged.connect(lambda *_: self._update_actions())
        self._update_actions()

    # -- what is selected -----------------------------------------------------------
    def _current(self) -> tuple[str, str | None]:
        source = self.window.sources.source()
        if source is None:
            return "user", None
        lib_id, collection = source
        return lib_id, None if collection == TRASH else collection

    def _update_actions(self) -> None:
        in_collection = self._current()[1] is not None
        for act in (self.act_new_sub, self.act_rename, self.act_delete):
            act.setEnabled(in_collection)

    def _sources_menu(self, pos: QPoint) -> None:
        w = self.window
        item = w.sources.itemAt(pos)
        if item is not None:
            w.sources.setCurrentItem(item)
        self.sources_menu().exec(w.sources.viewport().mapToGlobal(pos))

    def sources_menu(self) -> QMenu:
        """The left pane's context menu for the library or collection selected."""
        w = self.window
        source = w.sources.source()
        menu = QMenu(w)
        if source is not None and source[1] == TRASH:
            empty = getattr(w, "act_empty_trash", None)
            if empty is not None:
                menu.addAction(empty)
            return menu
        menu.addAction(self.act_new_sub if source is not None and source[1] else self.act_new)
        if source is not None and source[1]:
            menu.addAction(self.act_new)
            menu.addSeparator()
            menu.addAction(self.act_rename)
            menu.addAction(self.act_delete)
        menu.addSeparator()
        menu.addAction(self.act_subcollections)
        return menu

    # -- collections ------------------------------------------------------------------
    def _ask(self, title: str, label: str, text: str = "") -> str | None:
        name, ok = QInputDialog.getText(self.window, title, label, QLineEdit.EchoMode.Normal, text)
        return name if ok else None

    def show_collection(self, lib_id: str, key: str | None) -> None:
        """Re-read the left pane and select (and show) a library or collection."""
        w = self.window
        w.notify(collections=True)
        item = w.sources.item_of((lib_id, key)) or w.sources.item_of((lib_id, None))
        source = w.sources.source(item) if item is not None else None
        if item is not None and source is not None:
            w.sources.setCurrentItem(item)
            w._source_changed(lib_id, source[1])

    def new_collection(self, sub: bool = False, name: str | None = None) -> Collection | None:
        """A new collection (in the selected one with ``sub``); asks for the name unless given."""
        lib_id, parent = self._current()
        if sub and parent is None:
            self.window.show_error("Select the collection to create the subcollection in first")
            return None
        if name is None:
            name = self._ask("New Subcollection" if sub else "New Collection", "Name:", "Untitled")
            if name is None:
                return None
        try:
            made = create_collection(self.window.ctx.library, name, parent if sub else None, lib_id)
        except RefdeskError as exc:
            self.window.show_error(str(exc))
            return None
        self.show_collection(made.library_id, made.key)
        self.window.say(f"Created the collection {made.name}")
        return made

    def rename_current(self, name: str | None = None) -> Collection | None:
        lib_id, key = self._current()
        if key is None:
            self.window.show_error("Select the collection to rename first")
            return None
        lib = self.window.ctx.library
        try:
            current = get_collection(lib, key, lib_id)
            if name is None:
                name = self._ask("Rename Collection", "Name:", current.name)
                if name is None:
                    return None
            renamed = rename_collection(lib, key, name, lib_id)
        except RefdeskError as exc:
            self.window.show_error(str(exc))
            return None
        self.show_collection(lib_id, key)
        # said, as a new one is: in a narrow left pane the tree shows the old and the new name alike ("Peatl…")
        if renamed.name != current.name:
            self.window.say(f"Renamed the collection {current.name} to {renamed.name}")
        return renamed

    def delete_current(self, confirm: bool = True) -> Worker | None:
        """Delete the selected collection with its subcollections (after asking); the items stay."""
        w = self.window
        lib_id, key = self._current()
        if key is None:
            w.show_error("Select the collection to delete first")
            return None
        try:
            current = get_collection(w.ctx.library, key, lib_id)
        except RefdeskError as exc:
            w.show_error(str(exc))
            return None
        if confirm:
            answer = QMessageBox.question(
                w, "Delete Collection", f"Delete the collection “{current.name}” and its subcollections? Their items "
                "stay in the library; Zotero deletes the collections at the next sync.")
            if answer != QMessageBox.StandardButton.Yes:
                return None
        ctx = w.ctx

        def done(gone: list[Collection]) -> None:
            self.show_collection(lib_id, None)
            more = f" and {len(gone) - 1} subcollection{'s' if len(gone) > 2 else ''}" if len(gone) > 1 else ""
            w.say(f"Deleted the collection {current.name}{more}; the items stay in the library")

        return w.run_job(lambda task: delete_collection(ctx.library, key, lib_id), name="delete-collection",
                         busy=f"Deleting the collection {current.name}…", on_result=done)

    def move(self, key: str, parent: str | None, lib_id: str | None = None) -> Collection | None:
        """Put a collection inside ``parent`` (None: at the top of its library), as a drag in the left pane does; a
        move into its own subcollection is refused in words and nothing changes."""
        w = self.window
        try:
            moved = move_collection(w.ctx.library, key, parent, lib_id)
            where = f"into {get_collection(w.ctx.library, parent).name}" if parent else "to the top of the library"
        except RefdeskError as exc:
            w.show_error(str(exc))
            return None
        self.show_collection(moved.library_id, moved.key)
        w.say(f"Moved the collection {moved.name} {where}")
        return moved

    def set_show_subcollections(self, on: bool) -> None:
        from refdesk.gui.main_window import gui_settings

        gui_settings().setValue(SETTING_SUBCOLLECTIONS, on)
        self.window.model.set_show_subcollections(on)

    # -- items in collections ----------------------------------------------------------
    def _top_level(self, keys: list[str]) -> list[str]:
        """The keys that can go into a collection: notes and attachments stay with their parent."""
        reader = self.window.reader
        out = []
        for key in keys:
            try:
                if not reader.get(key).get("parentItem"):
                    out.append(key)
            except RefdeskError:
                continue
        return out

    def add_items(self, keys: list[str], collection: str) -> Worker | None:
        """Put items into a collection (a worker: each is a synced edit)."""
        w = self.window
        chosen = self._top_level(keys)
        if not chosen:
            w.show_error("Only items go into collections (as in Zotero): notes and attachments stay with their parent")
            return None
        try:
            target = get_collection(w.ctx.library, collection)
        except RefdeskError as exc:
            w.show_error(str(exc))
            return None
        ctx = w.ctx

        def done(changed: list[str]) -> None:
            w.notify(Changes.of(changed), select=chosen)
            w.say(f"Added {_items(len(changed))} to {target.name}" if changed
                  else f"Already in {target.name}: nothing to add")

        return w.run_job(lambda task: add_to_collection(ctx.library, chosen, collection), name="add-to-collection",
                         busy=f"Adding {_items(len(chosen))} to {target.name}…", on_result=done)

    def remove_items(self, keys: list[str], collection: str) -> Worker | None:
        """Take items out of a collection; they stay in the library."""
        w = self.window
        try:
            target = get_collection(w.ctx.library, collection)
        except RefdeskError as exc:
            w.show_error(str(exc))
            return None
        ctx = w.ctx

        def done(changed: list[str]) -> None:
            w.notify(Changes.of(changed), select=[])
            w.say(f"Removed {_items(len(changed))} from {target.name}; they stay in the library")

        return w.run_job(lambda task: remove_from_collection(ctx.library, keys, collection),
                         name="remove-from-collection", busy=f"Removing {_items(len(keys))} from {target.name}…",
                         on_result=done)

    def extend_item_menu(self, menu: QMenu) -> None:
        """The item menu's "Add to Collection" (the library's collections, nested) and, in a collection,
        "Remove from Collection"."""
        w = self.window
        keys = w.selected_keys()
        _lib_id, current = self._current()
        if not keys or w.sources.in_trash():
            return
        menu.addSeparator()
        menu.addMenu(self.add_menu(keys, menu))
        if current is not None:
            remove = menu.addAction("Remove Item from Collection…" if len(keys) == 1 else "Remove Items from Collection…")
            remove.triggered.connect(lambda: self.remove_items(keys, current))

    def add_menu(self, keys: list[str], parent: QMenu | None = None) -> QMenu:
        """"Add to Collection": New Collection… and the collections of the library shown, nested."""
        add = QMenu("Add to Collection", parent or self.window)
        add.setObjectName("addToCollection")
        act = add.addAction("New Collection…")
        act.triggered.connect(lambda: self._new_with(keys))
        collections = list_collections(self.window.reader, self._current()[0])
        if collections:
            add.addSeparator()
        for c in collections:
            entry = add.addAction(("    " * c.depth) + c.name)
            entry.triggered.connect(lambda _=False, k=c.key: self.add_items(keys, k))
        return add

    def _new_with(self, keys: list[str]) -> None:
        made = self.new_collection()
        if made is not None:
            self.add_items(keys, made.key)


def install(window: MainWindow) -> CollectionsUI:
    return CollectionsUI(window)


__all__ = ["CollectionsUI", "install"]
