"""The tag selector below the left pane, as Zotero's: the tags of the items the table shows; click one or more to
show only the items with all of them; type to filter the list; automatic tags (added by an importer or an
add-on) in a list of their own, hidden with "Display Automatic" off; rename or delete a tag across the library
from its context menu (``library/tags.py``, as ``refdesk tags`` does).

The tags are counted by ``TagCounter`` in a worker, on a library connection of its own, a short pause after the
table's filter changed (only the newest filter is counted), so typing in the search box never waits for them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refdesk.gui.changes import Changes
from refdesk.gui.library_model import TRASH, Filter
from refdesk.gui.workers import Worker, WorkerPool
from refdesk.library import Library
from refdesk.library.tags import TagCount, delete_tag, rename_tag, tag_counts
from refdesk.text import fold

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow

log = logging.getLogger(__name__)

#: The tags are counted this long after the table's filter last changed (typing fast counts once).
TAG_PAUSE_MS = 300
SETTING_AUTOMATIC = "tags/displayAutomatic"
SETTING_SPLITTER = "window/leftSplitter"
SETTING_LISTS = "tags/listsSplitter"
#: Each tag list shows at least this many rows of tags.
MIN_ROWS = 2
TagRole = int(Qt.ItemDataRole.UserRole) + 20


def counts_for(library: Library, where: Filter) -> list[TagCount]:
    """The tags of the items a filter of the table shows (its own tag filter included, as Zotero narrows them)."""
    in_trash = where.collection == TRASH
    return tag_counts(library, where.search, where.library_id, where.collections(), in_trash, where.tags,
                      top_level=not in_trash)


class TagCounter(QObject):
    """Counts tags in a worker on a connection of its own; of the counts asked for while one runs, only the newest
    runs."""

    counted = Signal(int, list)  # ticket, list[TagCount]

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._pool = WorkerPool(self, max_threads=1)
        self._next: tuple[int, Filter] | None = None
        self._running = False
        self.runs = 0

    def ask(self, ticket: int, where: Filter) -> None:
        self._next = (ticket, where)
        if not self._running:
            self._start()

    def _start(self) -> None:
        if self._next is None:
            return
        ticket, where = self._next
        self._next = None
        self._running = True
        self.runs += 1
        self._pool.start(lambda _task: self._count(where), name="tags",
                         on_result=lambda found: self.counted.emit(ticket, found),
                         on_error=lambda message: log.warning("counting the tags failed: %s", message),
                         on_finished=self._finished)

    def _count(self, where: Filter) -> list[TagCount]:
        # opened for each count and closed after it: no connection stays open to refuse a restore of the library
        with Library.open(self.path) as library:
            return counts_for(library, where)

    def _finished(self) -> None:
        self._running = False
        self._start()

    def busy(self) -> bool:
        return self._running or self._next is not None

    def close(self) -> None:
        self._next = None
        self._pool.wait()


def rows_height(view: QListWidget, rows: int) -> int:
    """The height a tag list needs to show ``rows`` rows of tags."""
    row = view.fontMetrics().height() + 2 * view.spacing() + 4
    return rows * row + 2 * view.frameWidth() + view.spacing()


def rows_needed(view: QListWidget) -> int:
    """How many rows the list's shown tags wrap into at its width (laid out as the view lays them: left to right)."""
    # (conservative: a scroll bar may yet take its width, and the view rounds its items up)
    width = max(1, view.viewport().width() - view.spacing() - view.verticalScrollBar().sizeHint().width())
    rows, used = 0, width
    metrics = view.fontMetrics()
    for i in range(view.count()):
        item = view.item(i)
        if item.isHidden():
            continue
        need = metrics.horizontalAdvance(item.text()) + 12 + 2 * view.spacing()
        if used + need > width:
            rows, used = rows + 1, 0
        used += need
    return rows


class ElidingCheckBox(QCheckBox):
    """A check box whose text ends in "…" when its pane is too narrow, instead of being cut mid-word ("Display
    Autom" at 900×600); its tooltip says what it does in full."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.full_text = text

    def _extra(self) -> int:
        """The indicator and spacing beside the text."""
        return super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._extra() + self.fontMetrics().horizontalAdvance(self.full_text), hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._extra() + self.fontMetrics().horizontalAdvance("D…"), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        room = max(0, self.width() - self._extra())
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)


def _cloud() -> QListWidget:
    """A list laid out as a wrapping row of tags (Zotero's tag cloud)."""
    view = QListWidget()
    view.setViewMode(QListView.ViewMode.ListMode)
    view.setFlow(QListView.Flow.LeftToRight)
    view.setWrapping(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(500)
    view.setSpacing(2)
    view.setUniformItemSizes(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return view


class TagSelector(QWidget):
    """Emits ``selection_changed(tags)`` when the user picks or drops a tag."""

    selection_changed = Signal(tuple)
    rename_requested = Signal(str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagSelector")
        self.selected: list[str] = []
        self.found: list[TagCount] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        # the typed and the automatic tags in a splitter of their own: each keeps MIN_ROWS rows of tags (the
        # automatic list was 30 px tall at 900×600, one row cut by a scroll bar), the user moves the line between
        self.lists = QSplitter(Qt.Orientation.Vertical)
        self.lists.setObjectName("tagLists")
        self.lists.setChildrenCollapsible(False)
        self.manual = _cloud()
        self.manual.setObjectName("tags")
        self.lists.addWidget(self.manual)
        self.auto_box = QWidget()
        auto_layout = QVBoxLayout(self.auto_box)
        auto_layout.setContentsMargins(0, 0, 0, 0)
        auto_layout.setSpacing(2)
        self.auto_label = QLabel("Automatic")
        self.auto_label.setObjectName("hint")
        auto_layout.addWidget(self.auto_label)
        self.automatic = _cloud()
        self.automatic.setObjectName("automaticTags")
        auto_layout.addWidget(self.automatic, 1)
        self.lists.addWidget(self.auto_box)
        self.lists.setStretchFactor(0, 3)
        self.lists.setStretchFactor(1, 2)
        self.split_by_user = False  # until the user moves the line, the lists share the height by their tags
        self.lists.splitterMoved.connect(self._split_moved)
        for view in (self.manual, self.automatic):
            view.setMinimumHeight(rows_height(view, MIN_ROWS))
        layout.addWidget(self.lists, 1)
        row = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("tagFilter")
        self.filter.setPlaceholderText("Filter tags")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        row.addWidget(self.filter, 1)
        self.show_automatic = ElidingCheckBox("Display Automatic")
        self.show_automatic.setToolTip("Show the tags importers and add-ons added (shown in their own list)")
        self.show_automatic.setChecked(True)
        self.show_automatic.toggled.connect(self._automatic_toggled)
        self.menu_button = QToolButton()
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Tag selector options")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        options = QMenu(self.menu_button)
        options.addAction("Deselect All", self.deselect_all)
        display = options.addAction("Display Automatic")
        display.setCheckable(True)
        display.setChecked(True)
        display.toggled.connect(self.show_automatic.setChecked)
        self.show_automatic.toggled.connect(display.setChecked)
        self.menu_button.setMenu(options)
        row.addWidget(self.menu_button)
        layout.addLayout(row)
        layout.addWidget(self.show_automatic)
        self.empty = QLabel("No tags in this view")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)  # the left pane gives way first in a narrow window (to 110 px)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty)
        for view in (self.manual, self.automatic):
            view.itemSelectionChanged.connect(self._picked)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._menu(v, pos))
        self._updating = False
        self.set_tags([])

    def minimumSizeHint(self) -> QSize:
        """Narrow (the left pane gives way first), but as tall as its lists' few rows and the filter need."""
        return QSize(80, super().minimumSizeHint().height())

    # -- showing -----------------------------------------------------------------------
    def set_tags(self, found: list[TagCount]) -> None:
        """Show these tags (and the selected ones, even when no item shown has them any more)."""
        self.found = found
        present = {t.tag for t in found}
        shown = list(found) + [TagCount(tag, False, 0) for tag in self.selected if tag not in present]
        self._updating = True
        try:
            for view, automatic in ((self.manual, False), (self.automatic, True)):
                view.setUpdatesEnabled(False)
                view.clear()
                for t in shown:
                    if t.automatic != automatic:
                        continue
                    item = QListWidgetItem(t.tag)
                    item.setData(TagRole, t.tag)
                    item.setToolTip(f"{t.tag}: {t.items:,} item{'s' if t.items != 1 else ''}"
                                    + (" (automatic)" if automatic else ""))
                    if automatic:
                        item.setForeground(self._automatic_colour())
                    view.addItem(item)
                    if t.tag in self.selected:
                        item.setSelected(True)
                view.setUpdatesEnabled(True)
        finally:
            self._updating = False
        self._apply_filter(self.filter.text())
        self._share_height()

    def _split_moved(self, _pos: int, _index: int) -> None:
        self.split_by_user = True

    def _share_height(self) -> None:
        """Each list's share of the height by the rows its tags need (one typed tag over ten automatic ones had
        three fifths of it, the ten a scroll bar): both whole if they fit, else the typed ones first, each at least
        MIN_ROWS rows; not once the user moved the line."""
        if self.split_by_user or not self.auto_box.isVisibleTo(self):
            return
        total = sum(self.lists.sizes())
        if total <= 0:
            return
        label = self.auto_box.height() - self.automatic.height()
        wanted = [rows_height(v, max(MIN_ROWS, rows_needed(v))) + extra
                  for v, extra in ((self.manual, 0), (self.automatic, label))]
        if sum(wanted) <= total:  # room for both: what is left goes to each in proportion
            top = wanted[0] + (total - sum(wanted)) * wanted[0] // sum(wanted)
        else:  # the typed tags (the user's own) first, the automatic ones keeping their few rows
            top = max(min(wanted[0], total - self.auto_box.minimumSizeHint().height()), round(total * wanted[0] / sum(wanted)))
        self.lists.setSizes([top, total - top])  # (QSplitter keeps each at its minimum height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_height()

    def _automatic_colour(self) -> QColor:
        """Automatic tags in the palette's link colour (readable in light and dark), as Zotero tints them."""
        return self.palette().color(QPalette.ColorRole.Link)

    def _apply_filter(self, text: str) -> None:
        wanted = fold(text.strip())
        shown = 0
        for view in (self.manual, self.automatic):
            for i in range(view.count()):
                item = view.item(i)
                hide = bool(wanted) and wanted not in fold(item.text()) and not item.isSelected()
                item.setHidden(hide)
                shown += not hide
        autos = self.show_automatic.isChecked() and any(
            not self.automatic.item(i).isHidden() for i in range(self.automatic.count()))
        self.auto_box.setVisible(autos)
        self.empty.setVisible(not shown)
        self.empty.setText("No tags match the filter" if wanted and self.found else "No tags in this view")

    def _automatic_toggled(self, on: bool) -> None:
        if not on:  # hidden automatic tags no longer filter the table
            self._updating = True
            try:
                for i in range(self.automatic.count()):
                    self.automatic.item(i).setSelected(False)
            finally:
                self._updating = False
            self._picked()
        self._apply_filter(self.filter.text())

    def visible_tags(self, automatic: bool | None = None) -> list[str]:
        """The tags listed and not filtered out (tests look at it)."""
        views = [self.manual, self.automatic] if automatic is None else [self.automatic if automatic else self.manual]
        return [v.item(i).text() for v in views for i in range(v.count())
                if not v.item(i).isHidden() and v.isVisibleTo(self)]

    # -- choosing -----------------------------------------------------------------------
    def _picked(self) -> None:
        if self._updating:
            return
        chosen = [str(item.data(TagRole)) for view in (self.manual, self.automatic) for item in view.selectedItems()]
        if chosen != self.selected:
            self.selected = chosen
            self.selection_changed.emit(tuple(chosen))

    def select(self, tags: list[str]) -> None:
        """Pick exactly these tags (as clicks would)."""
        self._updating = True
        try:
            for view in (self.manual, self.automatic):
                for i in range(view.count()):
                    view.item(i).setSelected(view.item(i).text() in tags)
        finally:
            self._updating = False
        self._picked()

    def deselect_all(self) -> None:
        self.select([])

    def _menu(self, view: QListWidget, pos: QPoint) -> None:
        item = view.itemAt(pos)
        if item is None:
            return
        tag = str(item.data(TagRole))
        menu = QMenu(self)
        menu.addAction(f"Rename Tag “{tag}”…", lambda: self.rename_requested.emit(tag))
        menu.addAction(f"Delete Tag “{tag}”…", lambda: self.delete_requested.emit(tag))
        menu.addSeparator()
        menu.addAction("Deselect All", self.deselect_all)
        menu.exec(view.viewport().mapToGlobal(pos))


class TagSelectorUI(QObject):
    """Keeps the selector in step with the table: counts tags after each change of what the table shows, and
    filters the table by the tags picked."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.selector = TagSelector()
        self.counter = TagCounter(window.ctx.library_path, self)
        self.counter.counted.connect(self._counted)
        self._ticket = 0
        self._asked: Filter | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(TAG_PAUSE_MS)
        self.timer.timeout.connect(self._ask)
        model = window.model
        model.modelReset.connect(lambda: self.refresh(force=True))
        model.counted.connect(self.refresh)
        model.rowsInserted.connect(lambda *_: self.refresh())
        model.rowsRemoved.connect(lambda *_: self.refresh())
        self.selector.selection_changed.connect(self._filter_table)
        self.selector.rename_requested.connect(lambda tag: self.rename(tag))
        self.selector.delete_requested.connect(lambda tag: self.delete(tag))
        from refdesk.gui.main_window import gui_settings

        settings = gui_settings()
        self.selector.show_automatic.setChecked(bool(settings.value(SETTING_AUTOMATIC, True, type=bool)))
        self.selector.show_automatic.toggled.connect(lambda on: gui_settings().setValue(SETTING_AUTOMATIC, on))
        # the left pane: libraries and collections over the tag selector
        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.setObjectName("leftPane")
        self.left.setChildrenCollapsible(False)
        index = window.splitter.indexOf(window.sources)
        sizes = window.splitter.sizes()
        window.splitter.replaceWidget(index, self.left)
        self.left.addWidget(window.sources)
        self.left.addWidget(self.selector)
        # half each at first (the tags had 135 of 515 px at 900×600 and 193 of 735 at the default size, the library
        # tree keeping hundreds of empty pixels); then as the user leaves them
        self.left.setStretchFactor(0, 1)
        self.left.setStretchFactor(1, 1)
        self.left.setSizes([1000, 1000])
        window.splitter.setSizes(sizes)
        for splitter, key in ((self.left, SETTING_SPLITTER), (self.selector.lists, SETTING_LISTS)):
            state = settings.value(key)
            if state is not None:
                splitter.restoreState(state)
                if splitter is self.selector.lists:
                    self.selector.split_by_user = True
            splitter.splitterMoved.connect(lambda *_, sp=splitter, k=key: gui_settings().setValue(k, sp.saveState()))
        window.installEventFilter(self)  # the window closing closes the counter's connection
        self.refresh(force=True)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.close()
        return False

    def refresh(self, force: bool = False) -> None:
        """What the table shows may have changed: count its tags after a pause (``force``: even if the filter is the
        same, e.g. after an edit)."""
        if force or self.window.model.where() != self._asked:
            self.timer.start()

    def _ask(self) -> None:
        self._ticket += 1
        self._asked = self.window.model.where()
        self.counter.ask(self._ticket, self._asked)

    def _counted(self, ticket: int, found: list[TagCount]) -> None:
        if ticket == self._ticket:
            self.selector.set_tags(found)

    def _filter_table(self, tags: tuple[str, ...]) -> None:
        self.window.model.set_tags(tags)
        self.window.item_pane.show_record(None)

    def settled(self) -> bool:
        """No count waiting or running (tests wait for it)."""
        return not self.timer.isActive() and not self.counter.busy()

    def _library_id(self) -> str | None:
        return self.window.model.library_id

    def rename(self, tag: str, new: str | None = None) -> Worker | None:
        """Rename ``tag`` on every item of the library shown (asks for the name unless given)."""
        w = self.window
        if new is None:
            new, ok = QInputDialog.getText(w, "Rename Tag", f"Rename “{tag}” on every item to:", QLineEdit.EchoMode.Normal,
                                           tag)
            if not ok:
                return None
        ctx, lib_id, name = w.ctx, self._library_id(), new

        def done(changed: list[str]) -> None:
            if tag in self.selector.selected:
                self.selector.selected = [name.strip() if t == tag else t for t in self.selector.selected]
                w.model.set_tags(self.selector.selected)
            w.notify(Changes.of(changed, tags=True))
            w.say(f"Renamed the tag “{tag}” to “{name.strip()}” on {len(changed):,} item{'s' if len(changed) != 1 else ''}")

        return w.run_job(lambda task: rename_tag(ctx.library, tag, name, lib_id), name="rename-tag",
                         busy=f"Renaming the tag {tag}…", on_result=done)

    def delete(self, tag: str, confirm: bool = True) -> Worker | None:
        """Take ``tag`` off every item of the library shown (after asking)."""
        w = self.window
        if confirm:
            answer = QMessageBox.question(w, "Delete Tag", f"Delete the tag “{tag}” from every item that has it?")
            if answer != QMessageBox.StandardButton.Yes:
                return None
        ctx, lib_id = w.ctx, self._library_id()

        def done(changed: list[str]) -> None:
            if tag in self.selector.selected:
                self.selector.selected = [t for t in self.selector.selected if t != tag]
                w.model.set_tags(self.selector.selected)
            w.notify(Changes.of(changed, tags=True))
            w.say(f"Deleted the tag “{tag}” from {len(changed):,} item{'s' if len(changed) != 1 else ''}")

        return w.run_job(lambda task: delete_tag(ctx.library, tag, lib_id), name="delete-tag",
                         busy=f"Deleting the tag {tag}…", on_result=done)

    def close(self) -> None:
        self.timer.stop()
        self.counter.close()


def install(window: MainWindow) -> TagSelectorUI:
    return TagSelectorUI(window)


__all__ = ["TagSelector", "TagSelectorUI", "counts_for", "install"]
