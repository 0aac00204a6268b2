"""Notes and attachments under their parent, as Zotero's item tree shows them.

The table stays the lazy flat model over ``Library.rows`` (top-level items only, so 100,000 records still open
and filter at once); an item with notes or attachments gets a twisty (an arrow before its title, the count in
its tooltip), and opening it inserts its children as rows under it (``LibraryModel.expand``: one indexed query
for that item; the count for a page of rows is one more). Click the arrow, or press → / ← (+ / − for every item
read so far). The item pane of a parent lists its notes and attachments with "Add Note"; a note opens in
``NoteEditor`` in place of the item pane. Annotations are never rows: they belong to their PDF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from refdesk.errors import RefdeskError
from refdesk.gui import library_model
from refdesk.gui.note_editor import NoteEditor
from refdesk.library import Library
from refdesk.model import Record

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow

#: Width of the arrow at the start of the title cell (and of the indent of a child row).
TWISTY = 14
ICON = QSize(2 * TWISTY, TWISTY)
KeyRole = int(library_model.KeyRole)


def _pixmap() -> QPixmap:
    pix = QPixmap(ICON)
    pix.fill(Qt.GlobalColor.transparent)
    return pix


def _arrow(open_: bool, colour: QColor) -> QIcon:
    pix = _pixmap()
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    h = TWISTY
    points = ([QPointF(3, 4), QPointF(h - 3, 4), QPointF(h / 2, h - 4)] if open_
              else [QPointF(4, 3), QPointF(h - 4, h / 2), QPointF(4, h - 3)])
    p.drawPolygon(QPolygonF(points))
    p.end()
    return QIcon(pix)


def _child_icon(kind: str, colour: QColor) -> QIcon:
    """A note (a page with lines) or an attachment (a page with a folded corner), after the indent."""
    pix = _pixmap()
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    x, h = TWISTY + 2, TWISTY
    fill = QColor("#f5d76e") if kind == "note" else QColor("#e8e8e8")
    p.setPen(QPen(colour, 1))
    p.setBrush(fill)
    p.drawRect(x, 1, h - 5, h - 3)
    if kind == "note":
        for y in (4, 7, 10):
            p.drawLine(x + 2, y, x + h - 7, y)
    else:
        p.setBrush(QColor("#c0392b"))
        p.drawRect(x + 2, h - 7, h - 9, 3)
    p.end()
    return QIcon(pix)


def tree_icons(palette: QPalette) -> dict[int | str, Any]:
    """``TREE_ICONS`` for the current palette: arrows by ``TreeRole`` state, child icons by item type."""
    text = palette.color(QPalette.ColorRole.Text)
    return {0: QIcon(_pixmap()), 1: _arrow(False, text), 2: _arrow(True, text),
            "note": _child_icon("note", text), "attachment": _child_icon("attachment", text)}


class TreeKeys(QObject):
    """On the item table: a click on an arrow opens or closes the item; → / ← open, close or go to the parent;
    + / − open or close every item read so far."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window.table)  # goes with the table
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        try:
            return self._filter(obj, event)
        except RuntimeError:  # the window is being taken apart
            return False

    def _filter(self, obj: QObject, event: QEvent) -> bool:
        table, model = self.window.table, self.window.model
        if obj is table.viewport() and event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            index = table.indexAt(event.position().toPoint())
            if index.isValid() and library_model.COLUMNS[index.column()].name == "title":
                rect = table.visualRect(index)
                if event.position().x() - rect.left() <= TWISTY + 4 and model.tree_state(index.row()) > 0:
                    model.toggle(index.row())
                    return True
        elif obj is table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        table, model = self.window.table, self.window.model
        row = table.currentIndex().row()
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            return False
        if event.key() == Qt.Key.Key_Plus:
            model.expand_all()
            return True
        if event.key() == Qt.Key.Key_Minus:
            model.collapse_all()
            return True
        if row < 0:
            return False
        if event.key() == Qt.Key.Key_Right:
            return model.expand(row)
        if event.key() == Qt.Key.Key_Left:
            if model.collapse(row):
                return True
            parent = model.parent_row(row)
            if parent is not None:
                table.selectRow(parent)
                return True
        return False


class ChildList(QWidget):
    """The item pane's "Notes and attachments" of the item shown, with "Add Note"."""

    def __init__(self, library: Library, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("childItems")
        self.library = library
        self.main = window
        self.parent_key: str | None = None
        self.note_editor: NoteEditor | None = None  # where a new note is written (the side's)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 6)
        head = QHBoxLayout()
        self.title = QLabel("Notes and attachments")
        self.title.setObjectName("section")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)  # the pane may narrow (a small window gives the table its room first)
        self.title.setMinimumWidth(40)
        head.addWidget(self.title, 1)
        self.add_note = QPushButton("Add Note")
        self.add_note.setToolTip("A note under this item (synced as a child note in Zotero)")
        self.add_note.clicked.connect(self.new_note)
        head.addWidget(self.add_note)
        layout.addLayout(head)
        self.list = QListWidget()
        self.list.setObjectName("childList")
        self.list.setIconSize(ICON)
        self.list.itemActivated.connect(self._open)
        self.list.itemDoubleClicked.connect(self._open)
        layout.addWidget(self.list)
        self.hide()

    def show_parent(self, record: Record | None) -> None:
        """List the children of ``record``; hidden for nothing, a child, or an item in the Trash."""
        if record is None or record.get("parentItem") or record.item_type in ("note", "attachment", "annotation") \
                or record.trashed:
            self.parent_key = None
            self.hide()
            return
        self.parent_key = record.key
        self.list.clear()
        icons = library_model.TREE_ICONS
        try:
            children = self.library.children(record.key)
        except RefdeskError:
            children = []
        for child in children:
            kind = "Note" if child.item_type == "note" else "Attachment"
            item = QListWidgetItem(child.title or f"(untitled {kind.lower()})")
            item.setData(KeyRole, child.key)
            item.setToolTip(f"{kind}: double-click or Enter to open")
            if child.item_type in icons:
                item.setIcon(icons[child.item_type])
            self.list.addItem(item)
        n = len(children)
        self.title.setText(f"Notes and attachments ({n})" if n else "Notes and attachments")
        self.list.setVisible(bool(n))
        self.list.setMaximumHeight(min(6, max(n, 1)) * (self.list.fontMetrics().height() + 8) + 6)
        self.show()

    def _open(self, item: QListWidgetItem) -> None:
        """Show the child in the table (its parent opened) and so in the pane: a note in the editor."""
        key = str(item.data(KeyRole))
        if self.parent_key:
            reveal_child(self.main, self.parent_key, key)

    def new_note(self) -> str | None:
        """A new empty note under the item shown, opened in the editor."""
        if not self.parent_key:
            return None
        parent = self.parent_key
        note = Record(data={"itemType": "note", "note": "", "parentItem": parent, "tags": [], "collections": [],
                            "relations": {}})
        try:
            self.library.add(note, "user", self.library.library_of(parent))
        except RefdeskError as exc:
            self.main.show_error(str(exc))
            return None
        self.main.model.invalidate()
        reveal_child(self.main, parent, note.key)
        if self.note_editor is not None:
            self.note_editor.edit.setFocus()
        return note.key


def reveal_child(window: MainWindow, parent_key: str, child_key: str) -> None:
    """Open the parent's row and select the child's (the pane then shows the child)."""
    model = window.model
    row = model.row_of_key(parent_key)
    if row is None:
        return
    if model.is_open(row):
        model.collapse(row)  # read its children again (a note was just added)
    model.expand(row)
    child = model.row_of_key(child_key)
    if child is not None:
        window.table.selectRow(child)
        window.table.scrollTo(model.index(child, 0))


class ItemSide(QSplitter):
    """The right-hand side: the item pane (or, for a note, the note editor) over the item's notes and attachments."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.setObjectName("itemSide")
        self.setChildrenCollapsible(False)
        self.main = window
        self.stack = QStackedWidget()
        self.note_editor = NoteEditor(window.ctx.library)
        self.children_pane = ChildList(window.ctx.library, window)
        self.children_pane.note_editor = self.note_editor
        self.addWidget(self.stack)
        self.addWidget(self.children_pane)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)

    def adopt(self, pane: QWidget) -> None:
        """Take the right-hand pane as it was (the item pane, or the stack it shares with the selection pane)."""
        self.stack.addWidget(pane)
        self.stack.addWidget(self.note_editor)
        self.stack.setCurrentWidget(pane)

    def follow_selection(self) -> None:
        """Several rows selected: the pane shows the selection, not a note or one item's children."""
        if len(self.main.table.selectionModel().selectedRows()) > 1:
            self.note_editor.show_note(None)
            self.stack.setCurrentIndex(0)
            self.children_pane.show_parent(None)

    def follow(self, record: Record | None) -> None:
        """The item pane shows ``record``: a note goes to the editor instead; a parent's children are listed."""
        if record is not None and record.item_type == "note":
            parent = record.get("parentItem")
            title = ""
            if parent:
                try:
                    title = self.main.ctx.library.get(parent).title
                except RefdeskError:
                    title = parent
            self.note_editor.show_note(record, title)
            self.stack.setCurrentWidget(self.note_editor)
        else:
            self.note_editor.show_note(None)
            self.stack.setCurrentIndex(0)
        self.children_pane.show_parent(record)


def install(window: MainWindow) -> ItemSide:
    """Child rows in the table (icons, twisty clicks and keys) and the item side (pane, note editor, children)."""
    library_model.TREE_ICONS.clear()
    library_model.TREE_ICONS.update(tree_icons(window.palette()))
    table = window.table
    table.setIconSize(ICON)
    keys = TreeKeys(window)
    table.viewport().installEventFilter(keys)
    table.installEventFilter(keys)
    side = ItemSide(window)
    splitter = window.splitter
    index = splitter.count() - 1  # the right-hand pane, whatever holds the item pane now
    right = splitter.widget(index)
    sizes = splitter.sizes()
    splitter.replaceWidget(index, side)
    if right is not None:
        side.adopt(right)
    splitter.setSizes(sizes)
    window.item_pane.shown.connect(side.follow)
    window.table.selectionModel().selectionChanged.connect(lambda *_: side.follow_selection())
    side.note_editor.saved.connect(window.item_pane.saved)
    side.note_editor.failed.connect(window.show_error)
    return side
