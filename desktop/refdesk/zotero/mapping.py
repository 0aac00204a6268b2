"""Record <-> Zotero item JSON: a near-identity, exact in both directions.

``Record.data`` *is* Zotero's editable item JSON without ``key``/``version``, so every
field, creator, tag (with its ``type``), collection, relation, note, attachment field and
any field refdesk does not know survives a round trip untouched. Nothing is added either:
a note gets no ``creators`` key it did not have, since the server would refuse it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from refdesk.model import Record

#: Properties the server maintains; they never count as a change by either side.
SERVER_MANAGED = frozenset({"key", "version", "dateModified"})


def to_zotero(record: Record, version: int | None = None) -> dict[str, Any]:
    """Editable JSON to upload: ``key``, ``version`` and the data exactly as stored."""
    out: dict[str, Any] = {"key": record.key, "version": record.version if version is None else version}
    out.update(copy.deepcopy(record.data))
    return out


def from_zotero(obj: dict[str, Any]) -> Record:
    """A Record from a full API object (``{"key", "version", "data", ...}``) or its ``data``.

    The data dict is copied shallowly: objects come fresh from a response and are owned by the Record.
    """
    data = dict(obj["data"] if isinstance(obj.get("data"), dict) and "itemType" in obj["data"] else obj)
    key = str(data.pop("key", obj.get("key", "")))
    version = int(data.pop("version", obj.get("version", 0)) or 0)
    return Record(data=data, key=key, version=version)


#: What the server treats as an absent field (compared by equality, as JSON values are): ``false``/``0``
#: too, as a restored item's ``deleted`` flag or a top-level item's ``parentItem`` is sent.
_EMPTY: tuple[Any, ...] = ("", None, [], {}, False)


def is_empty(value: Any) -> bool:
    """A value Zotero stores as no value at all."""
    return value in _EMPTY


def normalized(data: dict[str, Any] | None) -> dict[str, Any]:
    """Data for comparison: empty values equal absent fields; server-managed properties ignored."""
    if not data:
        return {}
    return {k: v for k, v in data.items() if k not in SERVER_MANAGED and v not in _EMPTY}


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """``normalized(a) == normalized(b)`` without building either (sync compares every item it sends)."""
    if a == b:
        return True
    a, b = a or {}, b or {}
    get = b.get
    for k, v in a.items():
        if v != get(k) and k not in SERVER_MANAGED and (v not in _EMPTY or get(k) not in _EMPTY):
            return False
    return all(k in a or k in SERVER_MANAGED or w in _EMPTY for k, w in b.items())


def clear_value(name: str, old: Any) -> Any:
    """What erases property ``name`` (whose synced value was ``old``) in a write.

    A POST keeps every property it does not name, so a cleared field must be sent empty: ``""`` for
    a field, ``[]`` for creators, tags and collections, ``{}`` for relations, ``0`` for the Trash flag
    (restored) and ``false`` for ``parentItem`` (a top-level item), as the Web API's write docs say.
    """
    if name == "deleted":
        return 0
    if name in ("parentItem", "inPublications") or isinstance(old, bool):
        return False
    if isinstance(old, list):
        return []
    if isinstance(old, dict):
        return {}
    if old is None or isinstance(old, int | float):
        return None
    return ""


def upload_data(data: dict[str, Any], synced: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` plus an empty value for every property the synced copy had and ``data`` no longer has."""
    if not synced:
        return data
    out = dict(data)
    for name, old in synced.items():
        if name not in SERVER_MANAGED and name not in ("itemType", "dateAdded") and old not in _EMPTY \
                and out.get(name) in _EMPTY:
            out[name] = clear_value(name, old)
    return out


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def collection_from_zotero(obj: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    """(key, version, data) of a collection object or its ``data``."""
    data = copy.deepcopy(obj.get("data", obj))
    key = str(data.pop("key", obj.get("key", "")))
    version = int(data.pop("version", obj.get("version", 0)) or 0)
    return key, version, data
