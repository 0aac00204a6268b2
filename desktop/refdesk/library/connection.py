"""Opening a library file safely: refuse foreign, newer, locked or read-only files plainly.

A file that is not ours is refused before anything is written to it (not even the switch
to WAL). The file is opened by anything but SQLite only once per process, before the
process holds any connection to it: closing such a descriptor would drop SQLite's POSIX
locks, and the next process to close would take itself for the last user and delete the
write-ahead log under the others (the corruption issue 12 found). Nothing opens a live
library as ``immutable`` either.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from refdesk.errors import LibraryDamagedError, LibraryError
from refdesk.library.backup import backup_before_migration, damaged_message, is_damage
from refdesk.library.migrations import APPLICATION_ID, SCHEMA_VERSION, apply

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: Seconds to wait for another program's write lock before saying the library is locked.
BUSY_TIMEOUT = 5.0


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _read_only(path: Path) -> bool:
    """No write permission, or no write bit at all (a file marked read-only, even for root)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK) or not mode & 0o222


def _refuse(path: Path, app_id: int, version: int, has_tables: bool) -> None:
    """Raise when the file is someone else's database or a newer refdesk's library."""
    if app_id != APPLICATION_ID and has_tables:
        raise LibraryError(f"{path} is an SQLite database but not a refdesk library; it was left untouched")
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"The library {path} was written by a newer refdesk (schema {version}, this version knows up to "
            f"{SCHEMA_VERSION}); upgrade refdesk to open it. The file was left untouched"
        )


def _check_header(path: Path) -> None:
    """Refuse a file that is not ours from its first 100 bytes, before SQLite touches it.

    Only called while this process holds no connection to the file (see ``connect``): closing a file
    descriptor drops every POSIX lock the process holds on that file, SQLite's included.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except PermissionError:
        raise LibraryError(f"Cannot read the library {path}: permission denied") from None
    except IsADirectoryError:
        raise LibraryError(f"The library path {path} is a folder, not a file") from None
    if not head:
        return  # empty file: treat as new
    if not head.startswith(_SQLITE_MAGIC):
        raise LibraryError(f"{path} is not a refdesk library (not an SQLite database); it was left untouched")
    if len(head) < 100:
        raise LibraryDamagedError(damaged_message(path, f"cut short at {len(head)} bytes"))
    wal_mode = head[18] == 2 and path.with_name(path.name + "-wal").exists()
    if wal_mode:
        return  # the header may be older than the write-ahead log: SQLite itself checks (connect)
    schema_cookie, version, app_id = (int.from_bytes(head[i:i + 4], "big") for i in (40, 60, 68))
    _refuse(path, app_id, version, schema_cookie != 0)


#: Real paths of library files this process has opened with SQLite. Once a path is here, the process may hold a
#: connection to it, and nothing but SQLite may open the file again (SQLite's "How To Corrupt", section 2.2).
_opened: set[str] = set()
_opened_lock = threading.Lock()


def _first_open(path: Path) -> None:
    """Check the header when this process has never opened the file; from then on only SQLite reads it."""
    key = os.path.realpath(path)
    with _opened_lock:
        if key in _opened:
            return
        if path.exists():
            _check_header(path)
        _opened.add(key)


def is_library_file(candidate: Path | str, library: Path) -> bool:
    """Whether ``candidate`` is the library file or one of SQLite's files beside it.

    Reading or writing one of them outside SQLite (``refdesk import library.sqlite``, an export over
    it) would drop SQLite's locks or overwrite the library; callers refuse such a path. Compared by
    real path and inode, never by opening anything.
    """
    target = os.path.realpath(candidate)
    for name in (library, *(library.with_name(library.name + s) for s in ("-wal", "-shm", "-journal"))):
        if target == os.path.realpath(name):
            return True
        try:
            if os.path.samefile(target, name):
                return True
        except OSError:
            continue
    return False


def _check_through_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    """The same checks as the header's, read by SQLite (which sees the write-ahead log), before any write."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    _refuse(path, app_id, version, bool(tables))


def connect(path: Path) -> sqlite3.Connection:
    """A migrated connection in WAL mode with foreign keys on, or a LibraryError."""
    path = path.expanduser()
    if path.is_dir():
        raise LibraryError(f"The library path {path} is a folder, not a file")
    _first_open(path)
    if path.exists():
        if _read_only(path):
            raise LibraryError(
                f"The library {path} is read-only; refdesk needs to write to it and its folder. It was left untouched"
            )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(f"Cannot create the library folder {path.parent}: {exc.strerror}") from None
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        _check_through_sqlite(conn, path)
        backup_before_migration(conn, path)  # always, before anything is written; a damaged file is never migrated
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise LibraryError(f"The library {path} is locked by another program")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -32000")
        conn.execute("PRAGMA temp_store = MEMORY")
        apply(conn)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if is_damage(exc):
            raise LibraryDamagedError(damaged_message(path, str(exc))) from None
        if isinstance(exc, sqlite3.OperationalError):
            text = str(exc)
            if _is_locked(exc):
                raise LibraryError(f"The library {path} is locked by another program; close it and try again") from None
            if "readonly" in text or "read-only" in text:
                raise LibraryError(f"The library {path} is read-only") from None
            raise LibraryError(f"Cannot open the library {path}: {text}") from None
        if isinstance(exc, sqlite3.DatabaseError):
            raise LibraryError(f"Cannot open the library {path}: {exc}") from None
        raise
    return conn
