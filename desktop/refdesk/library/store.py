"""Records in SQLite: add, update, find duplicates, search, list, remove, journal.

Every write runs in one transaction; every local change is written to the
``changes`` journal and marks the item dirty, which is what sync uploads.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from refdesk.errors import LibraryError, NotFoundError
from refdesk.library.connection import connect
from refdesk.model import Provenance, Record, now_iso
from refdesk.names import creator_display, creators_summary
from refdesk.text import fold, title_key

Order = Literal["added", "title", "creators", "year", "publication"]
_ORDER_SQL = {
    "added": "date_added DESC, id DESC",
    "title": "title COLLATE NOCASE, id",
    "creators": "creators_text COLLATE NOCASE, id",
    "year": "year DESC, id DESC",
    "publication": "publication COLLATE NOCASE, id",
}
_TOKEN = re.compile(r"\w+", re.UNICODE)
#: Orders with an index to walk, and from how many search matches walking it beats sorting the matches.
_ORDER_INDEX = {
    "added": "items_added", "title": "items_title", "creators": "items_creators", "year": "items_year",
    "publication": "items_publication",
}
_SCAN_IN_ORDER_ABOVE = 2000
#: Each order's sort column, its collation, and its name in ``Row`` (an anchor's value to seek from); its default way.
_ORDER_COLUMN: dict[Order, tuple[str, str, str]] = {
    "added": ("date_added", "", "date_added"), "title": ("title", " COLLATE NOCASE", "title"),
    "creators": ("creators_text", " COLLATE NOCASE", "creators"), "year": ("year", "", "year"),
    "publication": ("publication", " COLLATE NOCASE", "publication"),
}
_DEFAULT_DESCENDING: dict[Order, bool] = {"added": True, "title": False, "creators": False, "year": True, "publication": False}
#: The top-level items (outside the Trash) whose notes, attachments or annotations (an annotation's PDF's parent
#: too) match a search: a top-level search shows them, as Zotero shows a matching note's parent. The children's index
#: (migration 11) is walked against the matches.
_PARENTS_OF_MATCHES = (
    "WITH RECURSIVE up(library_id, key) AS ("
    "SELECT library_id, parent_key FROM items INDEXED BY items_children WHERE parent_key IS NOT NULL AND trashed = 0"
    " AND id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
    " UNION SELECT items.library_id, items.parent_key FROM up JOIN items"
    " ON items.library_id = up.library_id AND items.key = up.key WHERE items.parent_key IS NOT NULL)"
    " SELECT items.id FROM up JOIN items ON items.library_id = up.library_id AND items.key = up.key"
    " WHERE items.parent_key IS NULL AND items.trashed = 0 ORDER BY items.id"
)
#: The columns of a ``Row``, in its order.
_ROW_COLUMNS = "key, item_type, title, creators_text, year, publication, date_added, id"
#: add_many batches from this size get a page cache of _BULK_CACHE_KIB (negative: KiB) while they are written.
_BULK_ROWS = 1000
_BULK_CACHE_KIB = -262144


@dataclass(frozen=True)
class Row:
    """What the item table shows: cheap to load a page of."""

    key: str
    item_type: str
    title: str
    creators: str
    year: str
    publication: str
    date_added: str
    id: int = 0  # the item's row: where an anchored page seeks from (``Anchor``)


@dataclass(frozen=True)
class Anchor:
    """A row the caller already has at ``place`` of the same listing, or (``row`` None) the end of a listing of
    ``place`` rows. A page near it is read from it (keyset paging): a page deep in a million rows then costs the
    rows between it and the anchor, where an offset walks every row before it (the app's table passes the
    nearest page it holds, so scrolling reads a few thousand index entries a step, whatever the depth)."""

    place: int
    row: Row | None = None


@dataclass(frozen=True)
class _Page:
    """One page asked of ``Library.rows`` or ``records``: the listing (filters, order, way) and where in it."""

    offset: int
    limit: int  # -1: to the end
    order: Order
    search: str | None
    library_id: str | None
    descending: bool
    collection: Collections | None
    trash: bool | None
    tags: tuple[str, ...]
    top_level: bool
    anchor: Anchor | None


@dataclass(frozen=True)
class _Seek:
    """Where a page's rows are read from: ``skip`` rows past ``row`` (None: past the start, or the end when
    ``backward``), in the listing's order or, ``backward``, against it (the rows then reversed), ``limit`` rows."""

    row: Row | None
    backward: bool
    skip: int
    limit: int

    @staticmethod
    def of(page: _Page) -> _Seek:
        """From the page's anchor when that skips fewer rows than its offset, else from the start."""
        a, offset, limit = page.anchor, page.offset, page.limit
        if a is not None and limit >= 0:
            if a.row is None:  # the end of a listing of a.place rows
                end = min(offset + limit, a.place)
                if a.place - end < offset:
                    return _Seek(None, True, a.place - end, max(end - offset, 0))
            elif 0 <= a.place < offset:
                return _Seek(a.row, False, offset - a.place - 1, limit)
            elif a.place >= offset + limit and a.place - offset - limit < offset:
                return _Seek(a.row, True, a.place - offset - limit, limit)
        return _Seek(None, False, offset, limit)

    def in_order(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return rows[::-1] if self.backward else rows


@dataclass(frozen=True)
class Change:
    id: int
    library_id: str
    item_key: str
    op: str
    fields: list[str]
    source: str
    at: str


@dataclass(frozen=True)
class ImportOutcome:
    record: Record
    status: Literal["added", "updated", "unchanged"]
    matched_by: str = ""  # "DOI", "URL" or "title, first author and year"


def normalize_url(url: str) -> str:
    """Dedupe form of a URL: scheme-less host lower-cased, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit(("", parts.netloc.lower().removeprefix("www."), path, parts.query, "")).lstrip("/")


def dedupe_title_key(record: Record, year: str | None = None) -> str | None:
    """``title|first author|year``, normalised; ``year`` when the caller already has it."""
    title = title_key(record.title)
    if not title:
        return None
    return f"{title}|{fold(record.first_creator_last_name())}|{record.year if year is None else year}"


#: What ``find_duplicate`` looks a record up by, in its order: DOI, URL, title key (as ``_columns`` stores them).
Dedupe = tuple[str | None, str | None, str | None]
_DEDUPE_COLUMNS = ("doi", "url", "title_key")
_DEDUPE_LABELS = ("DOI", "URL", "title, first author and year")


def _dedupe(record: Record, year: str | None = None) -> Dedupe:
    """The record's ``Dedupe`` values; ``year`` when the caller already has it."""
    url = record.get("url")
    return record.get("DOI").lower() or None, normalize_url(url) if url else None, dedupe_title_key(record, year)


def _dedupe_values(record: Record) -> Dedupe | None:
    """``_dedupe``, or None when it cannot be computed (an odd record, e.g. creators that are not objects: it takes
    ``import_record``'s way, which says what is wrong with it)."""
    try:
        return _dedupe(record)
    except Exception:
        return None


def _take(taken: list[set[str]], values: Dedupe | None) -> None:
    """Count ``values`` as held (by a record just stored) in ``taken``, one set per ``Dedupe`` column."""
    for held, value in zip(taken, values or (), strict=False):
        if value:
            held.add(value)


def _valid(record: Record) -> bool:
    """Whether ``validate`` passes (a record that fails goes through ``import_record``, which raises at its turn)."""
    try:
        record.validate()
    except Exception:
        return False
    return True


#: One collection's key, or several (a collection with its subcollections): their members together.
Collections = str | Sequence[str]


def _members(library_id: str | None, collection: Collections) -> tuple[str, list[Any]]:
    """``FROM ... WHERE`` of the member ids of a collection or of several (keys are unique within a library);
    with several, an item in two of them appears twice (``count(DISTINCT item_id)`` counts it once)."""
    keys = [collection] if isinstance(collection, str) else list(dict.fromkeys(collection)) or [""]
    test = "collection = ?" if len(keys) == 1 else f"collection IN ({','.join('?' * len(keys))})"
    if library_id:
        return f"FROM item_collections WHERE library_id = ? AND {test}", [library_id, *keys]
    return f"FROM item_collections WHERE {test}", keys


def _several(collection: Collections | None) -> bool:
    return collection is not None and not isinstance(collection, str) and len(set(collection)) > 1


#: An item's id is the second of its date added times this, plus its place among that second's items: ids then
#: follow date added even when a sync brings older items, so a search's page streams from the index (migration 9).
_ID_SECOND = 1 << 20


def _id_base(date_added: str) -> int:
    """The first id of the second of ``date_added`` (of now, when it is not an ISO moment)."""
    try:
        moment = datetime.fromisoformat(date_added.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(int(moment.timestamp()), 0) * _ID_SECOND


def _new_ids(conn: sqlite3.Connection, dates_added: Sequence[str]) -> list[int]:
    """Free ids for rows added with these dates, in order: each the next of its second (see ``_ID_SECOND``); past
    a million rows in one second, the next after every id (the library then sees that ids no longer follow)."""
    following: dict[int, int] = {}
    ids: list[int] = []
    for date_added in dates_added:
        base = _id_base(date_added)
        if base not in following:
            row = conn.execute("SELECT max(id) FROM items WHERE id >= ? AND id < ?", (base, base + _ID_SECOND)).fetchone()
            following[base] = base if row[0] is None else row[0] + 1
        new = following[base]
        if new >= base + _ID_SECOND:
            new = max(int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]), max(ids, default=0)) + 1
        else:
            following[base] = new + 1
        ids.append(new)
    return ids


def fts_query(text: str) -> str | None:
    """User text -> FTS5 query: every word must match, the last one as a prefix (type-ahead)."""
    words = _TOKEN.findall(text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


class Library:
    """One library file. Thread-safe: one connection guarded by a lock (SQLite serialises writes anyway)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._last_fts_count: tuple[str, int] | None = None  # (search, matches): picks the plan of rows()
        self._parents_cache: tuple[tuple[str, int, int], list[int]] | None = None  # see _parents_of_matches

    @classmethod
    def open(cls, path: Path | str) -> Library:
        p = Path(path)
        return cls(connect(p), p)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def reconnect(self) -> None:
        """Open the file again after ``close``: the app closes every connection for a restore (which refuses while
        any is open), then reconnects the same objects its panes and dialogs hold."""
        with self._lock:
            self._conn = connect(self.path)
            self._last_fts_count = None
            self._parents_cache = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -----------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write; nested calls join the outer transaction."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise LibraryError(f"The library {self.path} is locked by another program: {exc}") from None
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                try:
                    self._conn.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    self._conn.execute("ROLLBACK")
                    raise LibraryError(f"Could not save to the library {self.path}: {exc}") from None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row | tuple[Any, ...]]:
        """Run one statement and fetch all rows (for modules that own extra tables)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows (bulk writes of modules that own extra tables or columns)."""
        with self._lock:
            self._conn.executemany(sql, rows)

    # -- reading ----------------------------------------------------------
    def _record_from_row(self, row: tuple[Any, ...]) -> Record:
        item_id, key, data, version = row
        rec = Record(data=json.loads(data), key=key, version=version)
        for field, source, at in self._conn.execute(
            "SELECT field, source, at FROM provenance WHERE item_id = ?", (item_id,)
        ):
            rec.provenance[field] = Provenance(source, at)
        return rec

    def get(self, key: str, library_id: str | None = None) -> Record:
        with self._lock:
            if library_id is None:
                row = self._conn.execute("SELECT id, key, data, version FROM items WHERE key = ?", (key,)).fetchone()
            else:
                row = self._conn.execute(
                    "SELECT id, key, data, version FROM items WHERE key = ? AND library_id = ?", (key, library_id)
                ).fetchone()
            if row is None:
                raise NotFoundError(f"No record with key {key} in the library")
            return self._record_from_row(row)

    def library_of(self, key: str) -> str:
        with self._lock:
            row = self._conn.execute("SELECT library_id FROM items WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise NotFoundError(f"No record with key {key} in the library")
        return str(row[0])

    def exists(self, key: str) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM items WHERE key = ?", (key,)).fetchone() is not None

    def _where(
        self, search: str | None, library_id: str | None, collection: Collections | None = None,
        trash: bool | None = False, tags: Sequence[str] = (), top_level: bool = False,
    ) -> tuple[str, list[Any]]:
        """``WHERE`` of a listing; ``trash`` False keeps items outside the Trash, True only those in it, None both;
        ``tags`` keeps the items that have every one of them; ``top_level`` leaves out child items (notes,
        attachments, annotations) except in a collection, which never holds children (Zotero refuses them), and
        a search of top-level items also finds the item whose note, attachment or annotation matches (as Zotero
        shows a matching note's parent).

        Items in the Trash are not in the search index, so a search of the Trash reads its (few) rows' text.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if trash is not None:
            clauses.append("trashed = 1" if trash else "trashed = 0")
        if collection:
            members, params = _members(library_id, collection)
            clauses.append(f"id IN (SELECT item_id {members})")
        elif top_level:
            clauses.append("parent_key IS NULL")
        for tag in tags:
            clauses.append("id IN (SELECT item_id FROM item_tags WHERE tag = ?)")
            params.append(tag)
        if search and trash:
            words = _TOKEN.findall(search)
            if not words:
                return "WHERE 0", []
            for word in words:
                clauses.append("(title LIKE ? OR creators_text LIKE ? OR publication LIKE ?)")
                params.extend([f"%{word}%"] * 3)
        elif search:
            q = fts_query(search)
            if q is None:
                return "WHERE 0", []
            parents = self._parents_of_matches(search) if top_level else []
            if parents:  # as ids, so a plan walking an order index tests them without reading the row
                clauses.append("(id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
                               " OR id IN (SELECT value FROM json_each(?)))")
                params.extend([q, json.dumps(parents)])
            else:
                clauses.append("id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
                params.append(q)
        if library_id and not collection:  # a collection's members are already of its library
            clauses.append("library_id = ?")
            params.append(library_id)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count(
        self, search: str | None = None, library_id: str | None = None, collection: Collections | None = None,
        trash: bool | None = False, *, tags: Sequence[str] = (), top_level: bool = False,
    ) -> int:
        """How many records match; ``collection`` (a collection key, or several) keeps only their members;
        ``trash``, ``tags`` and ``top_level`` as ``_where``."""
        top = top_level and not collection
        if tags:
            pass  # the general count below: the tag's rows pick the candidates
        elif search and not library_id and not collection and trash is False and not (top and self._parents_of_matches(search)):
            n = self._fts_count(search)  # the index holds exactly the items outside the Trash
            return n - self._children_matching(search, n) if top else n
        elif not search and trash is False:
            # everything minus the Trash (and the children): each count walks an index, where "trashed = 0"
            # would read every row
            n = self.count(None, library_id, collection, None) - self.count(None, library_id, collection, True)
            return n - self._child_count(library_id) if top else n
        elif collection and not search and trash is None:
            members, params = _members(library_id, collection)
            what = "count(DISTINCT item_id)" if _several(collection) else "count(*)"
            with self._lock:
                return int(self._conn.execute(f"SELECT {what} {members}", params).fetchone()[0])
        where, params = self._where(search, library_id, collection, trash, tags, top_level)
        with self._lock:
            return int(self._conn.execute(f"SELECT count(*) FROM items {where}", params).fetchone()[0])

    def _children_matching(self, search: str, matches: int) -> int:
        """Child items among a search's ``matches`` (a note is found by its text); 0 at once without children.

        Fewer matches than children: look each match up; else walk the children's index against the matches.
        """
        q = fts_query(search)
        children = self._child_count(None) if q is not None and matches else 0
        if not children:
            return 0
        index = " INDEXED BY items_children" if matches > children else ""
        with self._lock:
            return int(self._conn.execute(
                f"SELECT count(*) FROM items{index} WHERE parent_key IS NOT NULL AND trashed = 0"
                " AND id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)", (q,)).fetchone()[0])

    def _parents_of_matches(self, search: str) -> list[int]:
        """Ids of the top-level items a search finds through their children (``_PARENTS_OF_MATCHES``); none at once
        in a library without children. Kept for the same search until the library changes (a page of the table and
        its count ask the same), so the table's pages do not repeat it."""
        q = fts_query(search)
        if q is None or not self._has_children():
            return []
        with self._lock:
            state = (search, self._conn.execute("PRAGMA data_version").fetchone()[0], self._conn.total_changes)
            if self._parents_cache is None or self._parents_cache[0] != state:
                self._parents_cache = (state, [r[0] for r in self._conn.execute(_PARENTS_OF_MATCHES, (q,))])
            return self._parents_cache[1]

    def _has_children(self) -> bool:
        """Whether any note, attachment or annotation is outside the Trash (one step into their index): without
        any, a top-level search is the search index's matches as they are, and keeps its fast plans."""
        with self._lock:
            return bool(self._conn.execute(
                "SELECT EXISTS (SELECT 1 FROM items INDEXED BY items_children WHERE parent_key IS NOT NULL"
                " AND trashed = 0)").fetchone()[0])

    def _child_count(self, library_id: str | None) -> int:
        """Child items outside the Trash, counted in their own index (migration 11) without reading a row."""
        sql = "SELECT count(*) FROM items INDEXED BY items_children WHERE parent_key IS NOT NULL AND trashed = 0"
        with self._lock:
            if library_id:
                return int(self._conn.execute(sql + " AND library_id = ?", (library_id,)).fetchone()[0])
            return int(self._conn.execute(sql).fetchone()[0])

    def _fts_count(self, search: str) -> int:
        """Matches of a search, counted in the FTS index alone (its rows are the items, one to one)."""
        q = fts_query(search)
        if q is None:
            return 0
        with self._lock:
            n = int(self._conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", (q,)).fetchone()[0])
        self._last_fts_count = (search, n)
        return n

    def rows(
        self,
        offset: int = 0,
        limit: int = 100,
        order: Order = "added",
        search: str | None = None,
        library_id: str | None = None,
        descending: bool | None = None,
        collection: Collections | None = None,
        trash: bool | None = False,
        *,
        tags: Sequence[str] = (),
        top_level: bool = False,
        anchor: Anchor | None = None,
    ) -> list[Row]:
        """One page of the item table, straight from indexed columns (no JSON parsing); ``collection``, ``trash``,
        ``tags`` and ``top_level`` as ``_where``; ``anchor``, a row the caller already has, lets a page far from
        the start be read from it (see ``Anchor``). ``_plan`` picks how the page is read; every plan gives the same
        rows in the same order."""
        page = _Page(offset, limit, order, search, library_id,
                     _DEFAULT_DESCENDING[order] if descending is None else descending, collection, trash,
                     tuple(tags), top_level, anchor)
        with self._lock:
            return [Row(*r) for r in self._plan(page)(_ROW_COLUMNS, page)]

    def _plan(self, page: _Page) -> Callable[[str, _Page], list[tuple[Any, ...]]]:
        """How to read ``page``, from what the library holds now (a stale guess changes the speed, never the rows).

        * ``_page_from_search_index``: a search in date-added order while ids follow date added (migration 9);
        * ``_page_walking_order_index``: a search or collection keeping more than ``_SCAN_IN_ORDER_ABOVE`` rows;
        * ``_page_planned_by_sqlite``: everything else (no search, a narrow one, the Trash, a tag filter alone).
        """
        if page.trash is False and not page.tags and self._streams_from_search_index(page):
            return self._page_from_search_index
        if page.trash is False and self._keeps_many(page):
            return self._page_walking_order_index
        return self._page_planned_by_sqlite

    def _page_from_search_index(self, columns: str, page: _Page) -> list[tuple[Any, ...]]:
        """A search's page read in the search index's rowid order, which is date-added order while ids follow it.

        Why: FTS5 hands its matches over one by one in rowid order, so the page costs what it shows, where the
        other plans collect every match first (half the library, for a common word). An anchor is a rowid bound.
        """
        q = fts_query(page.search or "")
        if q is None:
            return []
        seek = _Seek.of(page)
        ascending = page.descending == seek.backward
        picked = ", ".join(f"items.{c.strip()}" for c in columns.split(","))
        sql = (
            f"SELECT {picked} FROM items_fts JOIN items ON items.id = items_fts.rowid WHERE items_fts MATCH ?"
            f"{' AND items.library_id = ?' if page.library_id else ''}"
            f"{' AND items.parent_key IS NULL' if page.top_level else ''}"
            f"{(' AND items_fts.rowid > ?' if ascending else ' AND items_fts.rowid < ?') if seek.row else ''}"
            f" ORDER BY items_fts.rowid {'ASC' if ascending else 'DESC'} LIMIT ? OFFSET ?"
        )
        params = [q, *([page.library_id] if page.library_id else []), *([seek.row.id] if seek.row else []),
                  seek.limit, seek.skip]
        return seek.in_order(self._conn.execute(sql, params).fetchall())

    def _page_walking_order_index(self, columns: str, page: _Page) -> list[tuple[Any, ...]]:
        """Walk the order's index and keep the rows that pass the filters, instead of collecting every match and
        sorting it (what SQLite picks by itself): 10x faster for a type-ahead search that keeps half the library.
        The order indexes hold the Trash flag, the parent and the library (migration 12), so rows that fail
        those filters are skipped without reading them."""
        return self._page_sql(columns, page, f" INDEXED BY {_ORDER_INDEX[page.order]}")

    def _page_planned_by_sqlite(self, columns: str, page: _Page) -> list[tuple[Any, ...]]:
        """SQLite's own plan: with no search or collection it walks the order's index (filtering on its columns);
        a narrow search, a small collection or the Trash starts from the few matches and sorts them."""
        return self._page_sql(columns, page, "")

    def _page_sql(self, columns: str, page: _Page, indexed: str) -> list[tuple[Any, ...]]:
        where, params = self._where(page.search, page.library_id, page.collection, page.trash, page.tags,
                                    page.top_level)
        seek = _Seek.of(page)
        column, collate, row_attr = _ORDER_COLUMN[page.order]
        ascending = page.descending == seek.backward
        direction = "ASC" if ascending else "DESC"
        if seek.row is not None:  # the collation on the value's side: so SQLite seeks the index to it
            where += (" AND " if where else "WHERE ") + f"({column}, id) {'>' if ascending else '<'} (?{collate}, ?)"
            params = [*params, getattr(seek.row, row_attr), seek.row.id]
        sql = (f"SELECT {columns} FROM items{indexed} {where} ORDER BY {column}{collate} {direction}, id {direction}"
               " LIMIT ? OFFSET ?")
        return seek.in_order(self._conn.execute(sql, [*params, seek.limit, seek.skip]).fetchall())

    def _streams_from_search_index(self, page: _Page) -> bool:
        """Whether ``_page_from_search_index`` gives this page: a search, no collection, date-added order, ids
        that follow date added, and no matching child item to bring its parent in (the index's order is the child's)."""
        return (bool(page.search) and not page.collection and page.order == "added" and self._ids_follow_added()
                and not (page.top_level and self._parents_of_matches(page.search or "")))

    def _ids_follow_added(self) -> bool:
        """Whether date added never decreases as ids grow (kept by triggers, migration 9)."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM library_state WHERE name = 'ids_follow_added'").fetchone()
        return bool(row and row[0])

    def _keeps_many(self, page: _Page) -> bool:
        """Whether a search or collection keeps so many rows (over ``_SCAN_IN_ORDER_ABOVE``) that walking the
        order's index beats sorting them; a small collection or a narrow search is cheaper to start from and sort.
        The search's count is the one ``count`` just made when it was for this search, else counted up to the
        threshold."""
        if not (page.search or page.collection):
            return False
        if page.collection:
            members, params = _members(page.library_id, page.collection)
            with self._lock:
                sql = f"SELECT count(*) FROM (SELECT 1 {members} LIMIT ?)"
                if self._conn.execute(sql, [*params, _SCAN_IN_ORDER_ABOVE + 1]).fetchone()[0] <= _SCAN_IN_ORDER_ABOVE:
                    return False
        if page.search:
            cached = self._last_fts_count
            n = (cached[1] if cached and cached[0] == page.search
                 else self._fts_count_above(page.search, _SCAN_IN_ORDER_ABOVE))
            if n <= _SCAN_IN_ORDER_ABOVE:
                return False
        return True

    def _fts_count_above(self, search: str, limit: int) -> int:
        """Matches of a search, counted only up to ``limit + 1``: enough to pick a plan, and stops early."""
        q = fts_query(search)
        if q is None:
            return 0
        with self._lock:
            sql = "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)"
            return int(self._conn.execute(sql, (q, limit + 1)).fetchone()[0])

    def records(
        self, search: str | None = None, limit: int | None = None, offset: int = 0, order: Order = "added",
        library_id: str | None = None, trash: bool | None = False, *, top_level: bool = False,
    ) -> list[Record]:
        """Full records of a listing (outside the Trash unless ``trash`` says otherwise; ``top_level`` as ``_where``);
        a page (``limit``) is read by the plan ``rows`` would use, the whole listing by SQLite's."""
        page = _Page(offset, -1 if limit is None else limit, order, search, library_id, _DEFAULT_DESCENDING[order],
                     None, trash, (), top_level, None)
        with self._lock:
            plan = self._page_planned_by_sqlite if limit is None else self._plan(page)
            return [self._record_from_row(r) for r in plan("id, key, data, version", page)]

    def keys(self, library_id: str | None = None, trash: bool | None = None) -> list[str]:
        """Keys in id order; every item unless ``trash`` is False (outside the Trash) or True (in it)."""
        where, params = self._where(None, library_id, None, trash)
        with self._lock:
            return [r[0] for r in self._conn.execute(f"SELECT key FROM items {where} ORDER BY id", params)]

    # -- child items --------------------------------------------------------
    def child_counts(self, keys: Sequence[str], trash: bool | None = False) -> dict[str, int]:
        """How many notes and attachments each of ``keys`` has (annotations belong to their PDF, not counted);
        keys without any are left out. One indexed query for a page of the item table."""
        out: dict[str, int] = {}
        trashed = "" if trash is None else f" AND trashed = {int(trash)}"
        for i in range(0, len(keys), 500):
            chunk = list(keys[i:i + 500])
            marks = ",".join("?" * len(chunk))
            with self._lock:
                for parent, n in self._conn.execute(
                        f"SELECT parent_key, count(*) FROM items WHERE parent_key IN ({marks}){trashed}"
                        " AND item_type != 'annotation' GROUP BY parent_key", chunk):
                    out[str(parent)] = int(n)
        return out

    def children(self, parent_key: str, trash: bool | None = False) -> list[Record]:
        """The notes and attachments of an item (not annotations), oldest first, outside the Trash unless ``trash``
        says otherwise (as ``_where``)."""
        trashed = "" if trash is None else f" AND trashed = {int(trash)}"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, key, data, version FROM items WHERE parent_key = ?{trashed} AND item_type != 'annotation'"
                " ORDER BY date_added, id", (parent_key,)).fetchall()
            return [self._record_from_row(r) for r in rows]

    def child_rows(self, parent_key: str, trash: bool | None = False) -> list[Row]:
        """``children`` as rows of the item table (no JSON parsed)."""
        trashed = "" if trash is None else f" AND trashed = {int(trash)}"
        with self._lock:
            return [Row(*r) for r in self._conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM items"
                f" WHERE parent_key = ?{trashed} AND item_type != 'annotation' ORDER BY date_added, id", (parent_key,))]

    # -- duplicates -------------------------------------------------------
    def find_duplicate(self, record: Record, library_id: str = "user") -> tuple[Record, str] | None:
        """The stored record that is the same work: same DOI, else URL, else title+first author+year.

        Items in the Trash are not matched: an import of a trashed work is a new item, as in Zotero.
        """
        return self._find_duplicate(record, library_id, _dedupe(record))

    def _find_duplicate(self, record: Record, library_id: str, values: Sequence[str | None]) -> tuple[Record, str] | None:
        """``find_duplicate`` by the record's ``Dedupe`` values (None: a value to look up by, or known to match none)."""
        with self._lock:
            for label, column, value in zip(_DEDUPE_LABELS, _DEDUPE_COLUMNS, values, strict=True):
                if not value:
                    continue
                row = self._conn.execute(
                    f"SELECT id, key, data, version FROM items WHERE {column} = ? AND library_id = ? AND key != ?"
                    " AND trashed = 0 LIMIT 1",
                    (value, library_id, record.key),
                ).fetchone()
                if row:
                    return self._record_from_row(row), label
        return None

    # -- writing ----------------------------------------------------------
    def _columns(self, record: Record, dedupe: Dedupe | None = None) -> dict[str, Any]:
        """The columns derived from ``data``; ``dedupe``: the record's ``_dedupe`` values when the caller has them."""
        data = record.data
        year = record.year
        doi, url, key = _dedupe(record, year) if dedupe is None else dedupe
        return {
            "item_type": record.item_type,
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "title": record.title,
            "creators_text": creators_summary(record.creators),
            "year": year,
            "publication": record.publication(),
            "doi": doi,
            "url": url,
            "title_key": key,
            "trashed": int(record.trashed),
            "parent_key": record.get("parentItem") or None,
        }

    def _fts_values(self, record: Record) -> tuple[str, str, str, str, str]:
        return (
            record.title,
            " ; ".join(creator_display(c) for c in record.creators),
            record.publication(),
            record.get("abstractNote"),
            " ; ".join(record.tag_names()),
        )

    def _write_fts(self, item_id: int, record: Record, old: Record | None = None) -> None:
        """Index ``record``; ``old`` is what was indexed before (the index keeps no copy of the text).

        Items in the Trash are not indexed: the index holds exactly the items a search may show.
        """
        if old is not None and not old.trashed:
            self._delete_fts(item_id, old)
        if record.trashed:
            return
        self._conn.execute(
            "INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags) VALUES (?, ?, ?, ?, ?, ?)",
            (item_id, *self._fts_values(record)),
        )

    def _delete_fts(self, item_id: int, old: Record) -> None:
        """Remove an entry from the contentless index: FTS5 needs the values that were indexed."""
        self._conn.execute(
            "INSERT INTO items_fts(items_fts, rowid, title, creators, publication, abstract, tags)"
            " VALUES ('delete', ?, ?, ?, ?, ?, ?)",
            (item_id, *self._fts_values(old)),
        )

    def rebuild_search_index(self) -> int:
        """Index every record outside the Trash afresh (``refdesk check --repair``); how many are indexed.

        The index is contentless, so a damaged or stale entry cannot be deleted on its own (that needs the
        values it was made from): the whole index is emptied ('delete-all') and refilled, in one transaction.
        """
        with self.transaction() as conn:
            conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
            reader = conn.execute("SELECT id, key, data, version FROM items WHERE trashed = 0 ORDER BY id")
            counted = [0]

            def values() -> Iterator[tuple[Any, ...]]:
                for item_id, key, data, version in reader:
                    rec = Record(data=json.loads(data), key=key, version=version)
                    if not rec.trashed:
                        counted[0] += 1
                        yield (item_id, *self._fts_values(rec))

            conn.executemany(
                "INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags) VALUES (?, ?, ?, ?, ?, ?)",
                values(),
            )
        return counted[0]

    def _write_provenance(self, item_id: int, record: Record, fields: Iterable[str] | None = None) -> None:
        names = record.provenance.keys() if fields is None else [f for f in fields if f in record.provenance]
        self._conn.executemany(
            "INSERT OR REPLACE INTO provenance(item_id, field, source, at) VALUES (?, ?, ?, ?)",
            [(item_id, f, record.provenance[f].source, record.provenance[f].at) for f in names],
        )

    def _journal(self, library_id: str, key: str, op: str, fields: Iterable[str], source: str) -> None:
        self._conn.execute(
            "INSERT INTO changes(library_id, item_key, op, fields, source, at) VALUES (?, ?, ?, ?, ?, ?)",
            (library_id, key, op, json.dumps(sorted(fields)), source, now_iso()),
        )

    def add(self, record: Record, source: str = "user", library_id: str = "user", *, dirty: bool = True) -> Record:
        """Insert a new record (journaled as a local creation unless ``dirty`` is False, i.e. from sync)."""
        cols = self._columns(record)
        stamp = now_iso()
        record.data.setdefault("dateAdded", stamp)
        cols["data"] = json.dumps(record.data, ensure_ascii=False, separators=(",", ":"))
        with self.transaction() as conn:
            [item_id] = _new_ids(conn, [record.data["dateAdded"]])
            try:
                conn.execute(
                    "INSERT INTO items(id, key, library_id, item_type, data, version, dirty, date_added, date_modified,"
                    " title, creators_text, year, publication, doi, url, title_key, trashed, parent_key) VALUES"
                    " (:id, :key, :library_id, :item_type, :data, :version, :dirty, :added, :modified, :title,"
                    " :creators_text, :year, :publication, :doi, :url, :title_key, :trashed, :parent_key)",
                    {**cols, "id": item_id, "key": record.key, "library_id": library_id, "version": record.version,
                     "dirty": int(dirty), "added": record.data["dateAdded"], "modified": stamp},
                )
            except sqlite3.IntegrityError:
                raise LibraryError(f"A record with key {record.key} already exists") from None
            self._write_fts(item_id, record)
            self._write_provenance(item_id, record)
            if dirty:
                self._journal(library_id, record.key, "create", record.field_names(), source)
        return record

    @contextmanager
    def _bulk_cache(self, n: int) -> Iterator[None]:
        """A bigger page cache while a large batch goes in: the FTS merges and the indexes stop thrashing."""
        if n < _BULK_ROWS:
            yield
            return
        with self._lock:
            before = self._conn.execute("PRAGMA cache_size").fetchone()[0]
            self._conn.execute(f"PRAGMA cache_size = {_BULK_CACHE_KIB}")
            try:
                yield
            finally:
                self._conn.execute(f"PRAGMA cache_size = {int(before)}")

    def add_many(self, records: Sequence[Record], source: str = "import", library_id: str = "user", *, dirty: bool = True) -> int:
        """Bulk insert in one transaction (no dedupe): the fast path for large imports.

        ``dirty=False`` stores records that came from the server (sync): not journaled, not to upload.
        """
        stamp = now_iso()
        # Everything Python computes is done before the write lock is taken.
        prepared = []
        for rec in records:
            rec.data.setdefault("dateAdded", stamp)
            c = self._columns(rec)
            prepared.append((
                (rec.key, library_id, c["item_type"], c["data"], rec.version, int(dirty), rec.data["dateAdded"], stamp,
                 c["title"], c["creators_text"], c["year"], c["publication"], c["doi"], c["url"], c["title_key"],
                 c["trashed"], c["parent_key"]),
                None if rec.trashed else self._fts_values(rec),
                [(f, p.source, p.at) for f, p in rec.provenance.items()],
            ))  # fmt: skip
        journal_rows = [(library_id, rec.key, "create", "[]", source, stamp) for rec in records] if dirty else []
        with self._bulk_cache(len(records)), self.transaction() as conn:
            ids = _new_ids(conn, [rec.data["dateAdded"] for rec in records])
            conn.executemany(
                "INSERT INTO items(id, key, library_id, item_type, data, version, dirty, date_added, date_modified, title,"
                " creators_text, year, publication, doi, url, title_key, trashed, parent_key)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(item_id, *item) for item_id, (item, _, _) in zip(ids, prepared, strict=True)],
            )
            conn.executemany(
                "INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags) VALUES (?,?,?,?,?,?)",
                [(item_id, *fts) for item_id, (_, fts, _) in zip(ids, prepared, strict=True) if fts is not None],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO provenance(item_id, field, source, at) VALUES (?,?,?,?)",
                [(item_id, *prov) for item_id, (_, _, provs) in zip(ids, prepared, strict=True) for prov in provs],
            )
            conn.executemany(
                "INSERT INTO changes(library_id, item_key, op, fields, source, at) VALUES (?,?,?,?,?,?)", journal_rows
            )
        return len(records)

    def save(self, record: Record, source: str = "user", *, dirty: bool = True, changed: Iterable[str] | None = None) -> Record:
        """Write an existing record back; journals the fields that differ from the stored copy."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id, data, library_id FROM items WHERE key = ?", (record.key,)).fetchone()
            if row is None:
                raise NotFoundError(f"No record with key {record.key} in the library")
            item_id, old_json, library_id = row
            old = json.loads(old_json)
            fields = set(changed) if changed is not None else _diff_fields(old, record.data)
            if not fields and changed is None:
                return record
            stamp = now_iso()
            cols = self._columns(record)
            conn.execute(
                "UPDATE items SET item_type=:item_type, data=:data, version=:version, title=:title,"
                " creators_text=:creators_text, year=:year, publication=:publication, doi=:doi, url=:url,"
                " title_key=:title_key, trashed=:trashed, parent_key=:parent_key, date_modified=:modified,"
                " dirty = CASE WHEN :dirty THEN 1 ELSE dirty END"
                " WHERE id=:id",
                {**cols, "version": record.version, "modified": stamp, "dirty": int(dirty), "id": item_id},
            )
            self._write_fts(item_id, record, Record(data=old, key=record.key))
            self._write_provenance(item_id, record, fields)
            if dirty:
                self._journal(library_id, record.key, "update", fields, source)
        return record

    def remove(self, key: str, source: str = "user", *, dirty: bool = True) -> Record:
        """Delete a record; the journal keeps the deletion so sync can send it."""
        with self.transaction() as conn:
            row = conn.execute("SELECT id, key, data, version, library_id FROM items WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise NotFoundError(f"No record with key {key} in the library")
            record = self._record_from_row(row[:4])
            if not record.trashed:
                self._delete_fts(row[0], record)
            conn.execute("DELETE FROM items WHERE id = ?", (row[0],))
            if dirty:
                self._journal(row[4], key, "delete", [], source)
        return record

    # -- the Trash ---------------------------------------------------------
    def _descendants(self, keys: Iterable[str]) -> list[str]:
        """Every child of ``keys`` (notes, attachments) and theirs (a PDF's annotations), parents first."""
        out: list[str] = []
        frontier = list(dict.fromkeys(keys))
        seen = set(frontier)
        while frontier:
            marks = ",".join("?" * len(frontier[:500]))
            batch, frontier = frontier[:500], frontier[500:]
            for (child,) in self._conn.execute(f"SELECT key FROM items WHERE parent_key IN ({marks}) ORDER BY id", batch):
                if child not in seen:
                    seen.add(child)
                    out.append(child)
                    frontier.append(child)
        return out

    def _set_trashed(self, keys: Sequence[str], trashed: bool, source: str) -> list[Record]:
        changed: list[Record] = []
        for key in keys:
            rec = self.get(key)
            if rec.trashed == trashed:
                continue
            if trashed:
                rec.data["deleted"] = 1
            else:
                rec.data.pop("deleted", None)
            self.save(rec, source, changed=["deleted"])
            changed.append(rec)
        return changed

    def trash(self, keys: Sequence[str], source: str = "user") -> list[Record]:
        """Move items to the Trash with their notes, attachments and annotations (Zotero's ``deleted`` flag, synced
        as an edit); the records that moved. Unknown keys raise before anything moves."""
        with self.transaction():
            for key in keys:
                self.get(key)
            return self._set_trashed([*dict.fromkeys(keys), *self._descendants(keys)], True, source)

    def _ancestors(self, key: str) -> list[str]:
        out: list[str] = []
        parent = self._conn.execute("SELECT parent_key FROM items WHERE key = ?", (key,)).fetchone()
        while parent and parent[0] and parent[0] not in out:
            out.append(parent[0])
            parent = self._conn.execute("SELECT parent_key FROM items WHERE key = ?", (parent[0],)).fetchone()
        return out

    def restore(self, keys: Sequence[str], source: str = "user") -> list[Record]:
        """Bring items back from the Trash with their children, and a child's parent with it (so no restored child
        sits under a parent still in the Trash); the records that came back."""
        with self.transaction():
            for key in keys:
                if not self.get(key).trashed:
                    raise LibraryError(f"{key} is not in the Trash")
            family = [a for k in keys for a in reversed(self._ancestors(k))]
            family += [*keys, *self._descendants(keys)]
            return self._set_trashed(list(dict.fromkeys(family)), False, source)

    def empty_trash(self, keys: Sequence[str] | None = None, source: str = "user") -> list[Record]:
        """Delete for good the items in the Trash (or only ``keys``, which must be in it) with all their children;
        each deletion is journaled, so sync deletes them in Zotero too."""
        with self.transaction():
            if keys is None:
                chosen = self.keys(trash=True)
            else:
                for key in keys:
                    if not self.get(key).trashed:
                        raise LibraryError(f"{key} is not in the Trash; move it there first")
                chosen = list(dict.fromkeys(keys))
            doomed = list(dict.fromkeys([*chosen, *self._descendants(chosen)]))
            return [self.remove(key, source) for key in reversed(doomed)]  # children before their parents

    def import_record(self, record: Record, source: str, library_id: str = "user") -> ImportOutcome:
        """Store an imported record, or merge it into the same work already here (dedupe)."""
        record.validate()
        with self.transaction():
            return self._import_validated(record, source, library_id, _dedupe(record))

    def _import_validated(self, record: Record, source: str, library_id: str, values: Sequence[str | None]) -> ImportOutcome:
        """``import_record`` after ``validate``, looking the record up by ``values`` (see ``_find_duplicate``)."""
        found = self._find_duplicate(record, library_id, values)
        if found is None:
            return ImportOutcome(self.add(record, source, library_id), "added")
        existing, matched_by = found
        changed = merge_import(existing, record)
        if changed:
            self.save(existing, source, changed=changed)
            return ImportOutcome(existing, "updated", matched_by)
        return ImportOutcome(existing, "unchanged", matched_by)

    def import_many(self, records: Sequence[Record], source: str, library_id: str = "user") -> list[ImportOutcome]:
        """``import_record`` for each record in turn, in one transaction, with the same outcomes and library (ids,
        rows, provenance, journal, search index): the new works are written together, which is what a big file costs.

        Which records may match is settled for the whole call by three set lookups (DOI, URL, title key) and one of
        keys. A record none of whose values a stored work outside the Trash, or an earlier record of the call, holds
        cannot match, and its key is free: it waits to be inserted with the other new works. Any other record goes
        through ``import_record`` at its turn, after the new works before it are written, so it sees exactly what one
        at a time would. The lookups are conservative (a value held by the record's own key, or held before an earlier
        record's update changed it, takes the slow way); the slow way is the one-at-a-time import itself.
        """
        outcomes: list[ImportOutcome] = []
        with self.transaction() as conn:
            values = [_dedupe_values(rec) for rec in records]
            taken = self._taken(conn, values, library_id)
            keys = self._taken_keys(conn, [rec.key for rec in records])
            new: list[tuple[Record, Dedupe]] = []
            for rec, mine in zip(records, values, strict=True):
                if mine is None or not _valid(rec):
                    self._insert_new(conn, new, source, library_id)
                    new = []
                    outcome = self.import_record(rec, source, library_id)  # raises as one at a time would, here
                elif rec.key in keys or any(v in taken[n] for n, v in enumerate(mine) if v):
                    self._insert_new(conn, new, source, library_id)
                    new = []
                    # a value no stored item holds is not looked up: it cannot match
                    outcome = self._import_validated(rec, source, library_id,
                                                     [v if v in taken[n] else None for n, v in enumerate(mine)])  # fmt: skip
                    if outcome.status != "unchanged":  # an unchanged work holds what it held at the batch's lookups
                        _take(taken, _dedupe_values(outcome.record))
                else:
                    new.append((rec, mine))
                    _take(taken, mine)
                    outcome = ImportOutcome(rec, "added")
                keys.add(rec.key)
                outcomes.append(outcome)
            self._insert_new(conn, new, source, library_id)
        return outcomes

    def _taken(self, conn: sqlite3.Connection, values: Sequence[Dedupe | None], library_id: str) -> list[set[str]]:
        """For each ``Dedupe`` column, those of ``values`` that a stored item of the library outside the Trash holds."""
        out: list[set[str]] = []
        for n, column in enumerate(_DEDUPE_COLUMNS):
            wanted = sorted({v for vals in values if vals is not None and (v := vals[n])})
            out.append({value for (value,) in conn.execute(
                f"SELECT {column} FROM items WHERE {column} IN (SELECT value FROM json_each(?))"
                " AND +library_id = ? AND +trashed = 0",  # +: seek the column's index, not the library's
                (json.dumps(wanted, ensure_ascii=False), library_id),
            )} if wanted else set())  # fmt: skip
        return out

    def _taken_keys(self, conn: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` an item in any library has (the slow way then says what ``add`` says)."""
        return {key for (key,) in conn.execute(
            "SELECT key FROM items WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(list(keys)),)
        )}  # fmt: skip

    def _insert_new(self, conn: sqlite3.Connection, new: Sequence[tuple[Record, Dedupe]], source: str, library_id: str) -> None:
        """Insert records known to be new works with free keys (with their ``_dedupe`` values), writing exactly what
        ``add`` writes for each in turn."""
        if not new:
            return
        stamp = now_iso()
        items: list[tuple[Any, ...]] = []
        journal: list[tuple[Any, ...]] = []
        records = [rec for rec, _ in new]
        for rec, dedupe in new:
            rec.data.setdefault("dateAdded", stamp)
            c = self._columns(rec, dedupe)
            items.append((rec.key, library_id, c["item_type"], c["data"], rec.version, rec.data["dateAdded"], stamp,
                          c["title"], c["creators_text"], c["year"], c["publication"], c["doi"], c["url"],
                          c["title_key"], c["trashed"], c["parent_key"]))  # fmt: skip
            journal.append((library_id, rec.key, "create", json.dumps(sorted(rec.field_names())), source, stamp))
        ids = _new_ids(conn, [rec.data["dateAdded"] for rec in records])
        conn.executemany(
            "INSERT INTO items(id, key, library_id, item_type, data, version, dirty, date_added, date_modified, title,"
            " creators_text, year, publication, doi, url, title_key, trashed, parent_key)"
            " VALUES (?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?)",
            [(item_id, *item) for item_id, item in zip(ids, items, strict=True)],
        )
        conn.executemany(
            "INSERT INTO items_fts(rowid, title, creators, publication, abstract, tags) VALUES (?,?,?,?,?,?)",
            [(item_id, *self._fts_values(rec)) for item_id, rec in zip(ids, records, strict=True) if not rec.trashed],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO provenance(item_id, field, source, at) VALUES (?,?,?,?)",
            [(item_id, f, p.source, p.at) for item_id, rec in zip(ids, records, strict=True) for f, p in rec.provenance.items()],
        )
        conn.executemany("INSERT INTO changes(library_id, item_key, op, fields, source, at) VALUES (?,?,?,?,?,?)", journal)

    # -- journal ----------------------------------------------------------
    def changes(self, since_id: int = 0, library_id: str | None = None) -> list[Change]:
        sql = "SELECT id, library_id, item_key, op, fields, source, at FROM changes WHERE id > ?"
        params: list[Any] = [since_id]
        if library_id:
            sql += " AND library_id = ?"
            params.append(library_id)
        with self._lock:
            return [Change(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in self._conn.execute(sql + " ORDER BY id", params)]

    def dirty_keys(self, library_id: str = "user") -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT key FROM items WHERE library_id = ? AND dirty = 1 ORDER BY id", (library_id,))]


def _diff_fields(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {k for k in set(old) | set(new) if old.get(k) != new.get(k) and k not in ("dateModified",)}


def merge_import(existing: Record, incoming: Record) -> set[str]:
    """Fold a re-imported copy into the stored record; fields the user typed are never overwritten.

    Returns the names of the fields that changed.
    """
    changed: set[str] = set()
    for name in incoming.field_names():
        value = incoming.get(name)
        if existing.get(name) == value:
            continue
        prov = existing.provenance.get(name)
        if existing.get(name) and prov is not None and prov.source == "user":
            continue
        try:
            existing.set(name, value, incoming.provenance.get(name, Provenance("import")).source)
        except Exception:
            continue
        changed.add(name)
    user_creators = existing.provenance.get("creators")
    if incoming.creators and incoming.creators != existing.creators and not (
        existing.creators and user_creators and user_creators.source == "user"
    ):
        existing.set("creators", incoming.creators, incoming.provenance.get("creators", Provenance("import")).source)
        changed.add("creators")
    for tag in incoming.tags:
        if existing.add_tag(str(tag.get("tag", "")), automatic=tag.get("type") == 1):
            changed.add("tags")
    return changed
