"""A small on-disk HTTP cache: one JSON head and one body file per (method, URL, Accept).

Why our own rather than a general one: refdesk only caches GETs of public
pages and API answers, needs the *Accept* header in the key (a DOI asked for
CSL-JSON and for HTML are two answers), must be safe across threads and
processes (atomic renames, no shared handle), and must honour ``refresh``.
Freshness follows ``Cache-Control`` (``no-store``, ``no-cache``, ``max-age``)
with a default lifetime for answers that say nothing; a stale entry with an
``ETag`` or ``Last-Modified`` is revalidated with a conditional request.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

_MAX_AGE = re.compile(r"(?:s-maxage|max-age)\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class Entry:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    encoding: str
    stored_at: float
    history: list[str] = field(default_factory=list)

    def fresh(self, default_ttl: float, now: float | None = None) -> bool:
        control = self.headers.get("cache-control", "").lower()
        if "no-cache" in control:
            return False
        m = _MAX_AGE.search(control)
        ttl = float(m.group(1)) if m else default_ttl
        return ((now or time.time()) - self.stored_at) < ttl

    def validators(self) -> dict[str, str]:
        """Headers for a conditional request, empty when the answer gave no validator."""
        out = {}
        if self.headers.get("etag"):
            out["If-None-Match"] = self.headers["etag"]
        if self.headers.get("last-modified"):
            out["If-Modified-Since"] = self.headers["last-modified"]
        return out


def storable(status: int, headers: dict[str, str]) -> bool:
    control = headers.get("cache-control", "").lower()
    return status == 200 and "no-store" not in control and "private" not in control


def cache_key(method: str, url: str, accept: str) -> str:
    return hashlib.sha256(f"{method.upper()} {url}\n{accept.strip()}".encode()).hexdigest()


class HttpCache:
    """Entries under ``root``; every write is a rename, so readers never see half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def load(self, key: str) -> Entry | None:
        head_path, body_path = self._paths(key)
        try:
            head = json.loads(head_path.read_text(encoding="utf-8"))
            content = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(content).hexdigest() != head.get("sha256"):
            return None  # a body from another write; treat as a miss
        try:
            return Entry(
                url=str(head["url"]),
                status=int(head["status"]),
                headers={str(k): str(v) for k, v in head["headers"].items()},
                content=content,
                encoding=str(head["encoding"]),
                stored_at=float(head["stored_at"]),
                history=[str(u) for u in head.get("history", [])],
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def save(self, key: str, entry: Entry) -> None:
        head_path, body_path = self._paths(key)
        try:
            head_path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(body_path, entry.content)
            head = {
                "url": entry.url,
                "status": entry.status,
                "headers": entry.headers,
                "encoding": entry.encoding,
                "stored_at": entry.stored_at,
                "history": entry.history,
                "sha256": hashlib.sha256(entry.content).hexdigest(),
            }
            _atomic_write(head_path, json.dumps(head).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only costs a request next time

    def touch(self, key: str, entry: Entry, headers: dict[str, str]) -> Entry:
        """After a 304: the stored body is fresh again, with the new answer's caching headers."""
        for name in ("cache-control", "expires", "etag", "last-modified", "date"):
            if name in headers:
                entry.headers[name] = headers[name]
        entry.stored_at = time.time()
        self.save(key, entry)
        return entry


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
