"""A small on-disk HTTP cache: one JSON head and one body file per (method, URL, Accept).

Why our own rather than a general one: refdesk only caches GETs of public
pages and API answers, needs the *Accept* header in the key (a DOI asked for
CSL-JSON and for HTML are two answers), must be safe across threads and
processes (atomic renames, no shared handle), and must honour ``refresh``.
Freshness follows ``Cache-Control`` (``no-store``, ``no-cache``, ``max-age``)
with a default lifetime for answers that say nothing; a stale entry with an
``ETag`` or ``Last-Modified`` is revalidated with a conditional request.

Size cap: a running estimate of the bytes on disk is kept in memory and, every
``FLUSH_BYTES`` written and on ``close``, added to a small ``size`` file that every
process shares. Only when a write takes the estimate over the cap does the cache
scan its folder and delete the least recently used entries (a hit touches the
entry's head file, so its mtime is its last use) down to ``LOW_WATER`` of the cap.
One process prunes at a time (an ``O_EXCL`` lock file; a stale one is taken over);
a reader racing a deletion sees a miss, never half an entry (the checksum).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"(?:s-maxage|max-age)\s*=\s*(\d+)", re.IGNORECASE)
_SHARD = re.compile(r"^[0-9a-f]{2}$")

#: A prune deletes down to this share of the cap, so the next one is at least this far (of the cap) away.
LOW_WATER = 0.8
#: The in-memory estimate is added to the shared ``size`` file after this many bytes (at most; less for small caps).
FLUSH_BYTES = 1024 * 1024
#: A prune lock older than this (seconds) was left by a process that died: it is taken over.
STALE_LOCK = 600.0
#: Temporary files older than this (seconds) were left by a write that died: a prune deletes them.
STALE_TMP = 3600.0


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
    """Entries under ``root``; every write is a rename, so readers never see half a file.

    ``max_bytes`` caps the disk used (None: no cap). Thread-safe; several processes may share ``root``.
    """

    def __init__(self, root: Path, max_bytes: int | None = None) -> None:
        self.root = root
        self.max_bytes = max_bytes if max_bytes and max_bytes > 0 else None
        self._lock = threading.Lock()
        self._prune_lock = threading.Lock()
        self._estimate: int | None = None  # bytes on disk as this process believes; None until the first write
        self._unflushed = 0  # bytes added to the estimate since it was last added to the shared size file
        self._flush_bytes = min(FLUSH_BYTES, self.max_bytes // 16) if self.max_bytes else FLUSH_BYTES
        self.scans = 0  # full scans of the folder (the expensive part): counted for tests and benchmarks

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
        with contextlib.suppress(OSError):
            os.utime(head_path)  # used now: the head's mtime is what the size cap's LRU order reads
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
        head = {
            "url": entry.url,
            "status": entry.status,
            "headers": entry.headers,
            "encoding": entry.encoding,
            "stored_at": entry.stored_at,
            "history": entry.history,
            "sha256": hashlib.sha256(entry.content).hexdigest(),
        }
        head_bytes = json.dumps(head).encode("utf-8")
        size = len(entry.content) + len(head_bytes)
        if self.max_bytes is not None and size > self.max_bytes * LOW_WATER:
            return  # it would push out everything else and then itself
        if self.max_bytes is not None:
            with self._lock:
                if self._estimate is None:  # before writing, or the first entry would count twice
                    self._estimate = self._shared_size()
        try:
            head_path.parent.mkdir(parents=True, exist_ok=True)
            replaced = _size(head_path) + _size(body_path)
            _atomic_write(body_path, entry.content)
            _atomic_write(head_path, head_bytes)
        except OSError:
            return  # a cache that cannot be written only costs a request next time
        self._grew(size - replaced)

    def touch(self, key: str, entry: Entry, headers: dict[str, str]) -> Entry:
        """After a 304: the stored body is fresh again, with the new answer's caching headers."""
        for name in ("cache-control", "expires", "etag", "last-modified", "date"):
            if name in headers:
                entry.headers[name] = headers[name]
        entry.stored_at = time.time()
        self.save(key, entry)
        return entry

    def close(self) -> None:
        """Add what this process wrote to the shared size file (later processes start from it)."""
        if self.max_bytes is not None:
            self._flush()

    # -- the size cap ------------------------------------------------------------------------------------------
    def _grew(self, delta: int) -> None:
        if self.max_bytes is None:
            return
        with self._lock:
            self._estimate = (self._estimate or 0) + delta
            self._unflushed += delta
            flush = abs(self._unflushed) >= self._flush_bytes or self._estimate > self.max_bytes
        if flush:
            self._flush()  # also takes in what other processes have written meanwhile
        if (self._estimate or 0) > self.max_bytes:
            self.prune()

    def _flush(self) -> None:
        with self._lock:
            delta, self._unflushed = self._unflushed, 0
            if delta == 0:
                return  # nothing written since the last flush (or ever: then no scan either)
            # read-add-write: two processes flushing at the same instant may lose one's delta; the next scan corrects it
            total = max(0, self._shared_size() + delta)
            self._write_size(total)
            self._estimate = total

    def _size_path(self) -> Path:
        return self.root / "size"

    def _shared_size(self) -> int:
        """The bytes in the cache as the shared size file says, or as a scan finds when there is none."""
        try:
            return max(0, int(self._size_path().read_text(encoding="ascii").strip()))
        except (OSError, ValueError):
            total = sum(size for _, size, _ in self._entries())
            self._write_size(total)
            return total

    def _write_size(self, total: int) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(self._size_path(), str(total).encode("ascii"))
        except OSError:
            pass

    def _entries(self) -> Iterator[tuple[list[Path], int, float]]:
        """Every entry as (its files, their bytes, last use), stale temporary files deleted on the way."""
        self.scans += 1
        now = time.time()
        try:
            shards = [d for d in os.scandir(self.root) if _SHARD.match(d.name) and d.is_dir()]
        except OSError:
            return
        for shard in shards:
            groups: dict[str, tuple[list[Path], int, float]] = {}
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for f in files:
                try:
                    st = f.stat()
                except OSError:
                    continue  # deleted meanwhile
                if f.name.startswith(".tmp-"):
                    if now - st.st_mtime > STALE_TMP:
                        Path(f.path).unlink(missing_ok=True)
                    continue
                stem, _, suffix = f.name.rpartition(".")
                paths, size, used = groups.get(stem, ([], 0, 0.0))
                if suffix == "json":
                    used = st.st_mtime  # the head's mtime is the entry's last use
                elif not any(p.suffix == ".json" for p in paths):
                    used = max(used, st.st_mtime)  # a body whose head is gone (or not seen yet) counts by its own
                groups[stem] = ([*paths, Path(f.path)], size + st.st_size, used)
            yield from groups.values()

    def prune(self) -> int:
        """Delete least recently used entries until the cache is within ``LOW_WATER`` of the cap; bytes freed.

        Skipped (0) while another thread or process prunes the same folder.
        """
        if self.max_bytes is None or not self._prune_lock.acquire(blocking=False):
            return 0
        try:
            with _folder_lock(self.root / ".prune.lock") as locked:
                if not locked:
                    return 0
                entries = list(self._entries())
                total = sum(size for _, size, _ in entries)
                freed = 0
                if total > self.max_bytes:
                    target = int(self.max_bytes * LOW_WATER)
                    for paths, size, _ in sorted(entries, key=lambda e: e[2]):
                        if total - freed <= target:
                            break
                        for path in sorted(paths, key=lambda p: p.suffix != ".json"):  # the head first: a reader then misses
                            path.unlink(missing_ok=True)
                        freed += size
                    log.info("HTTP cache: %d bytes over the cap of %d; freed %d", total - self.max_bytes, self.max_bytes, freed)
                with self._lock:
                    self._estimate = total - freed
                    self._unflushed = 0
                    self._write_size(self._estimate)
                return freed
        finally:
            self._prune_lock.release()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@contextlib.contextmanager
def _folder_lock(path: Path) -> Iterator[bool]:
    """An exclusive lock between processes: True when held; False when another (live) process holds it."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                stale = time.time() - path.stat().st_mtime > STALE_LOCK
            except OSError:
                continue  # released meanwhile: try again
            if not stale:
                yield False
                return
            path.unlink(missing_ok=True)  # its owner died mid-prune
            continue
        except OSError:
            yield False
            return
        os.close(fd)
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)
        return
    yield False


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
