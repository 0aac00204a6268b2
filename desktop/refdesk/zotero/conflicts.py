"""Three-way merge of item data and the conflicts it leaves for the user.

Like Zotero desktop: compare local and remote data with the pristine copy of the last
sync. A field changed on one side takes that side; tags, collections and relation
values merge as sets; a field changed on both sides to different values keeps the
local value *pending* (the item is not uploaded) and becomes a conflict the user
settles with ``resolve(..., take="local"|"remote")``. A deletion on one side against an
edit on the other is a conflict on the pseudo-field ``$deleted``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.library import Library
from refdesk.model import now_iso
from refdesk.zotero import mapping, state

DELETED = "$deleted"
_SET_FIELDS = {"tags", "collections"}
_IGNORED = {"key", "version", "dateModified"}


@dataclass
class FieldConflict:
    field: str
    base: Any
    local: Any
    remote: Any


@dataclass
class Conflict:
    id: int
    library_id: str
    key: str
    field: str
    base: Any
    local: Any
    remote: Any
    remote_version: int
    created: str
    resolved: str | None = None
    resolution: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"library": self.library_id, "key": self.key, "field": self.field, "base": self.base, "local": self.local,
                "remote": self.remote, "remoteVersion": self.remote_version, "created": self.created,
                "resolved": self.resolved, "resolution": self.resolution}


def _blank(value: Any) -> Any:
    """Empty values ("", [], {}, false, 0) are an absent field, as on the server."""
    return None if mapping.is_empty(value) else value


def _eq(a: Any, b: Any) -> bool:
    return mapping.canonical(_blank(a)) == mapping.canonical(_blank(b))


def _merge_list(base: list[Any], local: list[Any], remote: list[Any], ident: Callable[[Any], Hashable]) -> list[Any]:
    """Three-way set merge: what one side added is added, what one side removed is removed.

    For an element on all three sides (same identity), the side that changed it (e.g. a tag's type) wins.
    """
    b = {ident(x): x for x in base}
    r = {ident(x): x for x in remote}
    keep = []
    for x in local:
        i = ident(x)
        if i in r and i in b:
            keep.append(r[i] if x == b[i] else x)
        elif i in r or i not in b:
            keep.append(x)
    have = {ident(x) for x in keep}
    return keep + [x for x in remote if ident(x) not in b and ident(x) not in have]


def _tag_ident(tag: Any) -> Hashable:
    """A tag is its name: Zotero keeps one type per tag name on an item."""
    return str(tag.get("tag", "")) if isinstance(tag, dict) else str(tag)


def _values(v: Any) -> list[Any]:
    if v is None or v == "":
        return []
    return list(v) if isinstance(v, list) else [v]


def _merge_relations(base: dict[str, Any], local: dict[str, Any], remote: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pred in list(dict.fromkeys([*local, *remote, *base])):
        merged = _merge_list(_values(base.get(pred)), _values(local.get(pred)), _values(remote.get(pred)), str)
        if not merged:
            continue
        if sorted(merged) == sorted(_values(local.get(pred))):
            out[pred] = local[pred]
        elif sorted(merged) == sorted(_values(remote.get(pred))):
            out[pred] = remote[pred]
        else:
            out[pred] = merged
    return out


def merge(base: dict[str, Any] | None, local: dict[str, Any], remote: dict[str, Any]) -> tuple[dict[str, Any], list[FieldConflict]]:
    """Merge local and remote item data against ``base`` (None: never synced, every field counts as added)."""
    base = base or {}
    out = copy.deepcopy(remote)
    conflicts: list[FieldConflict] = []
    for name in dict.fromkeys([*local, *remote, *base]):
        if name in _IGNORED:
            continue
        b, lv, rv = base.get(name), local.get(name), remote.get(name)
        if name in _SET_FIELDS:
            ident: Callable[[Any], Hashable] = _tag_ident if name == "tags" else str
            out[name] = copy.deepcopy(_merge_list(_values(b), _values(lv), _values(rv), ident))
            continue
        if name == "relations" and isinstance(lv or {}, dict) and isinstance(rv or {}, dict):
            out[name] = copy.deepcopy(_merge_relations(b or {}, lv or {}, rv or {}))
            continue
        if _eq(lv, rv) or _eq(lv, b):
            value = rv
        elif _eq(rv, b):
            value = lv
        else:
            conflicts.append(FieldConflict(name, copy.deepcopy(b), copy.deepcopy(lv), copy.deepcopy(rv)))
            value = lv
        if value is None:
            out.pop(name, None)
        else:
            out[name] = copy.deepcopy(value)
    return out, conflicts


# -- storage -------------------------------------------------------------------
def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _row(r: Any) -> Conflict:
    return Conflict(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] is not None else None,
                    json.loads(r[5]) if r[5] is not None else None, json.loads(r[6]) if r[6] is not None else None,
                    r[7], r[8], r[9], r[10])


_COLUMNS = "id, library_id, item_key, field, base, local, remote, remote_version, created, resolved, resolution"


def record(lib: Library, library_id: str, key: str, found: list[FieldConflict], remote_version: int) -> None:
    """Open (or refresh) conflicts for these fields."""
    for c in found:
        lib.execute(
            "INSERT INTO zotero_conflicts(library_id, item_key, field, base, local, remote, remote_version, created)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(library_id, item_key, field) WHERE resolved IS NULL DO UPDATE SET"
            " local = excluded.local, remote = excluded.remote, remote_version = excluded.remote_version",
            (library_id, key, c.field, _dump(c.base), _dump(c.local), _dump(c.remote), remote_version, now_iso()))


def open_fields(lib: Library, library_id: str, key: str) -> dict[str, Conflict]:
    rows = lib.execute(f"SELECT {_COLUMNS} FROM zotero_conflicts WHERE library_id = ? AND item_key = ? AND resolved IS NULL",
                       (library_id, key))
    return {r[3]: _row(r) for r in rows}


def held_keys(lib: Library, library_id: str) -> set[str]:
    """Items with an open conflict: their local changes wait for the user."""
    return {r[0] for r in lib.execute("SELECT DISTINCT item_key FROM zotero_conflicts WHERE library_id = ? AND resolved IS NULL",
                                      (library_id,))}


def close(lib: Library, conflict_id: int, resolution: str) -> None:
    lib.execute("UPDATE zotero_conflicts SET resolved = ?, resolution = ? WHERE id = ?", (now_iso(), resolution, conflict_id))


def list_conflicts(lib: Library, library_id: str | None = None, include_resolved: bool = False) -> list[Conflict]:
    sql = f"SELECT {_COLUMNS} FROM zotero_conflicts WHERE 1"
    params: list[Any] = []
    if library_id:
        sql += " AND library_id = ?"
        params.append(library_id)
    if not include_resolved:
        sql += " AND resolved IS NULL"
    return [_row(r) for r in lib.execute(sql + " ORDER BY id", params)]


def resolve(lib: Library, key: str, take: Literal["local", "remote"], field: str | None = None) -> list[Conflict]:
    """Settle the open conflicts of one item (or one field of it); returns what was settled.

    ``local`` keeps refdesk's value, uploaded at the next sync; ``remote`` takes Zotero's.
    """
    if take not in ("local", "remote"):
        raise InvalidInputError("--take must be 'local' or 'remote'")
    rows = [c for c in list_conflicts(lib) if c.key == key and (field is None or c.field == field)]
    if not rows:
        what = f"field '{field}' of item {key}" if field else f"item {key}"
        raise NotFoundError(f"No open sync conflict for {what}; `refdesk zotero conflicts` lists them")
    with lib.transaction():
        for c in rows:
            if c.field == DELETED:
                _resolve_deletion(lib, c, take)
            elif take == "remote":
                _take_remote_field(lib, c)
            close(lib, c.id, take)
    return rows


def _resolve_deletion(lib: Library, c: Conflict, take: str) -> None:
    if c.local == "deleted":  # deleted here, changed in Zotero
        if take == "remote" and isinstance(c.remote, dict):
            rec = mapping.from_zotero(c.remote)
            state.put_remote(lib, c.library_id, rec)
            state.forget_deletions(lib, c.library_id, [c.key])
        # take local: the delete log entry stays; the deletion is uploaded next sync
    else:  # changed here, deleted in Zotero
        if take == "remote" and state.item_state(lib, c.key, c.library_id) is not None:
            lib.remove(c.key, "zotero", dirty=False)
        # take local: the item (version 0) is uploaded again as new next sync


def _take_remote_field(lib: Library, c: Conflict) -> None:
    item = state.item_state(lib, c.key, c.library_id)
    if item is None:
        return
    rec = lib.get(c.key, c.library_id)
    if c.remote is None:
        rec.data.pop(c.field, None)
    else:
        rec.data[c.field] = copy.deepcopy(c.remote)
    lib.save(rec, "zotero", dirty=False, changed=[c.field])
    others_open = [f for f in open_fields(lib, c.library_id, c.key) if f != c.field]
    dirty = not mapping.same(rec.data, item.synced) or bool(others_open)
    state.mark_synced(lib, c.key, c.library_id, item.version, item.synced or rec.data, dirty)
