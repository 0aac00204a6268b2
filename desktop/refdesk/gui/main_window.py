"""The main window: libraries on the left, the item table in the centre, the item pane on the right.

Everything slow (import, export, sync, enrichment) runs through ``WorkerPool``;
the window only starts jobs, shows their progress in the status bar and reacts
to their results. Reads for the table go through a second library connection
(WAL lets it read while a worker writes), so a long write never freezes scrolling.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, QMimeData, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QToolButton,
    QWidget,
)

from refdesk.app import AppContext
from refdesk.config import config_dir
from refdesk.errors import RefdeskError
from refdesk.gui import jobs
from refdesk.gui.changes import NOTHING, Changes
from refdesk.gui.item_pane import ItemPane
from refdesk.gui.item_table import ItemTable
from refdesk.gui.library_model import COLUMNS, HIDDEN_BY_DEFAULT, PAGE, TRASH, LibraryModel
from refdesk.gui.sources_pane import SourcesPane
from refdesk.gui.widgets import show_status
from refdesk.gui.workers import Job, Worker, WorkerPool
from refdesk.library import Library, status

log = logging.getLogger(__name__)

#: export format id -> (file dialog filter, suffix)
EXPORT_FORMATS = {
    "ris": ("RIS (*.ris)", ".ris"),
    "bibtex": ("BibTeX (*.bib)", ".bib"),
    "csljson": ("CSL-JSON (*.json)", ".json"),
}

SEARCH_PAUSE_MS = 250  # how long a one-letter last word waits before it filters
CITE_AT_ONCE = 100  # more selected items than this are formatted in a worker
SELECT_AFTER_IMPORT = 1000  # rows selected after an import (the first ones imported)


def gui_settings() -> QSettings:
    """Window state lives next to settings.toml (so REFDESK_CONFIG_DIR isolates it too)."""
    return QSettings(str(config_dir() / "gui.ini"), QSettings.Format.IniFormat)


def local_time(stamp: str) -> str:
    """'2026-11-25T06:03:00Z' (UTC, as stored) -> '2026-11-25 07:03' in the user's time zone."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def looks_like_identifier(text: str) -> bool:
    """Pasted or dropped text worth offering to the Add dialog (a URL, DOI, ISSN, ISBN)."""
    from refdesk.identifiers import Kind
    from refdesk.importers.dispatch import classify_input

    if not text.strip() or "\n" in text.strip():
        return False
    try:
        return classify_input(text).kind is not Kind.FILE
    except RefdeskError:
        return False


class MainWindow(QMainWindow):
    #: What a job or dialog changed (a ``Changes``), emitted once by ``notify``; every pane listens and re-reads
    #: what concerns it.
    changed = Signal(object)

    def __init__(self, ctx: AppContext, reader: Library | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.reader = reader or Library.open(ctx.library_path)
        self._own_reader = reader is None
        self.pool = WorkerPool(self)
        self.jobs: list[Worker] = []
        self.dialogs: dict[str, Any] = {}
        self._select_next: list[str] | None = None  # what ``notify`` asked the table to select after re-reading
        self.closed = False
        self.setWindowTitle("refdesk")
        self.setAcceptDrops(True)
        icon_path = Path(__file__).resolve().parent / "resources" / "refdesk.svg"
        if icon_path.exists():
            self.setWindowIcon(QIcon(str(icon_path)))

        self.model = LibraryModel(self.reader, self, count_in_background=True)
        self._build_panes()
        self._build_actions()
        self._build_status_bar()
        from refdesk.gui import selection_pane

        self.selection_pane = selection_pane.install(self)  # "N items selected" in the item pane's place
        from refdesk.gui import child_items, collections_ui, tag_selector

        self.side = child_items.install(self)  # notes and attachments under their parent; the note editor
        self.tag_selector = tag_selector.install(self)  # below the left pane
        self.collections_ui = collections_ui.install(self)  # New/Rename/Delete Collection, Add to Collection
        from refdesk.gui import icons

        self.toolbar_icons = icons.install_toolbar(self)  # Tabler icons in the palette's colours; Sync shows its state
        self.changed.connect(self._on_changed)
        self.refresh_sources()
        self.restore_state()
        self.update_count()
        self.update_review_count()
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._search_edited)
        self.search.returnPressed.connect(self.apply_search)

    # -- layout -------------------------------------------------------------
    def _build_panes(self) -> None:
        self.sources = SourcesPane()
        self.sources.chosen.connect(self._source_changed)

        self.table = ItemTable()
        self.table.setObjectName("items")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, col.width)
            header.setSectionHidden(i, col.name in HIDDEN_BY_DEFAULT)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the title fills the table, as in Zotero
        header.setSortIndicator(COLUMNS.index(next(c for c in COLUMNS if c.name == "added")), Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.model.modelReset.connect(self.update_count)
        self.model.counted.connect(self.update_count)

        self.item_pane = ItemPane(self.ctx.library)
        self.table.edit_requested.connect(self.item_pane.focus_first_field)
        self.item_pane.setObjectName("itemPane")
        self.item_pane.saved.connect(self._item_saved)
        self.item_pane.failed.connect(self.show_error)

        from refdesk.gui.pane_layout import ColumnFitter, ResponsiveSplitter

        self.column_fitter = ColumnFitter(self.table)
        self.splitter = ResponsiveSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sources)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.item_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([180, 800, 360])
        self.setCentralWidget(self.splitter)

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.act_add = self._action("&Add by Identifier…", self.open_add_dialog, "Ctrl+N", "Add an item by URL, DOI, ISSN or ISBN")
        self.act_import_file = self._action("&Import from File…", self.import_file, "Ctrl+Shift+I", "Import a RIS, BibTeX or CSL-JSON file")
        self.act_export = self._action("&Export Selected…", self.export_selected, "Ctrl+E", "Export the selected items")
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_find = self._action("&Find", self.focus_search, "Ctrl+F", "Search the library")
        self.act_delete = self._action("Move Item to &Trash…", self.delete_selected, QKeySequence(Qt.Key.Key_Delete),
                                       "Move the selected items to the Trash")
        self.act_restore = self._action("&Restore to Library", self.restore_selected, None,
                                        "Bring the selected items back from the Trash")
        self.act_restore.setEnabled(False)  # only in the Trash
        self.act_empty_trash = self._action("Empty Trash…", self.empty_trash, None,
                                            "Delete every item in the Trash for good")
        self.act_delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.table.addAction(self.act_delete)
        self.act_paste = self._action("Paste Identifier", self.paste_identifier, None)
        self.act_sync = self._action("&Sync with Zotero", self.sync_now, "Ctrl+Shift+S", "Sync with zotero.org")
        self.act_account = self._action("Zotero &Account…", self.open_account_dialog, None, "Connect refdesk to your Zotero account")
        self.act_conflicts = self._action("Sync &Conflicts…", self.open_conflicts_dialog, None)
        self.act_enrich = self._action("&Enrich Selected", self.enrich_selected, "Ctrl+Shift+E", "Ask add-ons for subjects, abstracts and more")
        self.act_review = self._action("&Review Suggestions…", self.open_review_dialog, "Ctrl+Shift+R")
        self.act_plugins = self._action("Add-&ons…", self.open_plugins_dialog, None, "Installed enrichment add-ons")
        self.act_about = self._action("&About refdesk", self.about, None)
        self.copy_actions: dict[tuple[str, str], QAction] = {}
        from refdesk.gui.citations import STYLES

        for kind, label, shortcut in (("citation", "Copy Citation", "Ctrl+Shift+A"), ("bibliography", "Copy Bibliography", "Ctrl+Shift+C")):
            for n, (style, (style_label, _file)) in enumerate(STYLES.items()):
                act = self._action(
                    f"{label} ({style_label})",
                    lambda k=kind, s=style: self.copy_citation(k, s),
                    shortcut if n == 0 else None,
                )
                self.copy_actions[(kind, style)] = act

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (self.act_add, self.act_import_file, self.act_export):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu("&Edit")
        for act in self.copy_actions.values():
            edit_menu.addAction(act)
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_find)
        edit_menu.addAction(self.act_delete)
        edit_menu.addAction(self.act_restore)
        edit_menu.addAction(self.act_empty_trash)
        self.view_menu = bar.addMenu("&View")
        self.columns_menu = self.view_menu.addMenu("&Columns")
        self.columns_menu.aboutToShow.connect(lambda: self._fill_columns_menu(self.columns_menu))
        tools = bar.addMenu("&Tools")
        for a in (self.act_sync, self.act_account, self.act_conflicts):
            tools.addAction(a)
        tools.addSeparator()
        for a in (self.act_enrich, self.act_review, self.act_plugins):
            tools.addAction(a)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.act_about)
        from refdesk.gui import library_safety  # Back Up, Restore, Check Library and the daily backup

        self.safety = library_safety.install(self, file_menu, help_menu)

        tb = self.addToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.addAction(self.act_add)
        self.act_add.setIconText("Add")
        tb.addAction(self.act_sync)
        self.act_sync.setIconText("Sync")
        tb.addAction(self.act_enrich)
        self.act_enrich.setIconText("Enrich")
        tb.addAction(self.act_review)
        self.act_review.setIconText("Review")
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        tb.addWidget(spacer)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search title, creator, publication, abstract, tags  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(320)
        self.search.returnPressed.connect(self.table.setFocus)
        clear = QAction("Clear Search", self.search)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self.search.clear)
        self.search.addAction(clear)
        tb.addWidget(self.search)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        sb.addWidget(self.count_label)
        self.job_label = QLabel()
        self.job_label.setObjectName("jobMessage")
        sb.addWidget(self.job_label, 1)
        self.job_progress = QProgressBar()
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setTextVisible(False)
        self.job_progress.hide()
        sb.addPermanentWidget(self.job_progress)
        self.job_cancel = QToolButton()
        self.job_cancel.setText("Cancel")
        self.job_cancel.setToolTip("Stop the running task")
        self.job_cancel.clicked.connect(self.cancel_jobs)
        self.job_cancel.hide()
        sb.addPermanentWidget(self.job_cancel)
        self.sync_label = QLabel()
        self.sync_label.setObjectName("lastSync")
        sb.addPermanentWidget(self.sync_label)
        self.update_sync_label()

    # -- state --------------------------------------------------------------
    def restore_state(self) -> None:
        s = gui_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1340, 820)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        header = s.value("table/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
            self.column_fitter.restore(s.value("table/columnWidths"))
            self.model.sort(self.table.horizontalHeader().sortIndicatorSection(), self.table.horizontalHeader().sortIndicatorOrder())

    def save_state(self) -> None:
        s = gui_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        s.setValue("table/columnWidths", self.column_fitter.saved())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed = True  # a job's result arriving after this reads nothing: the connections close below
        self.save_state()
        self.pool.cancel_all()
        self.pool.wait(3000)
        self.model.close()
        if self._own_reader:
            self.reader.close()
        super().closeEvent(event)

    # -- left pane ------------------------------------------------------------
    def refresh_sources(self) -> None:
        """Re-read the left pane (after a sync or import brought libraries or collections)."""
        self.sources.refresh(self.reader, (self.model.library_id or "user", self.model.collection))

    def _source_changed(self, lib_id: str, collection: str | None) -> None:
        # My Library alone (no groups synced) needs no library filter: the cheapest query.
        only_mine = lib_id == "user" and not self.sources.has_groups() and not collection
        self.model.set_library(None if only_mine else lib_id, collection)
        self.item_pane.show_record(None)
        self._trash_shown(collection == TRASH)

    def _trash_shown(self, in_trash: bool) -> None:
        """In the Trash, Delete deletes for good and Restore is offered (as in Zotero)."""
        self.act_delete.setText("&Delete Permanently…" if in_trash else "Move Item to &Trash…")
        self.act_delete.setStatusTip("Delete the selected items for good" if in_trash else "Move the selected items to the Trash")
        self.act_restore.setEnabled(in_trash)

    # -- table --------------------------------------------------------------
    def _header_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        self._fill_columns_menu(menu)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        header = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            act = menu.addAction(col.title)
            act.setCheckable(True)
            act.setChecked(not header.isSectionHidden(i))
            act.setEnabled(col.name != "title")
            act.toggled.connect(lambda on, n=i: self.set_column_visible(n, on))

    def set_column_visible(self, section: int, visible: bool) -> None:
        self.table.horizontalHeader().setSectionHidden(section, not visible)

    def _table_menu(self, pos: Any) -> None:
        self.table_menu(pos).exec(self.table.viewport().mapToGlobal(pos))

    def table_menu(self, pos: Any) -> QMenu:
        """The table's context menu at ``pos`` (viewport coordinates); a row outside the selection is selected first."""
        menu = QMenu(self)
        row = self.table.indexAt(pos).row()
        if row < 0:  # no row under the mouse: nothing to act on but the library itself
            menu.addAction(self.act_add)
            menu.addAction(self.act_import_file)
            return menu
        if not self.table.selectionModel().isRowSelected(row, QModelIndex()):  # as in Zotero: the row clicked
            self.select_keys([k for k in [self.model.key_at(row)] if k])
        for act in self.copy_actions.values():
            menu.addAction(act)
        menu.addSeparator()
        if not self.sources.in_trash():  # enrichment leaves the Trash out
            menu.addAction(self.act_enrich)
        menu.addAction(self.act_export)
        menu.addSeparator()
        if self.sources.in_trash():
            menu.addAction(self.act_restore)
        menu.addAction(self.act_delete)
        self.collections_ui.extend_item_menu(menu)
        return menu

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        key = self.model.key_at(current.row()) if current.isValid() else None
        self.item_pane.show_key(key)

    def _selection_changed(self) -> None:
        self.update_count()
        if self.table.selectionModel().hasSelection():
            self.retract("selection")  # "Select the items to export first" is done

    def selected_keys(self) -> list[str]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        keys = [self.model.key_at(r) for r in rows]
        return [k for k in keys if k]

    def select_keys(self, keys: list[str]) -> None:
        """Select (and show) these records if they are among the first pages of the table."""
        sel = self.table.selectionModel()
        sel.clearSelection()
        first = True
        for key in keys:
            row = self.model.row_of_key(key)
            if row is None:
                continue
            index = self.model.index(row, 0)
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            if first:
                sel.setCurrentIndex(index, flags | QItemSelectionModel.SelectionFlag.Current)
                self.table.scrollTo(index)
                first = False
            else:
                sel.select(index, flags)

    def update_count(self) -> None:
        shown = self.model.rowCount()
        if self.model.search:  # "100+" for a full first page while the count runs in the background
            text = f"{self.model.known:,}{'' if self.model.exact else '+'} matching"
        else:  # items, not rows: an item's notes and attachments opened under it are not counted
            items = self.model.known if self.model.exact else shown
            text = f"{items:,} item{'s' if items != 1 else ''}"
        selected = len(self.table.selectionModel().selectedRows()) if self.table.selectionModel() else 0
        if selected > 1:
            text += f", {selected:,} selected"
        self.count_label.setText(text)
        if self.model.search:
            empty = f"Nothing matches “{self.model.search}”."
        elif self.model.collection == TRASH:
            empty = "The Trash is empty."
        elif self.model.collection:
            empty = "This collection is empty."
        else:
            empty = ("Your library is empty.\n\nPress Ctrl+N to add an article by URL, DOI, ISSN or ISBN, "
                     "or drop a link or a RIS/BibTeX file here.")
        if empty != self.table.empty_text:
            self.table.empty_text = empty
            if not shown:  # a search whose (empty) first page did not change resets nothing: repaint the text
                self.table.viewport().update()

    def refresh_table(self, keep: list[str] | None = None) -> None:
        keys = keep if keep is not None else self.selected_keys()
        self.item_pane.commit_pending()  # what the user is typing is saved (merged with the job's change), not dropped
        self.model.refresh()
        if keys:
            self.select_keys(keys)

    # -- what changed -------------------------------------------------------
    def notify(self, changes: Changes = NOTHING, *, select: Sequence[str] | None = None, **kinds: bool) -> None:
        """Tell every pane once what changed (``changes``, or ``kinds`` such as ``suggestions=True``); the table
        then selects ``select`` (default: what was selected)."""
        if self.closed:
            return
        if kinds:
            changes = Changes(**{**changes.__dict__, **kinds})
        self._select_next = list(select) if select is not None else None
        try:
            self.changed.emit(changes)
        finally:
            self._select_next = None

    def _on_changed(self, changes: Changes) -> None:
        """The window's own panes: the table, the left pane, the sync state, Review's count."""
        if changes.in_place and len(changes.items) == 1:
            self._item_saved_rows(next(iter(changes.items)))
        elif changes.touches_items() or changes.collections:
            self.refresh_table(self._select_next)
            if not self.table.selectionModel().hasSelection():  # e.g. the restored item left the Trash shown
                self.item_pane.show_record(None)
        if changes.libraries or changes.collections:
            self.refresh_sources()
        if "sync" in changes.jobs:
            self.act_sync.setEnabled(not self.is_running("sync"))
        if changes.touches_sync():
            self.update_sync_label()
        if changes.suggestions:
            self.update_review_count()

    def is_running(self, name: str) -> bool:
        """A job called ``name`` (``"sync"``...) is running."""
        return any(w.name == name and not w.done.is_set() for w in self.jobs)

    def _item_saved(self, key: str) -> None:
        """An edit in the pane (or the note editor), which shows it already."""
        self.notify(Changes.of([key], in_place=True))
        self.say("Saved")

    def _item_saved_rows(self, key: str) -> None:
        """Re-read the rows in place (no reset, the selection stays) and follow the item if the sort order
        moved it."""
        if self.model.search:
            self.table.selectionModel().blockSignals(True)
            self.model.refresh()  # the edit may take the item out of (or into) the search's matches
            self.table.selectionModel().blockSignals(False)
        else:
            self.model.invalidate()
        row = self.model.row_of_key(key)
        current = self.table.currentIndex()
        if row is not None and row != current.row():
            sel = self.table.selectionModel()
            sel.blockSignals(True)  # the pane already shows this item; do not reload it
            sel.setCurrentIndex(
                self.model.index(row, max(current.column(), 0)),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            sel.blockSignals(False)
            self.table.viewport().update()
            self.table.scrollTo(self.model.index(row, 0))

    # -- search -------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_edited(self, text: str) -> None:
        """Filter as you type: at once (coalescing a burst of keys), except after a lone new letter.

        A last word of one letter matches nearly everything and costs the most to look up,
        so it waits for the next letter, Enter, or a short pause.
        """
        words = text.split()
        lone_letter = bool(words) and len(words[-1]) == 1 and not text.endswith(" ")
        self.search_timer.start(SEARCH_PAUSE_MS if lone_letter else 0)

    def apply_search(self) -> None:
        self.search_timer.stop()
        if self.model.set_search(self.search.text(), keep_first_page=self._within_first_page()):
            self.item_pane.show_record(None)  # a reset cleared the selection
        else:
            self.update_count()

    def _within_first_page(self) -> bool:
        """The table shows and selects only rows of the model's first page (so a search whose first page
        is the same rows can leave the table as it is)."""
        last_shown = self.table.rowAt(self.table.viewport().height() - 1)
        if last_shown < 0:  # the rows end above the bottom of the table
            last_shown = self.model.rowCount() - 1
        rows = [i.row() for i in self.table.selectionModel().selectedRows()]
        return max([last_shown, self.table.currentIndex().row(), *rows]) < PAGE

    # -- jobs ---------------------------------------------------------------
    def run_job(
        self, job: Job, *, name: str, on_result: Any = None, busy: str = "", on_error: Any = None, on_cancelled: Any = None
    ) -> Worker:
        """Start a background job whose progress shows in the status bar (with Cancel)."""
        self.say(busy)
        self.job_progress.setRange(0, 0)
        self.job_progress.show()
        self.job_cancel.show()

        def finished() -> None:
            self.jobs = [w for w in self.jobs if not w.done.is_set()]
            if not self.jobs:
                self.job_progress.hide()
                self.job_cancel.hide()
            self.notify(Changes(jobs=frozenset({name})))

        worker = self.pool.start(
            job,
            name=name,
            on_result=on_result,
            on_error=on_error or self.show_error,
            on_progress=self._job_progress,
            on_cancelled=on_cancelled or (lambda: self.say("Cancelled")),
            on_finished=finished,
        )
        self.jobs.append(worker)
        self.notify(Changes(jobs=frozenset({name})))
        return worker

    def _job_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.job_progress.setRange(0, total)
            self.job_progress.setValue(done)
        if message:
            self.say(message)

    def cancel_jobs(self) -> None:
        for w in self.jobs:
            w.cancel()
        self.say("Cancelling…")

    def say(self, text: str, error: bool = False, tip: str = "", topic: str = "") -> None:
        """A message in the status bar (in the error colour when ``error``). A message about a state that can
        end ("3 conflicts need a decision") names its ``topic``, so ``retract`` can take it back when it does."""
        show_status(self.job_label, text, error)
        self.job_label.setToolTip(tip)
        self.job_label.setProperty("topic", topic)

    def retract(self, topic: str, replacement: str = "") -> None:
        """The status bar's message about ``topic`` is no longer true: replace it (or clear it)."""
        if topic and self.job_label.property("topic") == topic:
            self.say(replacement)

    def show_error(self, message: str, topic: str = "") -> None:
        """A readable message in the status bar; longer ones also in a dialog that does not block jobs."""
        self.say(message.splitlines()[0] if message else "Error", error=True, tip=message, topic=topic)
        self.last_error = message
        if len(message) > 90 or "\n" in message:
            box = QMessageBox(QMessageBox.Icon.Warning, "refdesk", message, QMessageBox.StandardButton.Ok, self)
            box.setObjectName("errorBox")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    # -- adding -------------------------------------------------------------
    def open_add_dialog(self, text: str = "", start: bool = False) -> Any:
        from refdesk.gui.add_dialog import AddDialog

        dlg = AddDialog(self.ctx, self.pool, self, text)
        dlg.imported.connect(self._imported)
        dlg.journal_requested.connect(self.open_journal_picker)
        self._show_dialog("add", dlg)
        if start and text:
            dlg.start()
        return dlg

    def _imported(self, summary: jobs.ImportSummary) -> None:
        self.say(summary.message(), error=bool(summary.failed),
                 tip="\n".join(why for _text, why in summary.failed))
        # a 100,000-record file: the first ones selected, not all
        self.notify(Changes.of(summary.keys, tags=True), select=summary.keys[:SELECT_AFTER_IMPORT])

    def open_journal_picker(self, issn: str) -> Any:
        from refdesk.gui import journal_picker as ui

        dlg = ui.JournalPicker(self.ctx, self.pool, issn, self)
        dlg.imported.connect(self._imported)
        return self._show_dialog("journal", dlg)

    def import_file(self, path: str | None = None) -> Worker | None:
        """Import a RIS, BibTeX or CSL-JSON file in a worker (duplicates merge into what is there)."""
        if path is None:
            from refdesk.gui.folders import remember_folder, start_folder

            path, _ = QFileDialog.getOpenFileName(
                self, "Import from File", start_folder("import"), "Bibliographies (*.ris *.bib *.json);;All files (*)"
            )
            if not path:
                return None
            remember_folder("import", path)
        from refdesk.identifiers import Identifier, Kind

        ident = Identifier(Kind.FILE, path)
        ctx = self.ctx
        return self.run_job(lambda task: jobs.import_identifier(ctx, task, ident), name="import-file",
                            on_result=self._imported, busy=f"Importing {Path(path).name}…")

    def import_paths(self, paths: list[str]) -> Worker | None:
        """Import several files in one worker; a file that cannot be read is named and the others go on."""
        if len(paths) == 1:
            return self.import_file(paths[0])
        from refdesk.identifiers import Identifier, Kind

        items = [(path, Identifier(Kind.FILE, path)) for path in paths]
        ctx = self.ctx

        def done(summary: jobs.ImportSummary) -> None:
            self._imported(summary)
            if summary.failed:
                self.show_error(f"{summary.message()}\n\n" + "\n".join(why for _path, why in summary.failed))

        return self.run_job(lambda task: jobs.import_identifiers(ctx, task, items, f"{len(paths)} files"),
                            name="import-file", on_result=done, busy=f"Importing {len(paths)} files…")

    def paste_identifier(self) -> None:
        """Ctrl+V on the table: an identifier is added at once; anything else (a list, text that is not an
        identifier) opens the Add dialog with it, which says what each line is or why it cannot be added."""
        text = QGuiApplication.clipboard().text()
        if not text.strip():
            self.show_error("The clipboard holds no text to add: copy a URL, DOI, ISSN or ISBN first")
            return
        self.open_add_dialog(text.strip(), start=looks_like_identifier(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste) and not isinstance(self.focusWidget(), QLineEdit):
            self.paste_identifier()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if (mime.hasUrls() and mime.urls()) or (mime.hasText() and mime.text().strip()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Dropped files are imported (all of them); dropped links and text go to the Add dialog, which imports
        a single identifier at once and shows anything else (a list, an address it refuses) with the reason."""
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        text = "\n".join(u.toString() for u in urls if not u.isLocalFile())
        if not urls and mime.hasText():
            text = mime.text().strip()
        if not files and not text:
            return
        event.acceptProposedAction()
        if files:
            self.import_paths(files)
        if text:
            self.open_add_dialog(text, start=looks_like_identifier(text))

    # -- export and citations -------------------------------------------------
    def export_selected(self, path: str | None = None, fmt: str | None = None) -> Worker | None:
        keys = self.selected_keys()
        if not keys:
            self.show_error("Select the items to export first", topic="selection")
            return None
        if path is None:
            from refdesk.gui.folders import items, remember_folder, start_folder

            filters = ";;".join(f for f, _ in EXPORT_FORMATS.values())
            path, chosen = QFileDialog.getSaveFileName(self, f"Export {items(len(keys))}",
                                                       str(Path(start_folder("export")) / "references.ris"), filters)
            if not path:
                return None
            remember_folder("export", path)
            fmt = next((k for k, (f, _) in EXPORT_FORMATS.items() if f == chosen), "ris")
            if not Path(path).suffix:
                path += EXPORT_FORMATS[fmt][1]
        fmt = fmt or next((k for k, (_, suffix) in EXPORT_FORMATS.items() if path.endswith(suffix)), "ris")
        target = Path(path)
        ctx = self.ctx
        return self.run_job(
            lambda task: jobs.export_records(ctx, task, keys, fmt, target),
            name="export",
            busy=f"Exporting {len(keys)} item{'s' if len(keys) != 1 else ''}…",
            on_result=lambda n: self.say(f"Exported {n:,} item{'s' if n != 1 else ''} to {target.name}"),
        )

    def copy_citation(self, kind: str, style: str) -> str:
        """Put a citation or bibliography of the selection on the clipboard (HTML and plain text).

        Up to ``CITE_AT_ONCE`` items are formatted at once (the text is returned); more go to a worker.
        """
        keys = self.selected_keys()
        if not keys:
            self.show_error("Select the items to cite first", topic="selection")
            return ""
        ctx = self.ctx

        def render(_task: Any = None) -> Any:
            from refdesk.gui import citations

            records = [ctx.library.get(k) for k in keys]
            return citations.citation(records, style) if kind == "citation" else citations.bibliography(records, style)

        if len(keys) > CITE_AT_ONCE:
            self.run_job(render, name="cite", busy=f"Formatting {len(keys)} items…",
                         on_result=lambda rendered: self._put_citation(kind, rendered, len(keys)))
            return ""
        try:
            rendered = render()
        except RefdeskError as exc:
            self.show_error(str(exc))
            return ""
        except Exception as exc:  # citeproc-py on odd data: say so, never crash
            log.exception("citation failed")
            self.show_error(f"Could not format the citation: {exc}")
            return ""
        self._put_citation(kind, rendered, len(keys))
        return str(rendered.text)

    def _put_citation(self, kind: str, rendered: Any, count: int) -> None:
        mime = QMimeData()
        mime.setText(rendered.text)
        mime.setHtml(rendered.html)
        QGuiApplication.clipboard().setMimeData(mime)
        what = "Citation" if kind == "citation" else "Bibliography"
        self.say(f"{what} copied ({count} item{'s' if count != 1 else ''})")

    # -- deleting -------------------------------------------------------------
    def delete_selected(self, confirm: bool = True) -> Worker | None:
        """Move the selection to the Trash with its children, or in the Trash delete it for good (a worker, one
        transaction; each change is journaled for sync)."""
        keys = self.selected_keys()
        in_trash = self.sources.in_trash()
        if not keys:
            self.show_error("Select the items to delete first", topic="selection")
            return None
        n = len(keys)
        items = f"{n} item{'s' if n != 1 else ''}"
        if confirm:
            question = (f"Delete {items} for good? This cannot be undone, and Zotero deletes {'them' if n != 1 else 'it'} "
                        "at the next sync." if in_trash else f"Move {items} to the Trash, with {'their' if n != 1 else 'its'} notes and "
                        "attachments?")
            answer = QMessageBox.question(self, "Delete Permanently" if in_trash else "Move to Trash", question)
            if answer != QMessageBox.StandardButton.Yes:
                return None
        self.item_pane.show_record(None)
        ctx = self.ctx

        def done(count: int) -> None:
            self.notify(Changes.of(keys, trash=True), select=[])
            self.say(f"Deleted {count} item{'s' if count != 1 else ''} for good" if in_trash
                     else f"Moved {count} item{'s' if count != 1 else ''} to the Trash")

        if in_trash:
            return self.run_job(lambda task: jobs.empty_trash(ctx, keys), name="delete", busy=f"Deleting {items}…",
                                on_result=done)
        return self.run_job(lambda task: jobs.remove_records(ctx, keys), name="delete", busy=f"Moving {items} to the Trash…",
                            on_result=done)

    def restore_selected(self) -> Worker | None:
        """Bring the selection back from the Trash (with children, and a child's parent)."""
        keys = self.selected_keys()
        if not keys or not self.sources.in_trash():
            self.show_error("Select items in the Trash to restore first")
            return None
        ctx = self.ctx

        def done(count: int) -> None:
            self.notify(Changes.of(keys, trash=True), select=[])
            self.say(f"Restored {count} item{'s' if count != 1 else ''} to the library")

        return self.run_job(lambda task: jobs.restore_records(ctx, keys), name="restore", busy="Restoring…", on_result=done)

    def empty_trash(self, confirm: bool = True) -> Worker | None:
        """Delete everything in the Trash for good, after asking."""
        n = self.reader.count(trash=True)
        if not n:
            self.say("The Trash is already empty")
            return None
        if confirm:
            answer = QMessageBox.question(
                self, "Empty Trash", f"Delete the {n:,} item{'s' if n != 1 else ''} in the Trash for good? This cannot be "
                "undone, and Zotero deletes them at the next sync.")
            if answer != QMessageBox.StandardButton.Yes:
                return None
        ctx = self.ctx

        def done(count: int) -> None:
            self.notify(Changes(trash=True), select=[])
            self.say(f"Emptied the Trash: {count} item{'s' if count != 1 else ''} deleted for good")

        return self.run_job(lambda task: jobs.empty_trash(ctx, None), name="empty-trash", busy="Emptying the Trash…",
                            on_result=done)

    # -- sync, plugins, review (dialogs in their own modules) ------------------
    def update_sync_label(self) -> None:
        """'Last sync: <local time> · N changes to upload' (the count only once connected to Zotero; the same
        count as ``refdesk zotero status``'s changes and deletions, over the libraries synced)."""
        st = self.sync_status()
        last, pending = st.last_sync, st.pending
        text = f"Last sync: {local_time(str(last))}" if last else "Not synced"
        if self.ctx.settings.zotero_user_id and pending:
            text += f" · {pending:,} change{'s' if pending != 1 else ''} to upload"
        self.sync_label.setText(text)

    def sync_status(self) -> status.SyncStatus:
        """How the libraries the account syncs stand with Zotero (read through the window's reading connection)."""
        settings = self.ctx.settings
        ids = ["user", *[f"group:{g}" for g in settings.zotero_groups]] if settings.zotero_user_id else ["user"]
        return status.sync_status(self.reader, ids)

    def _show_dialog(self, name: str, dlg: QDialog) -> QDialog:
        """Open ``dlg`` without blocking the window; it is deleted when closed (``dialogs`` keeps the last one
        of each kind, for tests)."""
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs[name] = dlg
        dlg.open()
        return dlg

    def sync_now(self) -> None:
        from refdesk.gui import sync_ui as ui

        ui.start_sync(self)

    def open_account_dialog(self) -> Any:
        from refdesk.gui import sync_ui as ui

        return self._show_dialog("account", ui.AccountDialog(self.ctx, self.pool, self))

    def open_conflicts_dialog(self) -> Any:
        from refdesk.gui import sync_ui as ui

        dlg = ui.ConflictsDialog(self.ctx, self)
        dlg.resolved.connect(lambda: self.notify(Changes(all_items=True, sync=True)))
        dlg.resolved.connect(self._conflicts_settled)
        return self._show_dialog("conflicts", dlg)

    def _conflicts_settled(self) -> None:
        """After the conflicts dialog settled some: the sync's "N conflicts need a decision" says what is left."""
        from refdesk.zotero.conflicts import list_conflicts

        left = len(list_conflicts(self.ctx.library))
        if left:
            self.retract("conflicts", f"{left} sync conflict{'s need' if left != 1 else ' needs'} a decision")
            self.job_label.setProperty("topic", "conflicts")
        else:
            self.retract("conflicts", "All sync conflicts are settled; the next sync sends the result to Zotero")

    def enrich_selected(self) -> None:
        from refdesk.gui import review_dialog as ui

        ui.start_enrich(self, self.selected_keys())

    def open_review_dialog(self, keys: list[str] | None = None) -> Any:
        from refdesk.gui import review_dialog as ui

        dlg = ui.ReviewDialog(self.ctx, self, keys)
        dlg.applied.connect(lambda changed: self.notify(Changes.of(changed, suggestions=True, tags=True)))
        dlg.finished.connect(lambda _result: self.notify(suggestions=True))
        return self._show_dialog("review", dlg)

    def update_review_count(self) -> int:
        """'Review (N)' on the toolbar while add-ons' suggestions wait for a decision."""
        pending = status.pending_suggestions(self.reader)
        self.act_review.setIconText(f"Review ({pending:,})" if pending else "Review")
        if not pending:  # "Add-ons proposed 15 values…" is over once they are all decided
            self.retract("review", "Every suggestion has been reviewed")
        return pending

    def open_plugins_dialog(self) -> Any:
        from refdesk.gui import plugins_dialog as ui

        return self._show_dialog("plugins", ui.PluginsDialog(self.ctx, self.pool, self))

    def about(self) -> None:
        from refdesk import __version__

        QMessageBox.about(
            self, "About refdesk",
            f"<b>refdesk {__version__}</b><br>A reference manager for researchers: import by URL, DOI or ISSN, "
            "two-way Zotero sync, enrichment add-ons.<br><br>Library: " + str(self.ctx.library_path),
        )
