"""Collections made, renamed and deleted here, and items put into or taken out of them: the CLI's
``refdesk collections`` and ``edit --add-collection``, and the app's left pane, call these.

A collection is a row of the ``collections`` table in the form Zotero sync keeps it: a Zotero-style key made
here (``model.new_key``), ``data`` = ``{"name", "parentCollection": key | false, "relations"}``, ``dirty = 1``
until sync has uploaded it. A deletion removes the collection with its subcollections and writes each key to
``zotero_delete_log`` (object type ``collection``), which is what sync sends to Zotero; an item's membership is
its record's ``collections`` list, saved through ``Library.save`` (journaled, so an added or removed item
syncs like any other edit). Taking a deleted collection out of its items is not a user edit of each item:
it is saved without marking them for upload, because Zotero takes a deleted collection out of its items
itself (and sync does the same to the synced copies, ``zotero/state.py`` ``drop_collection_membership``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library.store import Library
from refdesk.model import new_key, now_iso

#: Zotero refuses longer collection names.
NAME_MAX = 255


@dataclass(frozen=True)
class Collection:
    key: str
    library_id: str
    name: str
    parent: str | None
    depth: int = 0  # 0 for a top-level collection, 1 for its subcollections, ...
    items: int = 0  # its own members outside the Trash (when counted)


def _blob(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _rows(lib: Library, library_id: str | None) -> list[tuple[str, str, str, str | None]]:
    sql = "SELECT library_id, key, name, parent_key FROM collections"
    params: tuple[Any, ...] = ()
    if library_id:
        sql += " WHERE library_id = ?"
        params = (library_id,)
    rows = lib.execute(sql + " ORDER BY library_id != 'user', library_id, name COLLATE NOCASE, key", params)
    return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]) if r[3] else None) for r in rows]


def list_collections(lib: Library, library_id: str | None = None, *, counts: bool = False) -> list[Collection]:
    """Every collection (of one library, or all), as a tree read top-down: each followed by its subcollections,
    siblings by name. ``counts``: with how many items each holds itself (outside the Trash)."""
    rows = _rows(lib, library_id)
    n: dict[tuple[str, str], int] = {}
    if counts:
        for lid, coll, count in lib.execute(
                "SELECT ic.library_id, ic.collection, count(*) FROM item_collections AS ic"
                " JOIN items ON items.id = ic.item_id AND items.trashed = 0 GROUP BY ic.library_id, ic.collection"):
            n[(str(lid), str(coll))] = int(count)
    known = {(lid, key) for lid, key, _, _ in rows}
    children: dict[tuple[str, str | None], list[tuple[str, str, str, str | None]]] = {}
    for row in rows:
        lid, _key, _name, parent = row
        # a subcollection whose parent is missing (not synced yet) shows at the top rather than not at all
        children.setdefault((lid, parent if (lid, parent) in known else None), []).append(row)
    out: list[Collection] = []

    def walk(lid: str, parent: str | None, depth: int) -> None:
        for _lid, key, name, parent_key in children.get((lid, parent), []):
            if any(c.key == key and c.library_id == lid for c in out):
                continue  # a cycle in synced data: show each collection once
            out.append(Collection(key, lid, name, parent_key, depth, n.get((lid, key), 0)))
            walk(lid, key, depth + 1)

    for lid in dict.fromkeys(r[0] for r in rows):
        walk(lid, None, 0)
    return out


def get_collection(lib: Library, key: str, library_id: str | None = None) -> Collection:
    """The collection with ``key``; a clear error when there is none."""
    key = key.strip()
    for lid, k, name, parent in _rows(lib, library_id):
        if k == key:
            return Collection(k, lid, name, parent)
    where = f" in {library_id}" if library_id else ""
    raise NotFoundError(f"No collection with key {key}{where}: `refdesk collections` lists them")


def subcollections(lib: Library, key: str, library_id: str) -> list[str]:
    """Keys of every collection under ``key`` (their subcollections too), parents before children."""
    by_parent: dict[str, list[str]] = {}
    for _lid, k, _name, parent in _rows(lib, library_id):
        if parent:
            by_parent.setdefault(parent, []).append(k)
    out: list[str] = []
    frontier = [key]
    while frontier:
        for child in by_parent.get(frontier.pop(0), []):
            if child not in out and child != key:
                out.append(child)
                frontier.append(child)
    return out


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInputError("A collection needs a name; got an empty one")
    if len(cleaned) > NAME_MAX:
        raise InvalidInputError(f"A collection name can be at most {NAME_MAX} characters; this one has {len(cleaned)}")
    return cleaned


def create_collection(lib: Library, name: str, parent: str | None = None, library_id: str | None = None) -> Collection:
    """A new collection (a subcollection of ``parent``, in the parent's library), to be uploaded at the next sync."""
    cleaned = _clean_name(name)
    with lib.transaction():
        if parent:
            above = get_collection(lib, parent, library_id)
            library_id, parent = above.library_id, above.key
        library_id = library_id or "user"
        key = new_key()
        while lib.execute("SELECT 1 FROM collections WHERE library_id = ? AND key = ?", (library_id, key)):
            key = new_key()
        data: dict[str, Any] = {"name": cleaned, "parentCollection": parent or False, "relations": {}}
        lib.execute("INSERT INTO collections(key, library_id, name, parent_key, data, version, synced_data, dirty)"
                    " VALUES (?, ?, ?, ?, ?, 0, NULL, 1)", (key, library_id, cleaned, parent, _blob(data)))
    return Collection(key, library_id, cleaned, parent)


def rename_collection(lib: Library, key: str, name: str, library_id: str | None = None) -> Collection:
    """Give a collection a new name (synced as an edit of the collection)."""
    cleaned = _clean_name(name)
    with lib.transaction():
        found = get_collection(lib, key, library_id)
        [(blob,)] = lib.execute("SELECT data FROM collections WHERE library_id = ? AND key = ?", (found.library_id, found.key))
        data = json.loads(blob)
        if data.get("name") == cleaned:
            return found
        data["name"] = cleaned
        lib.execute("UPDATE collections SET name = ?, data = ?, dirty = 1 WHERE library_id = ? AND key = ?",
                    (cleaned, _blob(data), found.library_id, found.key))
    return Collection(found.key, found.library_id, cleaned, found.parent)


def move_collection(lib: Library, key: str, parent: str | None, library_id: str | None = None) -> Collection:
    """Put a collection (with its subcollections) inside ``parent``, or at the top of its library with None;
    synced as an edit of the collection's ``parentCollection``. Refused, with nothing changed: a parent in another
    library, the collection itself or one of its own subcollections (that would make a loop)."""
    with lib.transaction():
        found = get_collection(lib, key, library_id)
        lid = found.library_id
        if parent:
            target = get_collection(lib, parent)
            if target.library_id != lid:
                raise InvalidInputError(
                    f"“{found.name}” is in {lid} and “{target.name}” in {target.library_id}: a collection moves only "
                    "within its own library")
            if target.key == found.key:
                raise InvalidInputError(f"“{found.name}” cannot go inside itself")
            if target.key in subcollections(lib, found.key, lid):
                raise InvalidInputError(
                    f"“{found.name}” cannot go into “{target.name}”: that is one of its own subcollections")
            parent = target.key
        parent = parent or None
        if found.parent == parent:
            return found
        [(blob,)] = lib.execute("SELECT data FROM collections WHERE library_id = ? AND key = ?", (lid, found.key))
        data = json.loads(blob)
        data["parentCollection"] = parent or False
        lib.execute("UPDATE collections SET parent_key = ?, data = ?, dirty = 1 WHERE library_id = ? AND key = ?",
                    (parent, _blob(data), lid, found.key))
    return Collection(found.key, lid, found.name, parent)


def delete_collection(lib: Library, key: str, library_id: str | None = None) -> list[Collection]:
    """Delete a collection and its subcollections (the items stay in the library); the collections deleted,
    the one asked for first. Each goes to the delete log, so sync deletes it in Zotero too."""
    with lib.transaction():
        found = get_collection(lib, key, library_id)
        lid = found.library_id
        doomed = [found.key, *subcollections(lib, found.key, lid)]
        gone = [get_collection(lib, k, lid) for k in doomed]
        marks = ",".join("?" * len(doomed))
        members = [str(r[0]) for r in lib.execute(
            f"SELECT DISTINCT items.key FROM item_collections JOIN items ON items.id = item_collections.item_id"
            f" WHERE item_collections.library_id = ? AND item_collections.collection IN ({marks})", (lid, *doomed))]
        for item_key in members:
            rec = lib.get(item_key, lid)
            rec.data["collections"] = [c for c in rec.data.get("collections") or [] if c not in doomed]
            lib.save(rec, "user", dirty=False, changed=["collections"])  # Zotero does this itself on the deletion
        stamp = now_iso()
        for k in doomed:
            lib.execute("DELETE FROM collections WHERE library_id = ? AND key = ?", (lid, k))
            lib.execute("INSERT OR IGNORE INTO zotero_delete_log(library_id, object_type, key, at)"
                        " VALUES (?, 'collection', ?, ?)", (lid, k, stamp))
    return gone


def _members_to_change(lib: Library, item_keys: Sequence[str], collection: Collection, adding: bool = True) -> list[Any]:
    """The records of ``item_keys``, each checked before anything changes."""
    records = []
    for item_key in dict.fromkeys(k.strip() for k in item_keys):
        rec = lib.get(item_key)
        lid = lib.library_of(item_key)
        if lid != collection.library_id:
            raise InvalidInputError(
                f"{item_key} is in {lid} and the collection {collection.name!r} in {collection.library_id}: "
                "an item goes only into a collection of its own library")
        if adding and rec.get("parentItem"):
            raise InvalidInputError(
                f"{item_key} is a {rec.item_type} inside {rec.get('parentItem')}: only top-level items go into "
                "collections (as in Zotero); add its parent instead")
        records.append(rec)
    return records


def add_to_collection(lib: Library, item_keys: Sequence[str], collection_key: str, source: str = "user") -> list[str]:
    """Put items into a collection; the keys of those that were not in it yet (each a synced edit)."""
    changed: list[str] = []
    with lib.transaction():
        target = get_collection(lib, collection_key)
        for rec in _members_to_change(lib, item_keys, target):
            current = rec.data.get("collections")
            current = list(current) if isinstance(current, list) else []
            if target.key in current:
                continue
            rec.data["collections"] = [*current, target.key]
            lib.save(rec, source, changed=["collections"])
            changed.append(rec.key)
    return changed


def remove_from_collection(lib: Library, item_keys: Sequence[str], collection_key: str, source: str = "user") -> list[str]:
    """Take items out of a collection (they stay in the library); the keys of those that were in it."""
    changed: list[str] = []
    with lib.transaction():
        target = get_collection(lib, collection_key)
        for rec in _members_to_change(lib, item_keys, target, adding=False):
            current = rec.data.get("collections")
            if not isinstance(current, list) or target.key not in current:
                continue
            rec.data["collections"] = [c for c in current if c != target.key]
            lib.save(rec, source, changed=["collections"])
            changed.append(rec.key)
    return changed
