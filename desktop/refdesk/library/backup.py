"""Backups and restores of the library, made only through SQLite (docs/library-safety.md).

A backup is a consistent copy written by SQLite's online backup API (never a file copy of a live database:
the app may be writing, and a process that holds a connection must not open the file any other way, see
library/connection.py). It is written to ``NAME.part``, checked (``PRAGMA quick_check``, so a damaged library
never pushes a good backup out of the kept ones) and renamed into ``<library folder>/backups/`` as
``<library stem>-YYYYMMDD-HHMMSS.sqlite`` (UTC), so names sort by time and whether a backup is due is read
from the names alone. A restore refuses while any connection to the library exists, validates the backup,
prepares the copy beside the library, keeps the replaced file aside and renames the copy into place.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from refdesk.errors import InvalidInputError, LibraryDamagedError, LibraryError
from refdesk.library.migrations import APPLICATION_ID, SCHEMA_VERSION

FOLDER = "backups"
DEFAULT_KEEP = 5
_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.sqlite$")
#: Seconds a backup waits for a lock (a rollback-mode writer); WAL readers never wait.
BUSY_TIMEOUT = 5.0


@dataclass(frozen=True)
class Backup:
    """One backup in the backups folder: when it was made (from its name) and where it is."""

    path: Path
    made: datetime  # UTC


@dataclass(frozen=True)
class BackupInfo:
    """What a restore would bring back (checked: a refdesk library this refdesk can open, not damaged)."""

    path: Path
    made: datetime  # from the name of a backup made by refdesk, else the file's modification time (UTC)
    items: int
    schema: int


@dataclass(frozen=True)
class RestoreResult:
    library: Path
    restored: BackupInfo
    replaced: Path | None  # where the library that was replaced now is (None: there was none)


# -- damage -------------------------------------------------------------------
def is_damage(exc: BaseException) -> bool:
    """Whether SQLite says the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB and their extended codes)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "file is not a database" in text


def damaged_message(library: Path, detail: str = "") -> str:
    """One sentence: the library is damaged, nothing was written to it, and how to restore the newest backup."""
    detail = " ".join(detail.replace("*** in database main ***", "").split())  # SQLite's report on one line
    what = f"The library {library} is damaged" + (f" ({detail})" if detail else "")
    newest = newest_backup(library)
    if newest is None:
        return (f"{what}; nothing was written to it. There is no backup in {backup_folder(library)}; "
                "`refdesk check` lists what is wrong")
    made = newest.made.astimezone().strftime("%Y-%m-%d %H:%M")
    return (f"{what}; nothing was written to it (it was left untouched). The newest backup is {newest.path} ({made}): "
            f"restore it with `refdesk restore {shlex.quote(str(newest.path))}`")


def _damaged(library: Path, exc: BaseException) -> LibraryDamagedError:
    return LibraryDamagedError(damaged_message(library, str(exc)))


def damage_error(exc: BaseException, library: Path) -> LibraryDamagedError | None:
    """For front ends: the sentence to show when ``exc`` is SQLite finding ``library`` damaged, else None."""
    return _damaged(library, exc) if is_damage(exc) else None


# -- the backups folder -----------------------------------------------------------
def backup_folder(library: Path) -> Path:
    return library.expanduser().parent / FOLDER


def backups(library: Path) -> list[Backup]:
    """The library's backups in its backups folder, oldest first; read from the names alone (no file is opened)."""
    library = library.expanduser()
    found: list[tuple[datetime, int, Path]] = []
    try:
        entries = list(os.scandir(backup_folder(library)))
    except OSError:
        return []
    for entry in entries:
        m = _NAME.match(entry.name)
        if not m or m["stem"] != library.stem:
            continue
        try:
            made = datetime.strptime(m["stamp"], _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append((made, int(m["n"] or 1), Path(entry.path)))
    return [Backup(path, made) for made, _n, path in sorted(found)]


def newest_backup(library: Path) -> Backup | None:
    found = backups(library)
    return found[-1] if found else None


def backup_due(library: Path, interval_hours: float, now: datetime | None = None) -> bool:
    """Whether ``interval_hours`` have passed since the newest backup (0: never due). Lists one folder."""
    if interval_hours <= 0:
        return False
    newest = newest_backup(library)
    if newest is None:
        return True
    age = (now or datetime.now(UTC)) - newest.made
    interval = timedelta(hours=interval_hours)
    return age >= interval or age < -interval  # a backup dated far in the future: the clock was wrong then


def _new_name(library: Path, now: datetime) -> Path:
    folder = backup_folder(library)
    base = f"{library.stem}-{now.astimezone(UTC).strftime(_STAMP)}"
    candidate = folder / f"{base}.sqlite"
    n = 2
    while candidate.exists() or candidate.with_name(candidate.name + ".part").exists():
        candidate = folder / f"{base}-{n}.sqlite"
        n += 1
    return candidate


def _prune(library: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; the deleted paths."""
    gone = []
    found = backups(library)
    for old in found[: max(0, len(found) - max(1, keep))]:
        with contextlib.suppress(OSError):
            old.path.unlink()
            gone.append(old.path)
    return gone


# -- making a backup ----------------------------------------------------------------
def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.expanduser().absolute()))}?mode={mode}"


def _open_library(library: Path) -> sqlite3.Connection:
    """A plain SQLite connection to an existing library (never creates one)."""
    conn = sqlite3.connect(_uri(library, "rw"), uri=True, timeout=BUSY_TIMEOUT, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    return conn


def _remove_part(part: Path) -> None:
    for leftover in (part, part.with_name(part.name + "-journal"), part.with_name(part.name + "-wal"),
                     part.with_name(part.name + "-shm")):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_copy(source: sqlite3.Connection, part: Path) -> str:
    """Copy ``source`` into the new file ``part`` with the backup API, as one self-contained rollback-journal
    file; SQLite's quick check of the copy ('ok' or its first complaint)."""
    dest = sqlite3.connect(part, isolation_level=None)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        verdict = dest.execute("PRAGMA quick_check(1)").fetchone()[0]
    finally:
        dest.close()
    return str(verdict)


def _full_disk(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return (isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_FULL) or "disk is full" in str(exc).lower()
    return isinstance(exc, OSError) and exc.errno == 28  # ENOSPC


def make_backup(library: Path, target: Path | None = None, *, keep: int = DEFAULT_KEEP,
                source: sqlite3.Connection | None = None, now: datetime | None = None) -> Path:
    """Back the library up; the backup's path.

    Without ``target`` the backup goes to the backups folder, and all but the newest ``keep`` there are deleted
    afterwards; with it, exactly there (a folder: a new backup name inside it). ``source`` is a connection to the
    library to copy from (``connect`` passes its own before a migration); else a new SQLite connection is opened.
    A failure leaves the library untouched and no partial file behind.
    """
    library = library.expanduser()
    now = now or datetime.now(UTC)
    if source is None and not library.exists():
        raise LibraryError(f"There is no library at {library} to back up")
    rotate = target is None
    if target is None:
        dest = _new_name(library, now)
    else:
        target = target.expanduser()
        from refdesk.library.connection import is_library_file

        if is_library_file(target, library):
            raise InvalidInputError(f"{target} is the library itself; name another file for the backup")
        dest = target / f"{library.stem}-{now.astimezone(UTC).strftime(_STAMP)}.sqlite" if target.is_dir() else target
        if dest.exists():
            raise InvalidInputError(f"{dest} already exists; name a new file for the backup (nothing was written)")
    part = dest.with_name(dest.name + ".part")
    conn = source
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove_part(part)
        if conn is None:
            conn = _open_library(library)
        verdict = _write_copy(conn, part)
        if verdict != "ok":
            raise LibraryDamagedError(damaged_message(library, f"SQLite's check of a fresh copy says: {verdict}"))
        os.replace(part, dest)
        _fsync_folder(dest.parent)
    except (sqlite3.Error, OSError) as exc:
        _remove_part(part)
        if is_damage(exc):
            raise _damaged(library, exc) from None
        if _full_disk(exc):
            raise LibraryError(f"Could not back up the library: the disk holding {dest.parent} is full. The library "
                               "was left untouched and no partial backup was kept; free some space and try again") from None
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise LibraryError(f"Could not back up the library to {dest}: {reason}. The library was left untouched") from None
    except BaseException:
        _remove_part(part)
        raise
    finally:
        if conn is not None and conn is not source:
            conn.close()
    if rotate:
        _prune(library, keep)
    return dest


def auto_backup(library: Path, keep: int = DEFAULT_KEEP, interval_hours: float = 24.0,
                now: datetime | None = None) -> Path | None:
    """The backup made when the library is opened and ``interval_hours`` have passed since the newest one;
    None when none was due (checked from the folder's file names), or the library holds no record yet."""
    library = library.expanduser()
    if not library.exists() or not backup_due(library, interval_hours, now):
        return None
    conn = _open_library(library)
    try:
        try:
            if not conn.execute("SELECT EXISTS (SELECT 1 FROM items)").fetchone()[0]:
                return None  # nothing to lose yet
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise _damaged(library, exc) from None
            return None  # not a library of ours (connect refuses it with its own sentence)
        return make_backup(library, keep=keep, source=conn, now=now)
    finally:
        conn.close()


def needs_migration_backup(conn: sqlite3.Connection) -> bool:
    """A library with tables whose schema is older than this refdesk's: a migration is about to run."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return False
    return bool(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])


def backup_before_migration(conn: sqlite3.Connection, library: Path) -> Path | None:
    """Always a backup before a schema migration (``connect`` calls this); None when no migration is due.
    A failure stops the migration: the library stays as it was."""
    if not needs_migration_backup(conn):
        return None
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    try:
        return make_backup(library, keep=_kept_setting(), source=conn)
    except LibraryDamagedError:
        raise
    except LibraryError as exc:
        raise LibraryError(f"{exc}. refdesk backs a library up before upgrading it (schema {version} to "
                           f"{SCHEMA_VERSION}), so it was not upgraded") from None


def _kept_setting() -> int:
    """``backup_keep`` from the settings (``connect`` has no settings of its own); the default when unreadable."""
    from refdesk.config import load_settings
    from refdesk.errors import RefdeskError

    try:
        return load_settings().backup_keep
    except RefdeskError:
        return DEFAULT_KEEP


# -- restoring ---------------------------------------------------------------------
def describe(path: Path) -> BackupInfo:
    """Check that ``path`` is a refdesk library this refdesk can open and that SQLite finds undamaged; what it holds.

    Each refusal is one sentence (InvalidInputError); nothing is written anywhere.
    """
    path = path.expanduser()
    if not path.exists():
        raise InvalidInputError(f"There is no backup at {path}")
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder; name a backup file (they are in the backups folder beside the library)")
    try:
        conn = sqlite3.connect(_uri(path, "ro"), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise InvalidInputError(f"Cannot read the backup {path}: {exc}; the library was left untouched") from None
    try:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.Error as exc:
            if "not a database" in str(exc).lower():
                raise InvalidInputError(f"{path} is not a refdesk backup (not an SQLite database); "
                                        "the library was left untouched") from None
            if is_damage(exc):
                raise InvalidInputError(f"The backup {path} is damaged ({exc}); the library was left untouched. "
                                        "Try an older backup") from None
            raise InvalidInputError(f"The backup {path} cannot be read ({exc}); the library was left untouched") from None
        if app_id != APPLICATION_ID or not tables:
            raise InvalidInputError(f"{path} is not a refdesk library backup (an SQLite database of another program); "
                                    "the library was left untouched")
        if version > SCHEMA_VERSION:
            raise InvalidInputError(
                f"The backup {path} was written by a newer refdesk (schema {version}, this version knows up to "
                f"{SCHEMA_VERSION}); upgrade refdesk to restore it. The library was left untouched")
        try:
            verdict = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
            items = int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
        except sqlite3.Error as exc:
            verdict = str(exc)
            items = 0
        if verdict != "ok":
            raise InvalidInputError(f"The backup {path} is damaged (SQLite's check says: {verdict}); the library was "
                                    "left untouched. Try an older backup")
    finally:
        conn.close()
    return BackupInfo(path, _made(path), items, int(version))


def _made(path: Path) -> datetime:
    m = _NAME.match(path.name)
    if m:
        with contextlib.suppress(ValueError):
            return datetime.strptime(m["stamp"], _STAMP).replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _lock(library: Path) -> sqlite3.Connection | None:
    """An exclusive hold on the library, or a refusal while any other connection has it open.

    Leaving WAL mode (``journal_mode=DELETE``) needs every other connection gone, in any process; then
    ``locking_mode=EXCLUSIVE`` + ``BEGIN EXCLUSIVE`` keeps new ones out until the swap is done. None: SQLite
    cannot read the file at all (damaged), so nobody can be using it either.
    """
    conn = sqlite3.connect(_uri(library, "rw"), uri=True, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        mode = str(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]).lower()
        if mode != "delete":
            raise sqlite3.OperationalError("database is locked")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        return conn
    except sqlite3.Error as exc:
        conn.close()
        if is_damage(exc):
            return None
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise LibraryError(
                f"The library {library} is open in another program (the refdesk app, a command or a sync still "
                "running); close it and try again. Nothing was changed") from None
        raise LibraryError(f"Cannot restore over the library {library}: {exc}. Nothing was changed") from None


@dataclass(frozen=True)
class PreparedRestore:
    """A validated backup copied beside the library (``NAME.restoring``), waiting to be put in its place."""

    library: Path
    info: BackupInfo
    copy: Path

    def discard(self) -> None:
        _remove_part(self.copy)


def prepare_restore(library: Path, backup: Path) -> PreparedRestore:
    """Validate ``backup`` (``describe``) and copy it beside the library with the backup API, as one rollback-journal
    file. Touches nothing of the library; the app runs this in a worker while its connections stay open."""
    library = library.expanduser()
    from refdesk.library.connection import is_library_file

    if is_library_file(backup, library):
        raise InvalidInputError(f"{backup} is the library itself, not a backup of it")
    info = describe(backup)
    try:
        library.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"Cannot create the library folder {library.parent}: {exc.strerror}") from None
    copy = library.with_name(library.name + ".restoring")
    _remove_part(copy)
    try:
        src = sqlite3.connect(_uri(info.path, "ro"), uri=True, isolation_level=None)
        try:
            verdict = _write_copy(src, copy)
        finally:
            src.close()
        if verdict != "ok":
            raise InvalidInputError(f"The backup {backup} is damaged (SQLite's check of the copy says: {verdict}); "
                                    "the library was left untouched. Try an older backup")
    except (sqlite3.Error, OSError) as exc:
        _remove_part(copy)
        if _full_disk(exc):
            raise LibraryError(f"Could not restore: the disk holding {library.parent} is full. The library was left "
                               "untouched; free some space and try again") from None
        raise LibraryError(f"Could not restore {backup}: {exc}. The library was left untouched") from None
    except BaseException:
        _remove_part(copy)
        raise
    return PreparedRestore(library, info, copy)


def finish_restore(prepared: PreparedRestore, now: datetime | None = None) -> RestoreResult:
    """Put the prepared copy in the library's place, or refuse (the copy discarded, nothing changed) while any
    connection to the library is open, in this process or another."""
    library = prepared.library
    try:
        holder = _lock(library) if library.exists() else None
    except BaseException:
        prepared.discard()
        raise
    try:
        replaced = _swap(library, prepared.copy, now or datetime.now(UTC))
    except OSError as exc:
        prepared.discard()
        raise LibraryError(f"Could not put the backup in place of {library}: {exc.strerror or exc}. "
                           "The library was left as it was") from None
    finally:
        if holder is not None:
            holder.close()
    return RestoreResult(library, prepared.info, replaced)


def restore(library: Path, backup: Path, now: datetime | None = None) -> RestoreResult:
    """Put ``backup`` in the library's place; the replaced library is kept aside as ``NAME.replaced-<time>``.

    Refuses (nothing changed) when the backup is not a sound refdesk library this refdesk can open, or while
    any connection to the library is open, in this process or another: close them first.
    """
    return finish_restore(prepare_restore(library, backup), now)


def _swap(library: Path, copy: Path, now: datetime) -> Path | None:
    """Keep the library aside (a hard link, so its path never goes missing) and rename the copy into place.
    SQLite's files beside the old library go aside with it: a -wal left beside the restored file would be
    replayed into it."""
    if not library.exists():
        os.replace(copy, library)
        _fsync_folder(library.parent)
        return None
    replaced = library.with_name(f"{library.name}.replaced-{now.astimezone(UTC).strftime(_STAMP)}")
    n = 2
    while replaced.exists():
        replaced = library.with_name(f"{library.name}.replaced-{now.astimezone(UTC).strftime(_STAMP)}-{n}")
        n += 1
    try:
        os.link(library, replaced)
    except OSError:
        os.rename(library, replaced)  # a file system without hard links: the path is missing for an instant
    for suffix in ("-wal", "-shm", "-journal"):
        beside = library.with_name(library.name + suffix)
        if beside.exists():
            os.rename(beside, replaced.with_name(replaced.name + suffix))
    os.replace(copy, library)
    _fsync_folder(library.parent)
    return replaced
