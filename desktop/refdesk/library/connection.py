"""Opening a library file safely: refuse foreign, newer, locked or read-only files plainly.

Checks run on a read-only connection first, so a file that is not ours is never
modified (not even switched to WAL).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from refdesk.errors import LibraryError
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


def _inspect(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except PermissionError:
        raise LibraryError(f"Cannot read the library {path}: permission denied") from None
    except IsADirectoryError:
        raise LibraryError(f"The library path {path} is a folder, not a file") from None
    if not head:
        return  # empty file: treat as new
    if head != _SQLITE_MAGIC:
        raise LibraryError(f"{path} is not a refdesk library (not an SQLite database); it was left untouched")
    try:
        # With no -wal beside it nobody has the file open and all of it is in the main file: read it as
        # immutable, which creates no -wal/-shm next to a file that may be refused (and must stay untouched).
        wal = path.with_name(path.name + "-wal").exists()
        ro = sqlite3.connect(f"file:{path}?mode=ro{'' if wal else '&immutable=1'}", uri=True, timeout=BUSY_TIMEOUT)
        try:
            app_id = ro.execute("PRAGMA application_id").fetchone()[0]
            version = ro.execute("PRAGMA user_version").fetchone()[0]
            tables = ro.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            ro.close()
    except sqlite3.DatabaseError as exc:
        if _is_locked(exc):
            raise LibraryError(f"The library {path} is locked by another program; close it and try again") from None
        raise LibraryError(f"Cannot read the library {path}: {exc}; it was left untouched") from None
    if app_id != APPLICATION_ID and tables:
        raise LibraryError(f"{path} is an SQLite database but not a refdesk library; it was left untouched")
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"The library {path} was written by a newer refdesk (schema {version}, this version knows up to "
            f"{SCHEMA_VERSION}); upgrade refdesk to open it. The file was left untouched"
        )


def connect(path: Path) -> sqlite3.Connection:
    """A migrated connection in WAL mode with foreign keys on, or a LibraryError."""
    path = path.expanduser()
    if path.exists():
        _inspect(path)
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
