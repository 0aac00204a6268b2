"""Tags across the library: the tags of the items a listing shows (the app's tag selector and ``refdesk
tags``), and renaming or deleting a tag on every item that has it.

The counts read ``item_tags`` (migration 11: one row per tag of an item, kept by triggers from each record's
``tags`` list), filtered by the same things as the item table, each through an index: the Trash and the
child items through their partial indexes, a library through its key index, a collection through
``item_collections``, a search through the search index. So the tags of a 100,000-record library are counted
without reading one record's JSON. A rename or deletion is an edit of each record (``Library.save``,
journaled), which is how it reaches Zotero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library.store import Collections, Library, _members, fts_query
from refdesk.model import Tag
from refdesk.text import clean, fold


@dataclass(frozen=True)
class TagCount:
    tag: str
    automatic: bool  # Zotero's type 1: added by an importer or an add-on, not typed by the user
    items: int  # how many of the items shown have it


def tag_counts(
    lib: Library, search: str | None = None, library_id: str | None = None, collection: Collections | None = None,
    trash: bool = False, tags: Sequence[str] = (), top_level: bool = True,
) -> list[TagCount]:
    """The tags of the items a listing with these filters shows (as ``Library.rows``), with how many of them have
    each; sorted by name, case and accents folded. A tag both typed and automatic (on different items) is listed
    once of each kind."""
    conditions: list[str] = []
    params: list[Any] = []
    if trash:
        conditions.append("t.item_id IN (SELECT id FROM items WHERE trashed = 1)")
    else:
        conditions.append("t.item_id NOT IN (SELECT id FROM items WHERE trashed = 1)")
    if collection:
        members, more = _members(library_id, collection)
        conditions.append(f"t.item_id IN (SELECT item_id {members})")
        params.extend(more)
    else:
        if library_id:
            conditions.append("t.item_id IN (SELECT id FROM items WHERE library_id = ?)")
            params.append(library_id)
        if top_level:
            conditions.append("t.item_id NOT IN (SELECT id FROM items INDEXED BY items_children WHERE parent_key IS NOT NULL)")
    if search:
        if trash:  # the Trash is not in the search index: its few rows are read as Library.rows reads them
            where, more = lib._where(search, library_id, collection, True)
            conditions.append(f"t.item_id IN (SELECT id FROM items {where})")
            params.extend(more)
        else:
            q = fts_query(search)
            if q is None:
                return []
            conditions.append("t.item_id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(q)
    for tag in tags:
        conditions.append("t.item_id IN (SELECT item_id FROM item_tags WHERE tag = ?)")
        params.append(tag)
    rows = lib.execute(
        f"SELECT t.tag, t.type = 1, count(*) FROM item_tags AS t WHERE {' AND '.join(conditions)}"
        " GROUP BY t.tag, t.type = 1", params)
    found = [TagCount(str(tag), bool(auto), int(n)) for tag, auto, n in rows]
    return sorted(found, key=lambda t: (fold(t.tag), t.tag, t.automatic))


def _items_with(lib: Library, tag: str, library_id: str | None) -> list[tuple[str, str]]:
    """(key, library) of every item with ``tag`` exactly, the Trash included."""
    sql = "SELECT items.key, items.library_id FROM item_tags JOIN items ON items.id = item_tags.item_id WHERE item_tags.tag = ?"
    params: list[Any] = [tag]
    if library_id:
        sql += " AND items.library_id = ?"
        params.append(library_id)
    return [(str(k), str(lid)) for k, lid in lib.execute(sql + " ORDER BY items.id", params)]


def _where_named(library_id: str | None) -> str:
    return f" in {library_id}" if library_id else ""


def rename_tag(lib: Library, old: str, new: str, library_id: str | None = None, source: str = "user") -> list[str]:
    """Rename a tag on every item that has it (of one library, or all); the keys of the items changed.

    An item that already has the new name (up to case and accents) just loses the old one. Each item's
    change is journaled, so it syncs.
    """
    new = clean(new)
    if not new:
        raise InvalidInputError("A tag needs a name; got an empty one")
    if new == old:
        return []
    changed: list[str] = []
    with lib.transaction():
        holders = _items_with(lib, old, library_id)
        if not holders:
            raise NotFoundError(f"No item has the tag '{old}'{_where_named(library_id)}")
        for key, lid in holders:
            rec = lib.get(key, lid)
            tags: list[Tag] = []
            has_new = any(fold(str(t.get("tag", ""))) == fold(new) and t.get("tag") != old for t in rec.tags)
            for t in rec.tags:
                if t.get("tag") == old:
                    if not has_new:
                        tags.append({**t, "tag": new})
                        has_new = True
                else:
                    tags.append(t)
            rec.data["tags"] = tags
            lib.save(rec, source, changed=["tags"])
            changed.append(key)
    return changed


def delete_tag(lib: Library, tag: str, library_id: str | None = None, source: str = "user") -> list[str]:
    """Take a tag off every item that has it (of one library, or all); the keys of the items changed (synced)."""
    changed: list[str] = []
    with lib.transaction():
        holders = _items_with(lib, tag, library_id)
        if not holders:
            raise NotFoundError(f"No item has the tag '{tag}'{_where_named(library_id)}")
        for key, lid in holders:
            rec = lib.get(key, lid)
            rec.data["tags"] = [t for t in rec.tags if t.get("tag") != tag]
            lib.save(rec, source, changed=["tags"])
            changed.append(key)
    return changed
