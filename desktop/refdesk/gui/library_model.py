"""The item table's model: a lazy view over ``Library.rows``/``Library.count``.

The model knows only how many rows match (one COUNT) and loads pages of
``PAGE`` rows when the view asks for them, keeping a bounded cache of pages; so a
library of 100,000 records opens with one page read, and scrolling to the end
reads only the pages that come into view. Sorting and filtering are SQL
(``order=``, ``search=`` is the FTS5 index), never done here.

Search as you type does not count on the GUI thread: a keystroke reads the first
page only. Fewer than ``PAGE`` rows is the exact count; a full page shows as
"100+" until typing pauses for ``COUNT_PAUSE_MS``, then a ``Counter`` counts on a
connection of its own in a worker, and the exact count arrives as inserted rows
(no reset: the view keeps its place). When the first page of the new search is the
rows already shown (the last letters of a word rarely change them), the table is
not reset at all: nothing is repainted and the selection stays.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from refdesk.gui.workers import WorkerPool
from refdesk.library import Library, Row
from refdesk.library.store import Anchor, Order

log = logging.getLogger(__name__)

PAGE = 100  # about three screens: small enough that a search shows its first rows quickly
MAX_PAGES = 100  # pages kept in memory (100 * 100 rows), the least recently used go first
#: A search's count waits for this pause in typing: the keystroke's page read and paint keep the CPU
#: (two cores are common), and a word typed fast is counted once, not once per letter.
COUNT_PAUSE_MS = 100

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    name: str  # stable id, saved in settings
    title: str  # header text
    attr: str  # attribute of library.Row
    order: Order | None  # how the library sorts by it (None: not sortable)
    width: int  # default width in pixels
    default_descending: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("title", "Title", "title", "title", 320),  # takes the width the others leave
    Column("creators", "Creator", "creators", "creators", 140),
    Column("year", "Year", "year", "year", 52, default_descending=True),
    Column("publication", "Publication", "publication", "publication", 170),
    Column("added", "Date Added", "date_added", "added", 138, default_descending=True),
    Column("itemType", "Item Type", "item_type", None, 120),
)
HIDDEN_BY_DEFAULT = frozenset({"itemType"})

KeyRole = int(Qt.ItemDataRole.UserRole) + 1
#: A row's place in the item tree: 0 an item with no notes or attachments, 1 one whose are hidden, 2 one whose are
#: shown, -1 a note or attachment shown under its parent (``child_items.py`` draws the twisty and the indent).
TreeRole = int(Qt.ItemDataRole.UserRole) + 2
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, KeyRole, TreeRole, _DECORATION})
#: What a drag of rows from the table carries: their keys, as a JSON list (a drop on a collection adds them).
KEYS_MIME = "application/x-refdesk-item-keys"
#: The icons of the tree (set by ``child_items.install``; none in a model without a window).
TREE_ICONS: dict[int | str, Any] = {}
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled  # asked per cell painted


def _display_added(value: str) -> str:
    """'2026-11-25T06:03:00Z' -> '2026-11-25 06:03' (what a person reads in a column)."""
    return value.replace("T", " ")[:16] if value else ""


class Filter(NamedTuple):
    """What the table shows: the search, library, collection (or ``TRASH``), tags it must have, and the
    subcollections shown with the collection ("Show Items from Subcollections")."""

    search: str | None
    library_id: str | None
    collection: str | None
    tags: tuple[str, ...] = ()
    subcollections: tuple[str, ...] = ()

    def collections(self) -> str | tuple[str, ...] | None:
        """The ``collection`` argument of ``Library.rows``/``count``: one key, or it with its subcollections."""
        if not self.collection or self.collection == TRASH:
            return None
        return (self.collection, *self.subcollections) if self.subcollections else self.collection


#: The left pane's Trash, shown like a collection: a name no collection key can be.
TRASH = ":trash"


def count_of(library: Library, where: Filter) -> int:
    """How many rows a filter shows; the Trash lists trashed items (all of them: a child trashed alone is there),
    everything else the top-level items outside it (their notes and attachments go under them)."""
    if where.collection == TRASH:
        return library.count(where.search, where.library_id, None, trash=True, tags=where.tags)
    return library.count(where.search, where.library_id, where.collections(), tags=where.tags, top_level=True)


class Counter(QObject):
    """Counts matches in a worker, on a library connection of its own (opened there on first use), so a
    count never holds the table's connection. One count runs at a time; of the counts asked for
    meanwhile only the newest runs (typing fast skips the counts of the letters in between)."""

    counted = Signal(int, int)  # the ticket it was asked with, the count

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._library: Library | None = None
        self._pool = WorkerPool(self, max_threads=1)
        self._next: tuple[int, Filter] | None = None
        self._running = False
        self.counts = 0  # counts run (tests look at it)

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
        self.counts += 1
        self._pool.start(
            lambda _task: self._count(where), name="count",
            on_result=lambda n: self.counted.emit(ticket, n),
            on_error=lambda message: log.warning("counting the matches failed: %s", message),
            on_finished=self._finished,
        )

    def _count(self, where: Filter) -> int:
        if self._library is None:  # only this worker thread uses it, one count at a time
            self._library = Library.open(self.path)
        return count_of(self._library, where)

    def _finished(self) -> None:
        self._running = False
        self._start()

    def close(self) -> None:
        self._next = None
        self._pool.wait()
        if self._library is not None:
            self._library.close()
            self._library = None


class LibraryModel(QAbstractTableModel):
    """Rows of one library (or all), filtered by ``search`` and sorted by one column.

    With ``count_in_background`` a search's count runs in a worker (``Counter``); until it arrives
    ``exact`` is False, ``known`` is the first page's rows and ``rowCount()`` is that (after a reset) or
    the rows the table had (when it was kept, see ``set_search``).
    """

    counted = Signal()  # the exact count of a search arrived (rows were inserted or removed)

    def __init__(self, library: Library, parent: Any = None, count_in_background: bool = False) -> None:
        super().__init__(parent)
        self.library = library
        self.search: str | None = None
        self.library_id: str | None = None
        self.collection: str | None = None  # a collection key: only its members; TRASH: the Trash
        self.show_subcollections = False  # View > Show Items from Subcollections
        self.subcollections: tuple[str, ...] = ()  # shown with the collection, when show_subcollections
        self.tags: tuple[str, ...] = ()  # only items with every one of these (the tag selector)
        self._counts: dict[str, int] = {}  # notes and attachments per item, of the pages read
        self._counted_pages: set[int] = set()  # pages whose items' children were counted
        #: items whose children are shown, by place among the items (not the rows): (place, key, children)
        self._open: list[tuple[int, str, list[Row]]] = []
        self.order: Order = "added"
        self.descending: bool | None = None
        self._count = 0
        self.exact = True  # False while a search's count runs in the background
        self.known = 0  # rows known to match: the count when exact, else the first page's rows
        self._closed = False
        self._ticket = 0  # which filter and load a background count belongs to
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self.page_reads = 0  # how many pages came from SQLite (tests and benchmarks look at it)
        self.counter: Counter | None = None
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_PAUSE_MS)
        self._count_timer.timeout.connect(self._ask_count)
        if count_in_background:
            self.counter = Counter(library.path, self)
            self.counter.counted.connect(self._counted)
        self.reload()

    def close(self) -> None:
        """Wait for a running count and close its connection (the window is closing, or a restore swaps the
        library file); no page is read until the next ``reload`` (the view may still ask, as focus moves while the
        window's widgets are hidden)."""
        self._closed = True
        self._count_timer.stop()
        if self.counter is not None:
            self.counter.close()

    # -- loading ------------------------------------------------------------
    def reload(self, count_later: bool = False, first: list[Row] | None = None) -> None:
        """Re-count and drop cached pages (after a filter or library change).

        ``count_later`` (a keystroke in the search box): read the first page now (or take ``first``,
        already read) and leave a full page's count to the ``Counter``.
        """
        self._closed = False  # the connections are open again (after a restore)
        self.beginResetModel()
        self._pages.clear()
        self._forget_children()
        self._ticket += 1
        self._count_timer.stop()
        if count_later and self.counter is not None and self.search:
            if first is not None:
                self._pages[0] = first
            self._count = len(self._page(0))
            self._count_later()
        else:
            self._count = self.known = count_of(self.library, self.where())
            self.exact = True
        self.endResetModel()

    def _count_later(self) -> None:
        """Page 0 is the new search's: a short page is the count, a full one is counted after a pause."""
        self.known = len(self._pages[0])
        self.exact = self.known < PAGE
        if not self.exact:
            self._count_timer.start()

    def _keep_table(self, first: list[Row]) -> None:
        """The new search's first page is the rows shown: no reset (see ``set_search``)."""
        self._ticket += 1  # a count still running was for the previous search
        self._count_timer.stop()
        self._pages.clear()  # the pages after the first were the previous search's
        self._counted_pages.clear()
        self._pages[0] = first
        self._count_later()
        if self.exact:  # a short page: the count, and the table may have had more rows
            self._resize(self.known)

    def _ask_count(self) -> None:
        if self.counter is not None and not self.exact:
            self.counter.ask(self._ticket, self.where())

    def _counted(self, ticket: int, count: int) -> None:
        """A background count arrived: grow (or shrink) the table to it, keeping the rows shown."""
        if ticket != self._ticket:
            return  # for an older search, or the table was re-read since
        self._resize(count)
        self.known = count
        self.exact = True
        self.counted.emit()

    def _resize(self, count: int) -> None:
        """Rows added or taken away at the end (no reset: the view keeps its place and selection)."""
        old = self._count
        if self._open and count < old and self._open[-1][0] >= count:  # shown children of items now gone
            self.beginResetModel()
            self._forget_children()
            self._count = count
            self.endResetModel()
            return
        extra = self._extra()
        if count > old:
            self.beginInsertRows(QModelIndex(), old + extra, count + extra - 1)
            self._count = count
            self.endInsertRows()
        elif count < old:
            self.beginRemoveRows(QModelIndex(), count + extra, old + extra - 1)
            self._count = count
            self.endRemoveRows()

    def invalidate(self) -> None:
        """Rows changed but not how many (an edit): drop cached pages and repaint, keeping the selection."""
        self._pages.clear()
        self._counted_pages.clear()
        if self._open and not self._reread_children():
            return
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def refresh(self) -> None:
        """Re-read after the library changed underneath (import, edit, delete, sync)."""
        self.reload()

    def set_search(self, text: str, keep_first_page: bool = False) -> bool:
        """Filter by ``text``; False when the table was not reset (the same search, or the first page kept).

        ``keep_first_page`` (the caller knows the view shows and selects nothing past the first page):
        when the new first page is the one shown, keep the table as it is instead of resetting it.
        """
        search = text.strip() or None
        if search == self.search:
            return False
        self.search = search
        first = None
        if keep_first_page and self.counter is not None and search:
            first = self._read(0)
            if first == self._pages.get(0):
                self._keep_table(first)
                return False
        self.reload(count_later=True, first=first)
        return True

    def set_library(self, library_id: str | None, collection: str | None = None) -> None:
        """Show one library (None: all of them), or one collection of it (and its subcollections' items too, with
        ``show_subcollections``)."""
        subs: tuple[str, ...] = ()
        if self.show_subcollections and collection and collection != TRASH:
            from refdesk.library.collections import subcollections

            subs = tuple(subcollections(self.library, collection, library_id or "user"))
        if (library_id, collection, subs) == (self.library_id, self.collection, self.subcollections):
            return
        self.library_id = library_id
        self.collection = collection
        self.subcollections = subs
        self.reload(count_later=True)  # with a search, a library's matches are counted like a keystroke's

    def set_show_subcollections(self, on: bool) -> None:
        """View > Show Items from Subcollections: a collection lists its subcollections' items too."""
        self.show_subcollections = on
        collection, self.collection = self.collection, None  # shown again, with or without them
        self.set_library(self.library_id, collection)

    def set_tags(self, tags: Sequence[str]) -> None:
        """Show only the items with every one of ``tags`` (none: no tag filter)."""
        chosen = tuple(dict.fromkeys(tags))
        if chosen != self.tags:
            self.tags = chosen
            self.reload(count_later=True)

    def where(self) -> Filter:
        return Filter(self.search, self.library_id, self.collection, self.tags, self.subcollections)

    def _read(self, number: int) -> list[Row]:
        if self._closed:
            return []
        self.page_reads += 1
        where = self.where()
        in_trash = self.collection == TRASH
        return self.library.rows(
            offset=number * PAGE, limit=PAGE, order=self.order, search=self.search, library_id=self.library_id,
            descending=self.descending, collection=where.collections(), trash=in_trash, tags=self.tags,
            top_level=not in_trash, anchor=self._anchor(number),
        )

    def _anchor(self, number: int) -> Anchor | None:
        """The known row nearest to page ``number``: the last row of the nearest cached page before it, the first
        of the nearest after it, or the end of the table (when the count is exact). The library reads the page from
        it when that is nearer than the start, so a scroll step deep in a million rows reads a few thousand index
        entries instead of every row above it."""
        best: Anchor | None = Anchor(self._count) if self.exact else None
        distance = self._count - (number + 1) * PAGE if self.exact else None
        for other, page in self._pages.items():
            if not page or other == number:
                continue
            if other < number:
                here, near = other * PAGE + len(page) - 1, number * PAGE - (other * PAGE + len(page))
                row = page[-1]
            else:
                here, near, row = other * PAGE, other * PAGE - (number + 1) * PAGE, page[0]
            if distance is None or near < distance:
                best, distance = Anchor(here, row), near
        return best

    def _page(self, number: int) -> list[Row]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        page = self._read(number)
        self._pages[number] = page
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def _item_at(self, place: int) -> Row | None:
        """The item at ``place`` among the items (the rows without the children shown under them)."""
        if place < 0 or place >= self._count:
            return None
        page = self._page(place // PAGE)
        i = place % PAGE
        return page[i] if i < len(page) else None

    def row_at(self, row: int) -> Row | None:
        place, child = self._locate(row)
        if child >= 0:
            return next((kids[child] for p, _key, kids in self._open if p == place), None)
        return self._item_at(place)

    def key_at(self, row: int) -> str | None:
        r = self.row_at(row)
        return r.key if r else None

    def row_of_key(self, key: str, limit: int = 20 * PAGE) -> int | None:
        """Where ``key`` is, looking only at cached pages and shown children, then the first ``limit`` rows."""
        for place, _parent, kids in self._open:
            for i, r in enumerate(kids):
                if r.key == key:
                    return self._row_of_place(place) + 1 + i
        for number, page in self._pages.items():
            for i, r in enumerate(page):
                if r.key == key:
                    return self._row_of_place(number * PAGE + i)
        for place in range(min(self._count, limit)):
            item = self._item_at(place)
            if item is not None and item.key == key:
                return self._row_of_place(place)
        return None

    # -- child items (notes and attachments under their parent) ------------------
    def _forget_children(self) -> None:
        self._open = []
        self._counts.clear()
        self._counted_pages.clear()

    def _extra(self) -> int:
        return sum(len(kids) for _place, _key, kids in self._open)

    def _locate(self, row: int) -> tuple[int, int]:
        """(place among the items, index among its shown children or -1) of a table row."""
        shift = 0
        for place, _key, kids in self._open:
            at = place + shift
            if row <= at:
                break
            if row <= at + len(kids):
                return place, row - at - 1
            shift += len(kids)
        return row - shift, -1

    def _row_of_place(self, place: int) -> int:
        return place + sum(len(kids) for p, _key, kids in self._open if p < place)

    def children_of_row(self, row: int) -> int:
        """How many notes and attachments the item on ``row`` has (0 for a child row, and in the Trash)."""
        place, child = self._locate(row)
        r = self._item_at(place) if child < 0 else None
        if r is None or self.collection == TRASH or self._closed:
            return 0
        number = place // PAGE
        if number not in self._counted_pages:
            page = self._page(number)
            self._counts.update(self.library.child_counts([p.key for p in page]))
            self._counted_pages.add(number)
        return self._counts.get(r.key, 0)

    def tree_state(self, row: int) -> int:
        """``TreeRole`` of a row."""
        place, child = self._locate(row)
        if child >= 0:
            return -1
        if any(p == place for p, _key, _kids in self._open):
            return 2
        return 1 if self.children_of_row(row) else 0

    def is_open(self, row: int) -> bool:
        return self.tree_state(row) == 2

    def parent_row(self, row: int) -> int | None:
        """The row of the item a child row belongs to (None for an item's own row)."""
        place, child = self._locate(row)
        return self._row_of_place(place) if child >= 0 else None

    def expand(self, row: int) -> bool:
        """Show the notes and attachments of the item on ``row`` under it; False when it has none or is a child."""
        place, child = self._locate(row)
        r = self._item_at(place) if child < 0 else None
        if r is None or self.tree_state(row) != 1:
            return False
        kids = self.library.child_rows(r.key)
        if not kids:
            return False
        self.beginInsertRows(QModelIndex(), row + 1, row + len(kids))
        self._open.append((place, r.key, kids))
        self._open.sort(key=lambda entry: entry[0])
        self.endInsertRows()
        return True

    def collapse(self, row: int) -> bool:
        """Hide the children shown under the item on ``row``."""
        place, child = self._locate(row)
        entry = next((e for e in self._open if e[0] == place), None) if child < 0 else None
        if entry is None:
            return False
        self.beginRemoveRows(QModelIndex(), row + 1, row + len(entry[2]))
        self._open.remove(entry)
        self.endRemoveRows()
        return True

    def toggle(self, row: int) -> bool:
        return self.collapse(row) or self.expand(row)

    def expand_all(self) -> None:
        """Open every item of the pages read so far that has children (Zotero's "+")."""
        for row in reversed(range(self.rowCount())):
            place, child = self._locate(row)
            if child < 0 and (place // PAGE) in self._pages:
                self.expand(row)

    def collapse_all(self) -> None:
        if self._open:
            self.beginResetModel()
            self._open = []
            self.endResetModel()

    def _reread_children(self) -> bool:
        """After an edit: each open item's children read again; True when only their text can have changed
        (else the table was reset, with the items whose children still exist still open)."""
        fresh: list[tuple[int, str, list[Row]]] = []
        same = True
        for place, key, kids in self._open:
            r = self._item_at(place)
            now = self.library.child_rows(key) if r is not None and r.key == key else []
            same = same and len(now) == len(kids)
            if now:
                fresh.append((place, key, now))
        if same:
            self._open = fresh
            return True
        self.beginResetModel()
        self._open = fresh
        self._counted_pages.clear()
        self._counts.clear()
        self.endResetModel()
        return False

    # -- dragging rows onto a collection -------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [KEYS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        keys = [k for k in dict.fromkeys(self.key_at(i.row()) for i in sorted(indexes, key=lambda i: i.row())) if k]
        mime = QMimeData()
        mime.setData(KEYS_MIME, json.dumps(keys).encode())
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    # -- Qt model API ---------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count + self._extra()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None  # called for every role of every visible cell: answer the others fast
        r = self.row_at(index.row())
        if r is None:
            return None
        if role == KeyRole:
            return r.key
        col = COLUMNS[index.column()]
        if role in (_DECORATION, TreeRole):
            if col.name != "title" or (role == _DECORATION and not TREE_ICONS):
                return None
            state = self.tree_state(index.row())
            if role == TreeRole:
                return state
            return TREE_ICONS.get(r.item_type if state < 0 else state)
        value = str(getattr(r, col.attr))
        if col.name == "added":
            value = _display_added(value)
        elif col.name == "itemType":
            from refdesk.schema import item_type_label

            value = item_type_label(value)
        if role == _TOOLTIP:
            if col.name == "title" and self.tree_state(index.row()) > 0:
                n = self.children_of_row(index.row())
                more = f"{n} note{'s' if n != 1 else ''} or attachment{'s' if n != 1 else ''}"
                return f"{value}\n({more}: click the arrow, or press → / ←)" if len(value) > 60 else more
            return value if col.name == "title" and len(value) > 60 else None
        return value

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        col = COLUMNS[column]
        if col.order is None:
            return
        self.order = col.order
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.beginResetModel()  # the same rows in another order: no need to count them again
        self._pages.clear()
        self._forget_children()
        self.endResetModel()
