"""A local emulator of the Zotero Web API v3, for tests and benchmarks.

Real pyzotero talks to it over HTTP on 127.0.0.1. It follows the documentation in
``shared/docs/zotero-web-api-v3`` (basics, syncing, write requests, types and fields):
API keys and permissions, user and group libraries, ``format=json|versions|keys``,
``since``, ``limit``/``start`` with ``Total-Results`` and ``Link``, ``itemKey`` (<= 50),
``Last-Modified-Version``, ``If-Modified-Since-Version`` (304), ``If-Unmodified-Since-Version``
and object ``version`` (412/428), 413 over 50 objects, write tokens, per-object failures,
``/deleted``, the schema endpoints, and switchable faults (latency, 429/503 with
``Retry-After``, ``Backoff``, 500, dropped connections before or after processing).
Item fields are validated against the real Zotero schema (``fixtures/zotero/schema.json``).

Usage::

    with ZoteroServer() as server:
        key = server.add_key(user_id=1, username="alice")
        server.url  # -> "http://127.0.0.1:PORT"
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.shared import FIXTURES

SCHEMA_PATH = FIXTURES / "zotero" / "schema.json"
KEY_RE = re.compile(r"^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$")
LINK_MODES = ("imported_file", "imported_url", "linked_file", "linked_url", "embedded_image")
MAX_WRITE = 50
MAX_LIMIT = 100
DEFAULT_LIMIT = 25

# Item properties that are not item-data fields.
_ITEM_STRUCTURE = {"key", "version", "itemType", "creators", "tags", "collections", "relations", "dateAdded",
                   "dateModified", "deleted", "parentItem", "inPublications"}
# Flags the server leaves out when they are off: a write erases them with false (or 0, or "").
_ERASED_WHEN_FALSE = {"deleted", "parentItem"}
_NOTE_FIELDS = {"note"}
_ATTACHMENT_FIELDS = {"linkMode", "contentType", "charset", "filename", "md5", "mtime", "path", "note"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_object_key() -> str:
    return "".join(secrets.choice("23456789ABCDEFGHIJKLMNPQRSTUVWXYZ") for _ in range(8))


_RAW_SCHEMA: dict[str, Any] = {}


def _raw_schema(path: Path) -> dict[str, Any]:
    if str(path) not in _RAW_SCHEMA:
        _RAW_SCHEMA[str(path)] = json.loads(path.read_text(encoding="utf-8"))
    return _RAW_SCHEMA[str(path)]


class Schema:
    """Item types, their fields and creator types, from Zotero's global schema."""

    def __init__(self, path: Path = SCHEMA_PATH) -> None:
        raw = _raw_schema(path)
        self.version: int = raw["version"]
        self.locale: dict[str, dict[str, str]] = raw["locales"]["en-US"]
        self.types: dict[str, list[str]] = {}
        self.creator_types: dict[str, list[str]] = {}
        for entry in raw["itemTypes"]:
            self.types[entry["itemType"]] = [f["field"] for f in entry["fields"]]
            self.creator_types[entry["itemType"]] = [c["creatorType"] for c in entry["creatorTypes"]]
        self.all_fields: set[str] = {f for fields in self.types.values() for f in fields}
        self.extra_fields: dict[str, list[str]] = {}  # fields of a "newer schema", for unknown-field tests

    def fields_for(self, item_type: str) -> list[str]:
        base = list(self.types.get(item_type, []))
        if item_type == "note":
            base += ["note"]
        elif item_type == "attachment":
            base += sorted(_ATTACHMENT_FIELDS)
        return base + self.extra_fields.get(item_type, [])

    def template(self, item_type: str) -> dict[str, Any]:
        """What ``/items/new`` returns (and what the server fills in for a new item)."""
        out: dict[str, Any] = {"itemType": item_type}
        if item_type == "note":
            out["note"] = ""
        elif item_type == "attachment":
            out.update({"linkMode": "imported_file", "title": "", "accessDate": "", "url": "", "note": "",
                        "contentType": "", "charset": "", "filename": "", "md5": None, "mtime": None})
        else:
            primary = self.creator_types.get(item_type, ["author"])[:1]
            out["title"] = ""
            out["creators"] = [{"creatorType": primary[0], "firstName": "", "lastName": ""}] if primary else []
            for f in self.fields_for(item_type):
                out.setdefault(f, "")
        out.update({"tags": [], "collections": [], "relations": {}})
        return out


@dataclass
class KeyInfo:
    key: str
    user_id: int
    username: str
    write: bool = True
    groups_write: bool = True
    groups: bool = True
    notes: bool = True
    files: bool = True

    def as_json(self) -> dict[str, Any]:
        access: dict[str, Any] = {"user": {"library": True, "files": self.files, "notes": self.notes, "write": self.write}}
        if self.groups:
            access["groups"] = {"all": {"library": True, "write": self.groups_write}}
        return {"key": self.key, "userID": self.user_id, "username": self.username, "displayName": self.username,
                "access": access}


@dataclass
class Obj:
    data: dict[str, Any]
    version: int


@dataclass
class ZLibrary:
    kind: str  # "user" or "group"
    id: int
    name: str
    version: int = 0
    items: dict[str, Obj] = field(default_factory=dict)
    collections: dict[str, Obj] = field(default_factory=dict)
    searches: dict[str, Obj] = field(default_factory=dict)
    deleted: dict[str, dict[str, int]] = field(default_factory=lambda: {"items": {}, "collections": {}, "searches": {}, "tags": {}})

    @property
    def prefix(self) -> str:
        return f"/{self.kind}s/{self.id}"

    def store(self, object_type: str) -> dict[str, Obj]:
        store: dict[str, Obj] = getattr(self, object_type)
        return store


@dataclass
class Fault:
    """One injected failure: ``kind`` in 429, 503, 500, drop, drop_after, backoff."""

    kind: str
    times: int = 1
    method: str | None = None  # only requests with this method
    path_contains: str | None = None
    retry_after: float = 1
    skip: int = 0  # let this many matching requests through first

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path_contains is None or self.path_contains in path)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class _Dropped(Exception):
    """Close the connection without answering."""


class ZoteroServer:
    """The emulated server: state, HTTP front end, faults. Thread-safe (one lock)."""

    def __init__(self, latency: float = 0.0, schema: Schema | None = None) -> None:
        self.schema = schema or Schema()
        self.latency = latency
        self.lock = threading.RLock()
        self.keys: dict[str, KeyInfo] = {}
        self.libraries: dict[str, ZLibrary] = {}
        self.write_tokens: dict[str, set[str]] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self.seen_headers: list[dict[str, str]] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self) -> ZoteroServer:
        server = self

        class Handler(_Handler):
            emulator = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ZoteroServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- setup helpers ----------------------------------------------------
    def add_key(self, user_id: int, username: str = "Z User", *, write: bool = True, key: str | None = None,
                groups: bool = True, groups_write: bool = True) -> str:
        with self.lock:
            k = key or secrets.token_hex(12)
            self.keys[k] = KeyInfo(k, user_id, username, write=write, groups=groups, groups_write=groups_write)
            self.library("user", user_id, username)
            return k

    def library(self, kind: str, lib_id: int, name: str = "") -> ZLibrary:
        with self.lock:
            ident = f"{kind}s/{lib_id}"
            if ident not in self.libraries:
                self.libraries[ident] = ZLibrary(kind, lib_id, name or f"{kind}{lib_id}")
            return self.libraries[ident]

    def add_group(self, group_id: int, name: str = "") -> ZLibrary:
        return self.library("group", group_id, name or f"group{group_id}")

    def inject(self, kind: str, times: int = 1, **kw: Any) -> Fault:
        fault = Fault(kind, times, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def request_count(self) -> int:
        with self.lock:
            return len(self.requests)

    # -- direct (remote-side) edits, as another Zotero client would make --
    def put_items(self, lib: ZLibrary, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """Write items as another client would (through the same validation)."""
        with self.lock:
            return self._write_objects(lib, "items", copy.deepcopy(objects), None)

    def put_collections(self, lib: ZLibrary, objects: list[dict[str, Any]]) -> dict[str, Any]:
        with self.lock:
            return self._write_objects(lib, "collections", copy.deepcopy(objects), None)

    def delete_items(self, lib: ZLibrary, keys: list[str]) -> None:
        with self.lock:
            self._delete_objects(lib, "items", keys)

    def item_data(self, lib: ZLibrary) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {k: copy.deepcopy(o.data) for k, o in lib.items.items()}

    # -- request dispatch -------------------------------------------------
    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    return fault
            self.faults = [f for f in self.faults if f.times > 0]
        return None

    def authenticate(self, headers: dict[str, str], query: dict[str, str]) -> KeyInfo | None:
        key = headers.get("zotero-api-key")
        auth = headers.get("authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        key = key or query.get("key")
        if not key:
            return None
        info = self.keys.get(key)
        if info is None:
            raise ApiError(403, "Invalid key")
        return info

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self.lock:
            key_info = self.authenticate(headers, query)
            if headers.get("expect"):
                raise ApiError(417, "Expect header is not supported")
            status, out_headers, payload = self._route(method, path, query, headers, body, key_info)
        out_headers.setdefault("Zotero-API-Version", "3")
        if isinstance(payload, bytes | str):
            data = payload.encode() if isinstance(payload, str) else payload
            out_headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        elif payload is None:
            data = b""
        else:
            data = json.dumps(payload, ensure_ascii=False).encode()
            out_headers.setdefault("Content-Type", "application/json")
        return status, out_headers, data

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes,
               key_info: KeyInfo | None) -> tuple[int, dict[str, str], Any]:
        segs = [s for s in path.split("/") if s]
        if not segs:
            return 200, {}, "Nothing to see here."
        if segs[0] == "keys" and len(segs) == 2:
            if segs[1] == "current":
                if key_info is None:
                    raise ApiError(403, "Forbidden")
                info = key_info
            else:
                found = self.keys.get(segs[1])
                if found is None:
                    raise ApiError(404, "Key not found")
                info = found
            if method == "DELETE":
                self.keys.pop(info.key, None)
                return 204, {}, None
            return 200, {}, info.as_json()
        if segs[0] in ("itemTypes", "itemFields", "creatorFields", "itemTypeFields", "itemTypeCreatorTypes") and len(segs) == 1:
            return 200, {"Last-Modified": "Mon, 14 Mar 2011 22:30:17 GMT"}, self._schema_endpoint(segs[0], query)
        if segs[0] == "items" and segs[1:] == ["new"]:
            item_type = query.get("itemType", "")
            if item_type not in self.schema.types:
                raise ApiError(400, "'itemType' is unspecified or invalid")
            template = self.schema.template(item_type)
            if item_type == "attachment":
                link_mode = query.get("linkMode", "")
                if link_mode not in LINK_MODES:
                    raise ApiError(400, "Invalid linkMode" if link_mode else "linkMode required for attachment template")
                template["linkMode"] = link_mode
            return 200, {}, template
        if segs[0] == "schema":
            return 200, {}, json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        if segs[0] in ("users", "groups") and len(segs) >= 2 and segs[1].isdigit():
            kind = segs[0][:-1]
            lib_id = int(segs[1])
            if kind == "group" and len(segs) == 2:
                lib = self.libraries.get(f"groups/{lib_id}")
                if lib is None:
                    raise ApiError(404, "Group not found")
                return 200, {"Last-Modified-Version": str(lib.version)}, self._group_json(lib)
            if kind == "user" and len(segs) >= 3 and segs[2] == "groups":
                return self._user_groups(lib_id, query, key_info)
            lib = self.libraries.get(f"{kind}s/{lib_id}")
            if lib is None:
                raise ApiError(404, "Not found")
            write = method in ("POST", "PUT", "PATCH", "DELETE")
            self._check_access(lib, key_info, write)
            return self._library_route(lib, method, segs[2:], query, headers, body)
        raise ApiError(404, "Not found")

    def _check_access(self, lib: ZLibrary, info: KeyInfo | None, write: bool) -> None:
        if info is None:
            raise ApiError(403, "Forbidden")
        if lib.kind == "user":
            if info.user_id != lib.id:
                raise ApiError(403, "Forbidden")
            if write and not info.write:
                raise ApiError(403, "Write access denied")
        else:
            if not info.groups:
                raise ApiError(403, "Forbidden")
            if write and not info.groups_write:
                raise ApiError(403, "Write access denied")

    def _schema_endpoint(self, name: str, query: dict[str, str]) -> Any:
        loc = self.schema.locale
        if name == "itemTypes":
            return [{"itemType": t, "localized": loc["itemTypes"].get(t, t)} for t in self.schema.types]
        if name == "itemFields":
            return [{"field": f, "localized": loc["fields"].get(f, f)} for f in sorted(self.schema.all_fields)]
        if name == "creatorFields":
            return [{"field": "firstName", "localized": "First"}, {"field": "lastName", "localized": "Last"},
                    {"field": "name", "localized": "Name"}]
        item_type = query.get("itemType", "")
        if item_type not in self.schema.types:
            raise ApiError(400, "'itemType' is unspecified or invalid")
        if name == "itemTypeFields":
            return [{"field": f, "localized": loc["fields"].get(f, f)} for f in self.schema.types[item_type]]
        return [{"creatorType": c, "localized": loc["creatorTypes"].get(c, c)} for c in self.schema.creator_types[item_type]]

    def _group_json(self, lib: ZLibrary) -> dict[str, Any]:
        return {"id": lib.id, "version": lib.version,
                "links": {"self": {"href": f"{self.url}/groups/{lib.id}", "type": "application/json"}},
                "meta": {"created": "2018-11-17T01:19:31Z", "lastModified": _now(), "numItems": len(lib.items)},
                "data": {"id": lib.id, "version": lib.version, "name": lib.name, "owner": 1, "type": "Private",
                         "description": "", "url": "", "libraryEditing": "members", "libraryReading": "members",
                         "fileEditing": "none"}}

    def _user_groups(self, user_id: int, query: dict[str, str], info: KeyInfo | None) -> tuple[int, dict[str, str], Any]:
        if info is None or info.user_id != user_id:
            raise ApiError(403, "Forbidden")
        groups = [lib for lib in self.libraries.values() if lib.kind == "group"] if info.groups else []
        if query.get("format") == "versions":
            return 200, {}, {str(g.id): g.version for g in groups}
        return 200, {"Total-Results": str(len(groups))}, [self._group_json(g) for g in groups]

    # -- library endpoints ------------------------------------------------
    def _library_route(self, lib: ZLibrary, method: str, segs: list[str], query: dict[str, str],
                       headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        if not segs:
            raise ApiError(404, "Not found")
        head = segs[0]
        if head == "deleted" and method == "GET":
            if "since" not in query:
                raise ApiError(400, "'since' parameter must be provided")
            since = _int_param(query, "since")
            ims = headers.get("if-modified-since-version")
            if ims is not None and lib.version <= int(ims):
                return 304, {"Last-Modified-Version": str(lib.version)}, None
            out = {t: [k for k, v in keys.items() if v > since] for t, keys in lib.deleted.items()}
            return 200, {"Last-Modified-Version": str(lib.version)}, out
        if head in ("items", "collections", "searches"):
            object_type = head
            rest = segs[1:]
            if method == "GET":
                return self._read(lib, object_type, rest, query, headers)
            if method == "POST" and not rest:
                return self._post(lib, object_type, headers, body)
            if method == "DELETE" and not rest:
                return self._delete_multi(lib, object_type, query, headers)
            if len(rest) == 1 and method in ("PUT", "PATCH", "DELETE"):
                return self._single_write(lib, object_type, rest[0], method, headers, body)
            raise ApiError(405, "Method not allowed")
        if head == "tags" and method == "GET":
            tags: dict[tuple[str, int], int] = {}
            for obj in lib.items.values():
                for t in obj.data.get("tags", []):
                    tk = (t["tag"], int(t.get("type", 0)))
                    tags[tk] = tags.get(tk, 0) + 1
            out = [{"tag": t, "links": {}, "meta": {"type": ty, "numItems": n}} for (t, ty), n in sorted(tags.items())]
            return 200, {"Total-Results": str(len(out)), "Last-Modified-Version": str(lib.version)}, out
        if head == "settings" and method == "GET":
            return 200, {"Last-Modified-Version": str(lib.version)}, {}
        raise ApiError(404, "Not found")

    @staticmethod
    def _counts(lib: ZLibrary) -> dict[str, int]:
        """Children per item and items/subcollections per collection, computed once per response."""
        counts: dict[str, int] = {}
        for o in lib.items.values():
            parent = o.data.get("parentItem")
            if parent:
                counts[parent] = counts.get(parent, 0) + 1
            for c in o.data.get("collections", []):
                counts["items:" + c] = counts.get("items:" + c, 0) + 1
        for o in lib.collections.values():
            parent = o.data.get("parentCollection")
            if parent:
                counts["colls:" + parent] = counts.get("colls:" + parent, 0) + 1
        return counts

    def _envelope(self, lib: ZLibrary, object_type: str, key: str, obj: Obj,
                  counts: dict[str, int] | None = None) -> dict[str, Any]:
        counts = self._counts(lib) if counts is None else counts
        data = {"key": key, "version": obj.version, **copy.deepcopy(obj.data)}
        lib_json = {"type": lib.kind, "id": lib.id, "name": lib.name,
                    "links": {"alternate": {"href": f"https://www.zotero.org/{lib.name}", "type": "text/html"}}}
        links = {"self": {"href": f"{self.url}{lib.prefix}/{object_type}/{key}", "type": "application/json"},
                 "alternate": {"href": f"https://www.zotero.org/{lib.name}/{object_type}/{key}", "type": "text/html"}}
        meta: dict[str, Any] = {}
        if object_type == "items":
            creators = obj.data.get("creators", [])
            if creators:
                names = [c.get("lastName") or c.get("name", "") for c in creators]
                meta["creatorSummary"] = names[0] if len(names) == 1 else (
                    f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al.")
            date = str(obj.data.get("date", ""))
            m = re.search(r"\d{4}", date)
            if m:
                meta["parsedDate"] = m.group(0)
            if obj.data.get("itemType") not in ("note", "attachment"):
                meta["numChildren"] = counts.get(key, 0)
        elif object_type == "collections":
            meta["numCollections"] = counts.get("colls:" + key, 0)
            meta["numItems"] = counts.get("items:" + key, 0)
        return {"key": key, "version": obj.version, "library": lib_json, "links": links, "meta": meta, "data": data}

    def _read(self, lib: ZLibrary, object_type: str, rest: list[str], query: dict[str, str],
              headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        store = lib.store(object_type)
        ims = headers.get("if-modified-since-version")
        # single object
        if len(rest) == 1 and rest[0] not in ("top", "trash"):
            key = rest[0]
            obj = store.get(key)
            if obj is None:
                raise ApiError(404, "Not found")
            if ims is not None and obj.version <= int(ims):
                return 304, {"Last-Modified-Version": str(obj.version)}, None
            return 200, {"Last-Modified-Version": str(obj.version)}, self._envelope(lib, object_type, key, obj)
        if ims is not None and lib.version <= int(ims):
            return 304, {"Last-Modified-Version": str(lib.version)}, None
        keys = sorted(store, key=lambda k: (-store[k].version, k))
        include_trashed = query.get("includeTrashed") == "1"
        if object_type == "items":
            if rest == ["top"]:
                keys = [k for k in keys if not store[k].data.get("parentItem")]
            elif rest == ["trash"]:
                keys = [k for k in keys if store[k].data.get("deleted")]
                include_trashed = True
            elif len(rest) == 2 and rest[1] == "children":
                keys = [k for k in keys if store[k].data.get("parentItem") == rest[0]]
            elif rest:
                raise ApiError(404, "Not found")
            if not include_trashed:
                keys = [k for k in keys if not store[k].data.get("deleted")]
        elif object_type == "collections":
            if rest == ["top"]:
                keys = [k for k in keys if not store[k].data.get("parentCollection")]
            elif len(rest) == 2 and rest[1] == "items":
                items = lib.items
                keys = sorted((k for k, o in items.items() if rest[0] in o.data.get("collections", [])),
                              key=lambda k: (-items[k].version, k))
                object_type, store = "items", items
            elif rest:
                raise ApiError(404, "Not found")
        key_param = {"items": "itemKey", "collections": "collectionKey", "searches": "searchKey"}[object_type]
        if query.get(key_param):
            wanted = [k for k in query[key_param].split(",") if k]
            if len(wanted) > MAX_WRITE:
                raise ApiError(400, f"Cannot specify more than {MAX_WRITE} keys")
            wanted_set = set(wanted)
            keys = [k for k in keys if k in wanted_set]
        if query.get("since"):
            since = _int_param(query, "since")
            keys = [k for k in keys if store[k].version > since]
        if query.get("itemType") and object_type == "items":
            keys = self._filter_item_type(store, keys, query["itemType"])
        fmt = query.get("format", "json")
        base_headers = {"Last-Modified-Version": str(lib.version), "Total-Results": str(len(keys))}
        start = _int_param(query, "start")
        if fmt in ("versions", "keys"):
            page = keys[start:start + _int_param(query, "limit")] if query.get("limit") else keys[start:]
            if fmt == "keys":
                return 200, base_headers, "\n".join(page) + "\n"
            return 200, base_headers, {k: store[k].version for k in page}
        if fmt != "json":
            raise ApiError(400, f"Invalid 'format' value '{fmt}'")
        limit = _int_param(query, "limit") if query.get("limit") else DEFAULT_LIMIT
        if limit < 1:
            raise ApiError(400, "'limit' must be a positive integer")
        limit = min(limit, MAX_LIMIT)
        page = keys[start:start + limit]
        links = self._link_header(lib, object_type, rest, query, start, limit, len(keys))
        if links:
            base_headers["Link"] = links
        counts = self._counts(lib)
        return 200, base_headers, [self._envelope(lib, object_type, k, store[k], counts) for k in page]

    @staticmethod
    def _filter_item_type(store: dict[str, Obj], keys: list[str], expr: str) -> list[str]:
        negate = expr.startswith("-")
        wanted = {t.strip() for t in expr.lstrip("-").split("||")}
        return [k for k in keys if (store[k].data.get("itemType") in wanted) != negate]

    def _link_header(self, lib: ZLibrary, object_type: str, rest: list[str], query: dict[str, str],
                     start: int, limit: int, total: int) -> str:
        if total <= limit and start == 0:
            return ""
        base = f"{self.url}{lib.prefix}/{object_type}" + ("/" + "/".join(rest) if rest else "")
        params = {k: v for k, v in query.items() if k not in ("start", "limit", "key")}

        def link(s: int, rel: str) -> str:
            q = urlencode({**params, "limit": limit, "start": s}) if s else urlencode({**params, "limit": limit})
            return f'<{base}?{q}>; rel="{rel}"'

        out = [link(0, "first")]
        if start > 0:
            out.append(link(max(0, start - limit), "prev"))
        if start + limit < total:
            out.append(link(start + limit, "next"))
        last = ((total - 1) // limit) * limit if total else 0
        out.append(link(last, "last"))
        out.append(f'<https://www.zotero.org/{lib.name}/{object_type}>; rel="alternate"')
        return ", ".join(out)

    # -- writes -----------------------------------------------------------
    def _check_library_version(self, lib: ZLibrary, headers: dict[str, str]) -> int | None:
        ius = headers.get("if-unmodified-since-version")
        if ius is None:
            return None
        try:
            expected = int(ius)
        except ValueError:
            raise ApiError(400, "Invalid If-Unmodified-Since-Version value") from None
        if lib.version > expected:
            raise ApiError(412, f"Library has been modified since specified version (expected {expected}, found {lib.version})")
        return expected

    def _post(self, lib: ZLibrary, object_type: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        payload = _json_body(body, list, "array")
        if len(payload) > MAX_WRITE:
            raise ApiError(413, f"Only {MAX_WRITE} objects can be saved in a single request")
        version_header = self._check_library_version(lib, headers)
        token = headers.get("zotero-write-token")
        api_key = headers.get("zotero-api-key") or headers.get("authorization", "")[7:].strip()
        if token is not None:
            if len(token) != 32:
                raise ApiError(400, "Invalid Zotero-Write-Token")
            if token in self.write_tokens.setdefault(api_key, set()):
                raise ApiError(412, "Write token already used")
        result = self._write_objects(lib, object_type, payload, version_header)
        if token is not None:
            self.write_tokens[api_key].add(token)
        return 200, {"Last-Modified-Version": str(lib.version)}, result

    def _write_objects(self, lib: ZLibrary, object_type: str, payload: list[Any], version_header: int | None,
                       replace: bool = False) -> dict[str, Any]:
        """Validate and save each object; one new library version for the whole request."""
        store = lib.store(object_type)
        new_version = lib.version + 1
        successful: dict[str, Any] = {}
        success: dict[str, str] = {}
        unchanged: dict[str, str] = {}
        failed: dict[str, Any] = {}
        stamp = _now()
        for index, obj in enumerate(payload):
            idx = str(index)
            key = obj.get("key") if isinstance(obj, dict) else None
            try:
                if not isinstance(obj, dict):
                    raise ApiError(400, "Invalid value for index 0 in uploaded data; expected JSON object")
                key = key or new_object_key()
                if not isinstance(key, str) or not KEY_RE.match(key):
                    raise ApiError(400, f"'{key}' is not a valid {object_type[:-1]} key")
                existing = store.get(key)
                if "version" in obj:
                    try:
                        given = int(obj["version"])
                    except (TypeError, ValueError):
                        raise ApiError(400, "Invalid 'version' property") from None
                    current = existing.version if existing else 0
                    if existing is None and given > 0:
                        raise ApiError(404, f"{object_type[:-1].capitalize()} doesn't exist (expected version {given}; use 0 instead)")
                    if existing is not None and given != current:
                        raise ApiError(412, f"{object_type[:-1].capitalize()} has been modified since specified version (expected {given}, found {current})")
                elif existing is not None and version_header is None:
                    raise ApiError(428, "Either If-Unmodified-Since-Version or object version must be provided for existing objects")
                if object_type == "items":
                    data = self._validate_item(lib, key, obj, existing, replace, stamp, successful_keys=set(success.values()))
                elif object_type == "collections":
                    data = self._validate_collection(lib, key, obj, existing, replace)
                else:
                    data = {k: v for k, v in obj.items() if k not in ("key", "version")}
                if existing is not None and _same(existing.data, data):
                    unchanged[idx] = key
                    continue
                store[key] = Obj(data, new_version)
                lib.deleted[object_type].pop(key, None)
                success[idx] = key
            except ApiError as exc:
                failed[idx] = {"key": key if isinstance(key, str) else "", "code": exc.status, "message": exc.message}
        if success:
            lib.version = new_version
            counts = self._counts(lib)
            for idx, key in success.items():
                successful[idx] = self._envelope(lib, object_type, key, store[key], counts)
        return {"successful": successful, "success": success, "unchanged": unchanged, "failed": failed}

    def _validate_item(self, lib: ZLibrary, key: str, obj: dict[str, Any], existing: Obj | None, replace: bool,
                       stamp: str, successful_keys: set[str]) -> dict[str, Any]:
        base: dict[str, Any] = {} if (existing is None or replace) else copy.deepcopy(existing.data)
        if existing is None and "itemType" not in obj:
            raise ApiError(400, "'itemType' property not provided")
        item_type = obj.get("itemType", base.get("itemType"))
        if item_type not in self.schema.types or item_type == "annotation":
            raise ApiError(400, f"'{item_type}' is not a valid itemType")
        allowed = set(self.schema.fields_for(item_type))
        known = self.schema.all_fields | _NOTE_FIELDS | _ATTACHMENT_FIELDS | {
            f for fs in self.schema.extra_fields.values() for f in fs}
        for name, value in obj.items():
            if name in _ITEM_STRUCTURE:
                continue
            if name not in known:
                raise ApiError(400, f"Invalid property '{name}'")
            if name not in allowed and value not in ("", None, False):
                raise ApiError(400, f"'{name}' is not a valid field for type '{item_type}'")
            if name not in _ATTACHMENT_FIELDS and not isinstance(value, str):
                raise ApiError(400, f"'{name}' value must be a string")
        if "deleted" in obj and obj["deleted"] not in (0, 1, True, False, "", None):
            raise ApiError(400, "'deleted' must be true, false, 1 or 0")
        if existing is not None and "dateAdded" in obj and obj["dateAdded"] != existing.data.get("dateAdded"):
            raise ApiError(400, "'dateAdded' cannot be modified for existing items")
        creators = obj.get("creators", base.get("creators", []))
        if item_type in ("note", "attachment"):
            if obj.get("creators"):
                raise ApiError(400, f"'creators' is not a valid field for type '{item_type}'")
        else:
            if not isinstance(creators, list):
                raise ApiError(400, "'creators' property must be an array")
            valid_types = self.schema.creator_types.get(item_type, [])
            for c in creators:
                if not isinstance(c, dict):
                    raise ApiError(400, "Creator must be an object")
                ct = c.get("creatorType")
                if ct not in valid_types:
                    raise ApiError(400, f"'{ct}' is not a valid creator type for item type '{item_type}'")
                if "name" in c and ("firstName" in c or "lastName" in c):
                    raise ApiError(400, "Creator 'name' cannot be used with 'firstName' or 'lastName'")
            # A creator with no name at all (as in the /items/new template) is dropped, as Zotero does.
            creators = [c for c in creators if any(str(c.get(n, "")).strip() for n in ("name", "firstName", "lastName"))]
            if "creators" in obj:
                obj = {**obj, "creators": creators}
        tags = obj.get("tags", base.get("tags", []))
        if not isinstance(tags, list):
            raise ApiError(400, "'tags' property must be an array")
        for t in tags:
            if not isinstance(t, dict) or not isinstance(t.get("tag"), str):
                raise ApiError(400, "Tag must be an object with a 'tag' string")
            if not t["tag"].strip():
                raise ApiError(400, "Tag cannot be empty")
            if t.get("type", 0) not in (0, 1):
                raise ApiError(400, "Invalid tag type")
        collections = obj.get("collections", base.get("collections", []))
        if not isinstance(collections, list):
            raise ApiError(400, "'collections' property must be an array")
        for ck in collections:
            if ck not in lib.collections:
                raise ApiError(409, f"Collection {ck} doesn't exist")
        relations = obj.get("relations", base.get("relations", {}))
        if not isinstance(relations, dict):
            raise ApiError(400, "'relations' property must be an object")
        if item_type == "attachment" and obj.get("linkMode", base.get("linkMode")) not in LINK_MODES:
            raise ApiError(400, f"'{obj.get('linkMode')}' is not a valid linkMode")
        parent = obj.get("parentItem", base.get("parentItem"))
        if parent:
            if item_type not in ("note", "attachment"):
                raise ApiError(400, "Only notes and attachments can be child items")
            if parent not in lib.items and parent not in successful_keys:
                raise ApiError(409, f"Parent item {parent} doesn't exist")
        if existing is None or replace:
            data = self.schema.template(item_type)
            if item_type not in ("note", "attachment"):
                data["creators"] = []
            if existing is not None:
                data["dateAdded"] = existing.data.get("dateAdded", stamp)
        else:
            data = base
            if item_type != base.get("itemType"):
                # A type change keeps only fields the new type has.
                data = {k: v for k, v in base.items() if k in _ITEM_STRUCTURE or k in allowed}
                data["itemType"] = item_type
        for name, value in obj.items():
            if name in ("key", "version"):
                continue
            if name in _ERASED_WHEN_FALSE and value in ("", None, False):  # (0 == False: "deleted": 0 restores)
                data.pop(name, None)  # restored from the Trash / made top-level: Zotero omits the property
                continue
            if name not in allowed and name not in _ITEM_STRUCTURE and value in ("", None, False):
                continue
            data[name] = copy.deepcopy(value)
        data.setdefault("dateAdded", stamp)
        if "dateModified" not in obj or (existing is not None and obj.get("dateModified") == existing.data.get("dateModified")):
            data["dateModified"] = stamp
        return data

    def _validate_collection(self, lib: ZLibrary, key: str, obj: dict[str, Any], existing: Obj | None,
                             replace: bool) -> dict[str, Any]:
        base = {} if (existing is None or replace) else copy.deepcopy(existing.data)
        data = {"name": "", "parentCollection": False, "relations": {}, **base}
        for name, value in obj.items():
            if name in ("key", "version"):
                continue
            if name not in ("name", "parentCollection", "relations"):
                raise ApiError(400, f"Invalid property '{name}'")
            data[name] = copy.deepcopy(value)
        if not str(data.get("name", "")).strip():
            raise ApiError(400, "Collection name cannot be empty")
        parent = data.get("parentCollection")
        if parent in ("", None):
            data["parentCollection"] = False
        elif parent is not False and parent not in lib.collections:
            raise ApiError(409, f"Parent collection {parent} doesn't exist")
        return data

    def _delete_objects(self, lib: ZLibrary, object_type: str, keys: list[str]) -> None:
        store = lib.store(object_type)
        new_version = lib.version + 1
        doomed = [k for k in keys if k in store]
        if object_type == "items":
            doomed += [k for k, o in lib.items.items() if o.data.get("parentItem") in doomed and k not in doomed]
        if not doomed:
            return
        for k in doomed:
            del store[k]
            lib.deleted[object_type][k] = new_version
        if object_type == "collections":
            for obj in lib.items.values():
                cols = obj.data.get("collections", [])
                if any(c in doomed for c in cols):
                    obj.data["collections"] = [c for c in cols if c not in doomed]
                    obj.version = new_version
        lib.version = new_version

    def _delete_multi(self, lib: ZLibrary, object_type: str, query: dict[str, str],
                      headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        key_param = {"items": "itemKey", "collections": "collectionKey", "searches": "searchKey"}[object_type]
        if "if-unmodified-since-version" not in headers:
            raise ApiError(428, "If-Unmodified-Since-Version not provided")
        self._check_library_version(lib, headers)
        keys = [k for k in query.get(key_param, "").split(",") if k]
        if not keys:
            raise ApiError(400, f"'{key_param}' not provided")
        if len(keys) > MAX_WRITE:
            raise ApiError(413, f"Only {MAX_WRITE} objects can be deleted in a single request")
        self._delete_objects(lib, object_type, keys)
        return 204, {"Last-Modified-Version": str(lib.version)}, None

    def _single_write(self, lib: ZLibrary, object_type: str, key: str, method: str, headers: dict[str, str],
                      body: bytes) -> tuple[int, dict[str, str], Any]:
        store = lib.store(object_type)
        existing = store.get(key)
        if method == "DELETE":
            ius = headers.get("if-unmodified-since-version")
            if ius is None:
                raise ApiError(428, "If-Unmodified-Since-Version not provided")
            if existing is None:
                raise ApiError(404, "Not found")
            if existing.version > int(ius):
                raise ApiError(412, f"{object_type[:-1].capitalize()} has been modified since specified version")
            self._delete_objects(lib, object_type, [key])
            return 204, {"Last-Modified-Version": str(lib.version)}, None
        obj = _json_body(body, dict, "object")
        ius = headers.get("if-unmodified-since-version")
        if existing is not None:
            current = existing.version
            given = obj.get("version", ius)
            if given is None:
                raise ApiError(428, "If-Unmodified-Since-Version not provided")
            if int(given) != current:
                raise ApiError(412, f"{object_type[:-1].capitalize()} has been modified since specified version (expected {given}, found {current})")
        obj = {**obj, "key": key}
        obj.pop("version", None)
        result = self._write_objects(lib, object_type, [obj], version_header=0, replace=(method == "PUT"))
        if result["failed"]:
            f = result["failed"]["0"]
            raise ApiError(f["code"], f["message"])
        return 204, {"Last-Modified-Version": str(lib.version)}, None


def _json_body(body: bytes, kind: type, what: str) -> Any:
    """The uploaded JSON, or the 400 Zotero answers to a body that is not JSON or not a JSON ``what``."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "Invalid JSON") from None
    if not isinstance(payload, kind):
        raise ApiError(400, f"Uploaded data must be a JSON {what}")
    return payload


def _int_param(query: dict[str, str], name: str) -> int:
    """A non-negative integer query parameter (absent: 0), or 400 as the API answers."""
    raw = query.get(name) or "0"
    if not raw.isdigit():
        raise ApiError(400, f"Invalid '{name}' value '{raw}'")
    return int(raw)


def _norm(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("dateModified",) and v not in ("", None)}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _norm(a) == _norm(b)


class _Handler(BaseHTTPRequestHandler):
    emulator: ZoteroServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes; avoid delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        em = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        method = self.command
        with em.lock:
            em.seen_headers.append(dict(headers))
        if em.latency:
            time.sleep(em.latency)
        fault = em.take_fault(method, self.path)
        extra: dict[str, str] = {}
        if fault is not None:
            if fault.kind == "drop":
                self._drop()
                return
            if fault.kind in ("429", "503", "500"):
                hdrs = {"Retry-After": str(fault.retry_after)} if fault.kind != "500" else {}
                msg = {"429": "Too Many Requests", "503": "Service Unavailable", "500": "An error occurred"}[fault.kind]
                with em.lock:
                    em.requests.append((method, self.path, int(fault.kind)))
                self._reply(int(fault.kind), {**hdrs, "Content-Type": "text/plain"}, msg.encode())
                return
            if fault.kind == "backoff":
                extra["Backoff"] = str(fault.retry_after)
        try:
            status, out_headers, data = em.handle(method, self.path, headers, body)
        except ApiError as exc:
            status, out_headers, data = exc.status, {**exc.headers, "Content-Type": "text/plain"}, exc.message.encode()
        except Exception as exc:  # an emulator bug shows as a 500 with the reason
            status, out_headers, data = 500, {"Content-Type": "text/plain"}, f"emulator error: {exc!r}".encode()
        with em.lock:
            em.requests.append((method, self.path, status))
        if fault is not None and fault.kind == "drop_after":
            self._drop()
            return
        self._reply(status, {**out_headers, **extra}, data)

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304 and status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and status not in (204, 304):
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def main() -> None:
    """Run the emulator in its own process: prints ``URL KEY`` on one line, serves until killed."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Local Zotero Web API v3 emulator")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    parser.add_argument("--user-id", type=int, default=1)
    parser.add_argument("--key", default=None, help="the API key to accept (default: a random one)")
    args = parser.parse_args()
    srv = ZoteroServer(latency=args.latency).start()
    key = srv.add_key(args.user_id, "emulated user", key=args.key)
    print(srv.url, key, flush=True)
    try:
        sys.stdin.read()  # serve until our parent closes stdin or kills us
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
