"""Sync bookkeeping in the library file (tables of migration 2) and the items' sync columns.

Everything the engine must remember across runs lives here, in SQLite, so a sync
killed at any point resumes from what was committed: library versions, the delete
log, the upload journal (batches with their write tokens) and pristine copies
(``items.synced_data``) for three-way merges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from refdesk.library import Library
from refdesk.model import Record, now_iso


@dataclass
class LibraryState:
    library_id: str
    version: int = 0
    name: str = ""
    can_write: bool = True
    enabled: bool = True
    delete_cursor: int = 0
    last_sync: str | None = None
    last_error: str | None = None


@dataclass
class ItemState:
    key: str
    library_id: str
    version: int
    dirty: bool
    data: dict[str, Any]
    synced: dict[str, Any] | None


@dataclass
class JournalEntry:
    id: int
    library_id: str
    object_type: str
    token: str
    keys: list[str]
    base_version: int


# -- libraries ---------------------------------------------------------------
def get_library(lib: Library, library_id: str) -> LibraryState:
    rows = lib.execute(
        "SELECT library_id, version, name, can_write, enabled, delete_cursor, last_sync, last_error"
        " FROM zotero_libraries WHERE library_id = ?", (library_id,))
    if not rows:
        return LibraryState(library_id)
    r = rows[0]
    return LibraryState(r[0], r[1], r[2], bool(r[3]), bool(r[4]), r[5], r[6], r[7])


def all_libraries(lib: Library) -> list[LibraryState]:
    ids = [r[0] for r in lib.execute("SELECT library_id FROM zotero_libraries ORDER BY library_id != 'user', library_id")]
    return [get_library(lib, i) for i in ids]


def update_library(lib: Library, library_id: str, **values: Any) -> None:
    with lib.transaction():
        lib.execute("INSERT OR IGNORE INTO zotero_libraries(library_id) VALUES (?)", (library_id,))
        for name, value in values.items():
            if name not in LibraryState.__dataclass_fields__ or name == "library_id":
                raise KeyError(name)
            lib.execute(f"UPDATE zotero_libraries SET {name} = ? WHERE library_id = ?", (value, library_id))


def get_meta(lib: Library, name: str) -> str | None:
    rows = lib.execute("SELECT value FROM zotero_meta WHERE name = ?", (name,))
    return str(rows[0][0]) if rows else None


def set_meta(lib: Library, name: str, value: str) -> None:
    lib.execute("INSERT OR REPLACE INTO zotero_meta(name, value) VALUES (?, ?)", (name, value))


# -- items -------------------------------------------------------------------
def item_state(lib: Library, key: str, library_id: str) -> ItemState | None:
    rows = lib.execute("SELECT key, library_id, version, dirty, data, synced_data FROM items WHERE key = ? AND library_id = ?",
                       (key, library_id))
    if not rows:
        return None
    r = rows[0]
    return ItemState(r[0], r[1], r[2], bool(r[3]), json.loads(r[4]), json.loads(r[5]) if r[5] else None)


def item_states(lib: Library, keys: list[str], library_id: str) -> dict[str, ItemState]:
    """States of many items in few queries (the batch paths of the engine)."""
    out: dict[str, ItemState] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for r in lib.execute(f"SELECT key, library_id, version, dirty, data, synced_data FROM items"
                             f" WHERE library_id = ? AND key IN ({marks})", (library_id, *chunk)):
            out[r[0]] = ItemState(r[0], r[1], r[2], bool(r[3]), json.loads(r[4]), json.loads(r[5]) if r[5] else None)
    return out


def item_data(lib: Library, keys: list[str], library_id: str) -> dict[str, dict[str, Any]]:
    """Current data of many items (no sync columns): cheaper than item_states when only data matters."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for key, data in lib.execute(f"SELECT key, data FROM items WHERE library_id = ? AND key IN ({marks})",
                                     (library_id, *chunk)):
            out[key] = json.loads(data)
    return out


def _blob(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def confirm_many(lib: Library, library_id: str, rows: list[tuple[str, int]]) -> None:
    """Items the server took as sent: clean, at the new version, their data now the pristine copy.

    The server's copy differs only in server-managed or empty fields, so the local data stays as it
    is (no rewrite, no re-encoding) and becomes the base of future merges.
    """
    lib.executemany("UPDATE items SET version = ?, synced_data = data, dirty = 0 WHERE key = ? AND library_id = ?",
                    [(version, key, library_id) for key, version in rows])


def add_remote_many(lib: Library, library_id: str, records: list[Record]) -> None:
    """New items from the server, inserted in bulk (clean, not journaled), with their pristine copies."""
    if not records:
        return
    with lib.transaction():
        lib.add_many(records, "zotero", library_id, dirty=False)
        # The stored data is the server's copy as it came: the pristine copy is the same text.
        lib.executemany("UPDATE items SET synced_data = data WHERE key = ? AND library_id = ?",
                        [(r.key, library_id) for r in records])


def local_versions(lib: Library, library_id: str) -> dict[str, int]:
    return {r[0]: r[1] for r in lib.execute("SELECT key, version FROM items WHERE library_id = ?", (library_id,))}


def dirty_items(lib: Library, library_id: str, with_synced: bool = True) -> list[ItemState]:
    synced = "synced_data" if with_synced else "NULL"
    rows = lib.execute(f"SELECT key, library_id, version, dirty, data, {synced} FROM items"
                       " WHERE library_id = ? AND dirty = 1 ORDER BY id", (library_id,))
    return [ItemState(r[0], r[1], r[2], True, json.loads(r[4]), json.loads(r[5]) if r[5] else None) for r in rows]


def dirty_count(lib: Library, library_id: str) -> int:
    return int(lib.execute("SELECT count(*) FROM items WHERE library_id = ? AND dirty = 1", (library_id,))[0][0])


def journal_mark(lib: Library) -> int:
    """The newest change-journal id: edits after it happened while a batch was in flight."""
    return int(lib.execute("SELECT coalesce(max(id), 0) FROM changes")[0][0])


def changed_since(lib: Library, library_id: str, mark: int) -> set[str]:
    return {r[0] for r in lib.execute("SELECT DISTINCT item_key FROM changes WHERE id > ? AND library_id = ?",
                                      (mark, library_id))}


def mark_synced(lib: Library, key: str, library_id: str, version: int, synced: dict[str, Any], dirty: bool) -> None:
    lib.execute("UPDATE items SET version = ?, synced_data = ?, dirty = ? WHERE key = ? AND library_id = ?",
                (version, json.dumps(synced, ensure_ascii=False, separators=(",", ":")), int(dirty), key, library_id))


def put_remote(lib: Library, library_id: str, record: Record, *, synced: dict[str, Any] | None = None,
               dirty: bool = False) -> None:
    """Store a record as the server has it (no journal entry): insert or overwrite."""
    with lib.transaction():
        if item_state(lib, record.key, library_id) is None:
            lib.add(record, "zotero", library_id, dirty=False)
        else:
            lib.save(record, "zotero", dirty=False, changed=[k for k in record.data if k not in ("dateModified",)])
        mark_synced(lib, record.key, library_id, record.version, record.data if synced is None else synced, dirty)


# -- delete log --------------------------------------------------------------
def harvest_deletions(lib: Library, library_id: str) -> None:
    """Move local deletions from the change journal into the delete log (one transaction)."""
    with lib.transaction():
        cursor = get_library(lib, library_id).delete_cursor
        rows = lib.execute("SELECT id, item_key, at FROM changes WHERE id > ? AND library_id = ? AND op = 'delete' ORDER BY id",
                           (cursor, library_id))
        top = lib.execute("SELECT coalesce(max(id), 0) FROM changes")[0][0]
        # Every deletion is sent, even of an item that may never have reached the server: Zotero answers
        # 204 for unknown keys, and guessing "never uploaded" wrongly would leave the item there forever.
        for _, key, at in rows:
            if item_state(lib, key, library_id) is None:
                lib.execute("INSERT OR IGNORE INTO zotero_delete_log(library_id, object_type, key, at) VALUES (?, 'item', ?, ?)",
                            (library_id, key, at))
        update_library(lib, library_id, delete_cursor=max(cursor, top))


def deletions(lib: Library, library_id: str, object_type: str = "item") -> list[str]:
    return [r[0] for r in lib.execute("SELECT key FROM zotero_delete_log WHERE library_id = ? AND object_type = ? ORDER BY at, key",
                                      (library_id, object_type))]


def forget_deletions(lib: Library, library_id: str, keys: list[str], object_type: str = "item") -> None:
    with lib.transaction():
        for key in keys:
            lib.execute("DELETE FROM zotero_delete_log WHERE library_id = ? AND object_type = ? AND key = ?",
                        (library_id, object_type, key))


def log_deletion(lib: Library, library_id: str, key: str, object_type: str = "item") -> None:
    lib.execute("INSERT OR IGNORE INTO zotero_delete_log(library_id, object_type, key, at) VALUES (?, ?, ?, ?)",
                (library_id, object_type, key, now_iso()))


# -- upload journal ----------------------------------------------------------
def journal_batch(lib: Library, library_id: str, object_type: str, token: str, payload: list[dict[str, Any]],
                  base_version: int) -> int:
    """Record a batch (and its token) before it is sent; committed at once."""
    keys = [str(p["key"]) for p in payload]
    with lib.transaction():
        lib.execute("INSERT INTO zotero_upload_journal(library_id, object_type, token, keys, base_version, created, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", (library_id, object_type, token, json.dumps(keys), base_version, now_iso(),
                                                      json.dumps(payload, ensure_ascii=False)))
        return int(lib.execute("SELECT last_insert_rowid()")[0][0])


def sent_data(lib: Library, library_id: str, object_type: str = "items") -> dict[str, dict[str, Any]]:
    """What unconfirmed journaled batches sent, by key (latest wins), without key/version."""
    out: dict[str, dict[str, Any]] = {}
    for (blob,) in lib.execute("SELECT payload FROM zotero_upload_journal WHERE library_id = ? AND object_type = ? ORDER BY id",
                               (library_id, object_type)):
        for obj in json.loads(blob):
            out[str(obj["key"])] = {k: v for k, v in obj.items() if k not in ("key", "version")}
    return out


def batch_payload(lib: Library, entry_id: int) -> list[dict[str, Any]]:
    """The objects a journaled batch sent, exactly as sent (with key and version)."""
    rows = lib.execute("SELECT payload FROM zotero_upload_journal WHERE id = ?", (entry_id,))
    return list(json.loads(rows[0][0])) if rows and rows[0][0] else []


def clear_journal(lib: Library, library_id: str) -> None:
    for (token,) in lib.execute("SELECT token FROM zotero_upload_journal WHERE library_id = ?", (library_id,)):
        lib.execute("DELETE FROM zotero_meta WHERE name = ?", (f"probed:{token}",))
    lib.execute("DELETE FROM zotero_upload_journal WHERE library_id = ?", (library_id,))


def mark_probed(lib: Library, token: str) -> None:
    """A batch's token is about to be sent without a library version: from now on the token being used no
    longer proves the whole batch was applied (that probe may have written only some objects)."""
    set_meta(lib, f"probed:{token}", "1")


def was_probed(lib: Library, token: str) -> bool:
    return get_meta(lib, f"probed:{token}") is not None


def pending_batches(lib: Library, library_id: str) -> list[JournalEntry]:
    rows = lib.execute("SELECT id, library_id, object_type, token, keys, base_version FROM zotero_upload_journal"
                       " WHERE library_id = ? ORDER BY id", (library_id,))
    return [JournalEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]


def finish_batch(lib: Library, entry_id: int) -> None:
    for (token,) in lib.execute("SELECT token FROM zotero_upload_journal WHERE id = ?", (entry_id,)):
        lib.execute("DELETE FROM zotero_meta WHERE name = ?", (f"probed:{token}",))
    lib.execute("DELETE FROM zotero_upload_journal WHERE id = ?", (entry_id,))


# -- collections -------------------------------------------------------------
def collection_rows(lib: Library, library_id: str) -> dict[str, tuple[int, bool, dict[str, Any], dict[str, Any] | None]]:
    out = {}
    for key, version, dirty, data, synced in lib.execute(
            "SELECT key, version, dirty, data, synced_data FROM collections WHERE library_id = ?", (library_id,)):
        out[key] = (version, bool(dirty), json.loads(data), json.loads(synced) if synced else None)
    return out


def put_collection(lib: Library, library_id: str, key: str, version: int, data: dict[str, Any], *, dirty: bool = False,
                   synced: dict[str, Any] | None = None) -> None:
    parent = data.get("parentCollection") or None
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    synced_blob = json.dumps(data if synced is None else synced, ensure_ascii=False, separators=(",", ":"))
    lib.execute(
        "INSERT INTO collections(key, library_id, name, parent_key, data, version, synced_data, dirty) VALUES (?,?,?,?,?,?,?,?)"
        " ON CONFLICT(library_id, key) DO UPDATE SET name=excluded.name, parent_key=excluded.parent_key, data=excluded.data,"
        " version=excluded.version, synced_data=excluded.synced_data, dirty=excluded.dirty",
        (key, library_id, str(data.get("name", "")), parent, blob, version, synced_blob, int(dirty)))


def remove_collection(lib: Library, library_id: str, key: str) -> None:
    lib.execute("DELETE FROM collections WHERE library_id = ? AND key = ?", (library_id, key))


# -- side effects of deletions the server applies itself ------------------------
def children_of(lib: Library, library_id: str, parent_keys: list[str]) -> list[str]:
    if not parent_keys:
        return []
    marks = ",".join("?" * len(parent_keys))
    return [r[0] for r in lib.execute(
        f"SELECT key FROM items WHERE library_id = ? AND json_extract(data, '$.parentItem') IN ({marks})",
        (library_id, *parent_keys))]


def drop_collection_membership(lib: Library, library_id: str, collection_keys: list[str], version: int) -> None:
    """Zotero removes deleted collections from their items (giving them the new version): do the same here."""
    doomed = set(collection_keys)
    for key, data, synced in lib.execute("SELECT key, data, synced_data FROM items WHERE library_id = ?", (library_id,)):
        d = json.loads(data)
        if not doomed & set(d.get("collections") or []):
            continue
        d["collections"] = [c for c in d["collections"] if c not in doomed]
        base = json.loads(synced) if synced else None
        if base is not None:
            base["collections"] = [c for c in base.get("collections") or [] if c not in doomed]
        lib.execute("UPDATE items SET data = ?, synced_data = ?, version = max(version, ?) WHERE key = ? AND library_id = ?",
                    (_blob(d), _blob(base) if base is not None else None, version, key, library_id))
