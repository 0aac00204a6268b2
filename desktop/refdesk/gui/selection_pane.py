"""Several items selected: the right-hand pane says how many and offers what applies to all of them.

Showing the current item's fields while ten are selected suggests an edit there reaches all ten; Zotero
shows "N items selected" instead, and so does refdesk. The pane's actions are the window's own (Add to
Collection, Add Tag, Enrich, Export, Copy Citation, Move to Trash), so each does exactly what the menu item does.

``install`` puts the pane in the item pane's place in the splitter (the two share a stack) and makes a
click on the table's empty space clear the selection and the pane, as in Zotero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from refdesk.gui.changes import Changes
from refdesk.gui.workers import Task

if TYPE_CHECKING:
    from refdesk.app import AppContext
    from refdesk.gui.main_window import MainWindow


def add_tag_to(ctx: AppContext, keys: list[str], tag: str, task: Task | None = None) -> int:
    """Give every record of ``keys`` the tag (one transaction, each change journaled for sync, as
    ``refdesk edit KEY --add-tag``); returns how many records changed (those that had it already did not)."""
    from refdesk.errors import InvalidInputError

    tag = tag.strip()
    if not tag:
        raise InvalidInputError("Type the tag to add first")
    lib = ctx.library
    changed = 0
    with lib.transaction():
        for n, key in enumerate(keys, 1):
            rec = lib.get(key)
            if rec.add_tag(tag):
                lib.save(rec, "user")
                changed += 1
            if task is not None:
                task.progress(n, len(keys), "")
    return changed


class SelectionPane(QWidget):
    """"N items selected" and the actions for all of them."""

    tag_requested = Signal(str)
    collection_requested = Signal()  # "Add to Collection": the window shows the collections to pick from
    enrich_requested = Signal()
    export_requested = Signal()
    cite_requested = Signal()
    trash_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("selectionPane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 16, 12, 12)
        self.heading = QLabel()
        self.heading.setObjectName("selectionCount")
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.heading)
        self.hint = QLabel("What you do here applies to every selected item.")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.hint)
        layout.addSpacing(12)

        tag_row = QHBoxLayout()
        self.tag_input = QLineEdit()
        self.tag_input.setObjectName("tagForAll")
        self.tag_input.setPlaceholderText("Tag name")  # ("Tag to add to all of them" read "Tag to add to …" at 900×600)
        self.tag_input.setToolTip("A tag to add to every selected item: type it and press Enter or Add Tag")
        self.tag_input.setClearButtonEnabled(True)
        self.tag_input.returnPressed.connect(self._add_tag)
        tag_row.addWidget(self.tag_input, 1)
        self.tag_button = QPushButton("Add Tag")
        self.tag_button.setObjectName("addTagToAll")
        self.tag_button.clicked.connect(self._add_tag)
        tag_row.addWidget(self.tag_button)
        layout.addLayout(tag_row)

        self.buttons: dict[str, QPushButton] = {}
        for name, text, tip, signal in (
            ("collection", "Add to Collection…", "Put them into a collection of this library (or a new one)",
             self.collection_requested),
            ("enrich", "Enrich", "Ask the add-ons for subjects, abstracts and more", self.enrich_requested),
            ("export", "Export…", "Save them as RIS, BibTeX or CSL-JSON", self.export_requested),
            ("cite", "Copy Citation", "An in-text citation of all of them (APA) on the clipboard", self.cite_requested),
            ("trash", "Move to Trash…", "Move them to the Trash (asks first)", self.trash_requested),
        ):
            b = QPushButton(text)
            b.setObjectName(f"selection:{name}")
            b.setToolTip(tip)
            b.clicked.connect(lambda _checked=False, s=signal: s.emit())
            layout.addWidget(b)
            self.buttons[name] = b
        layout.addStretch(1)
        self.count = 0
        self.stack: QStackedWidget | None = None  # the right-hand slot it shares with the item pane (``install``)

    def refresh_icons(self) -> None:
        """Tabler icons in this palette's colours (called again when the palette changes)."""
        from PySide6.QtWidgets import QApplication

        from refdesk.gui.icons import icon

        palette = QApplication.palette(self)
        self.tag_button.setIcon(icon("tag", palette))
        self.buttons["collection"].setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))  # as the left pane
        for name, glyph in (("enrich", "sparkles"), ("export", "file-export"), ("cite", "quote"), ("trash", "trash")):
            self.buttons[name].setIcon(icon(glyph, palette))

    def show_count(self, count: int) -> None:
        self.count = count
        self.heading.setText(f"{count:,} items selected")

    def _add_tag(self) -> None:
        text = self.tag_input.text().strip()
        if text:
            self.tag_requested.emit(text)


class _ClickOnNothing(QObject):
    """A click on the table's empty space (below the rows) clears the selection, so the pane shows nothing."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            table = self.window.table
            if not table.indexAt(event.position().toPoint()).isValid() and event.button() == Qt.MouseButton.LeftButton:
                table.clearSelection()
                table.setCurrentIndex(table.model().index(-1, -1))
                self.window.item_pane.show_record(None)
                return True
        return False


def install(window: MainWindow) -> SelectionPane:
    """Put the selection pane beside the item pane (one shows at a time) and wire it to the window."""
    pane = SelectionPane()
    stack = QStackedWidget()
    stack.setObjectName("rightPane")
    index = window.splitter.indexOf(window.item_pane)
    sizes = window.splitter.sizes()
    window.splitter.replaceWidget(index, stack)
    stack.addWidget(window.item_pane)
    stack.addWidget(pane)
    window.splitter.setSizes(sizes)
    pane.stack = stack

    def follow() -> None:
        n = len(window.table.selectionModel().selectedRows())
        if n > 1:
            pane.show_count(n)
            stack.setCurrentWidget(pane)
        else:
            stack.setCurrentWidget(window.item_pane)

    window.table.selectionModel().selectionChanged.connect(lambda *_: follow())
    window.model.modelReset.connect(follow)
    pane.tag_requested.connect(lambda tag: tag_selected(window, tag))
    pane.collection_requested.connect(lambda: collection_menu(window).exec(
        pane.buttons["collection"].mapToGlobal(pane.buttons["collection"].rect().bottomLeft())))
    pane.enrich_requested.connect(window.enrich_selected)
    pane.export_requested.connect(lambda: window.export_selected())
    pane.cite_requested.connect(lambda: window.copy_citation("citation", next(iter_styles())))
    pane.trash_requested.connect(lambda: window.delete_selected())
    window.table.viewport().installEventFilter(_ClickOnNothing(window))
    pane.refresh_icons()
    follow()
    return pane


def collection_menu(window: MainWindow) -> Any:
    """The "Add to Collection" menu for the selected items (the item menu's, from ``collections_ui``)."""
    return window.collections_ui.add_menu(window.selected_keys())


def iter_styles() -> Any:
    from refdesk.gui.citations import STYLES

    return iter(STYLES)


def tag_selected(window: MainWindow, tag: str) -> Any:
    """Add ``tag`` to the selected items in a worker; the table and pane are re-read after."""
    keys = window.selected_keys()
    if not keys:
        window.show_error("Select the items to tag first", topic="selection")
        return None
    ctx = window.ctx

    def done(changed: int) -> None:
        window.selection_pane.tag_input.clear()
        window.notify(Changes.of(keys, tags=True), select=keys)
        n = len(keys)
        had = n - changed
        window.say(f"Tagged {changed:,} item{'s' if changed != 1 else ''} “{tag}”"
                   + (f" ({had:,} had it already)" if had else ""))

    return window.run_job(lambda task: add_tag_to(ctx, keys, tag, task), name="tag", busy=f"Tagging {len(keys):,} items…",
                          on_result=done)
