"""``refdesk check``: is the library sound, and what would ``--repair`` do about what is not.

Checks, each a problem in words with the repair it allows: SQLite's ``integrity_check`` (pages, b-trees and
indexes), the search index's own check and its size against the records outside the Trash, foreign keys,
and the bookkeeping kept beside the records (Trash flags, collection memberships, add-on suggestions, open
sync conflicts, Zotero's upload journal and delete log, the date-order flag of migration 9). A repair takes a
backup first (library/backup.py), fixes everything in one transaction, and checks again. Damage below the
tables (a page SQLite cannot read) is not repaired: the answer is a restore of the newest backup.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refdesk.errors import LibraryDamagedError
from refdesk.library.backup import DEFAULT_KEEP, _uri, backup_folder, is_damage, make_backup, newest_backup
from refdesk.library.store import Library

#: Lines of SQLite's integrity_check that only an index of a table has wrong: REINDEX rebuilds them from the table.
_INDEX_ONLY = re.compile(r"^(row \d+ missing from index|wrong # of entries in index|non-unique entry in index)")
_INTEGRITY_LINES = 20
#: SQL of "in the Trash" from the record's JSON, as Record.trashed reads it (1 or true; not 0, "0", false, "false").
_TRASHED_IN_DATA = ("(coalesce(json_extract(data, '$.deleted'), 0) NOT IN (0, '', '0')"
                    " AND lower(json_extract(data, '$.deleted')) != 'false')")


@dataclass
class Problem:
    """One thing wrong: ``message`` says what, ``repair`` what ``--repair`` does ('' when only a restore helps)."""

    code: str
    message: str
    repair: str
    count: int = 1

    @property
    def repairable(self) -> bool:
        return bool(self.repair)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "repair": self.repair or None, "count": self.count,
                "repairable": self.repairable}


@dataclass
class CheckReport:
    library: Path
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # what --repair did
    backup: Path | None = None  # the backup taken before repairing
    damaged: bool = False  # SQLite could not read the file as it is (opened without the usual checks)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, repair_name: str = "--repair") -> list[str]:
        """The report in words: each problem and what ``repair_name`` would do, or what it did (``refdesk check``;
        Help → Check Library passes "Repair", its button, and gets no line about the command)."""
        lines = [f"Repaired: {done}" for done in self.repaired]
        if self.backup is not None:
            lines.append(f"A backup was taken first: {shown(str(self.backup))}")
        where = shown(str(self.library))
        if self.ok:
            lines.append(f"No problems found in {where} ({self.records:,} record{'s' if self.records != 1 else ''})")
            return lines
        n = len(self.problems)
        lines.append(f"{n} problem{'s' if n != 1 else ''} in {where}:")
        for p in self.problems:
            lines.append(f"  - {p.message}")
            if p.repair and not self.repaired:
                lines.append(f"    {repair_name} would {p.repair}")
            elif not p.repair:
                lines.append(f"    {repair_name} cannot fix this")
        if any(p.repair for p in self.problems) and not self.repaired and repair_name == "--repair":
            lines.append("Run `refdesk check --repair` to fix what can be fixed (the library is backed up first).")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"library": str(self.library), "ok": self.ok, "records": self.records, "damaged": self.damaged,
                "problems": [p.to_json() for p in self.problems], "repaired": self.repaired,
                "backup": str(self.backup) if self.backup else None}


def shown(text: str) -> str:
    """A path fit to print: bytes that are not UTF-8 as escapes (refdesk.output's rule; output sits above library)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _restore_advice(library: Path) -> str:
    newest = newest_backup(library)
    if newest is None:
        return f"there is no backup to restore in {backup_folder(library)}"
    return f"restore the newest backup: refdesk restore {newest.path}"


def _count(lib: Library, sql: str, params: tuple[Any, ...] = ()) -> int:
    return int(lib.execute(sql, params)[0][0])


def _search_index_entries(lib: Library) -> int | None:
    """Entries in the search index, from FTS5's "averages" record (row 1 of items_fts_data: a varint count
    of rows first). The index is contentless and cannot be scanned; None when the record cannot be read."""
    rows = lib.execute("SELECT block FROM items_fts_data WHERE id = 1")
    if not rows or not isinstance(rows[0][0], bytes) or not rows[0][0]:
        return None
    block: bytes = rows[0][0]
    value = 0
    for n, byte in enumerate(block[:9]):
        if n == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    return None


# -- the checks ------------------------------------------------------------------------
def _integrity(lib: Library, report: CheckReport) -> None:
    lines = [line.strip() for r in lib.execute(f"PRAGMA integrity_check({_INTEGRITY_LINES})")
             for line in str(r[0]).replace("*** in database main ***", "").splitlines() if line.strip()]
    if lines == ["ok"]:
        return
    shown = "; ".join(lines[:3]) + (f"; and {len(lines) - 3} more" if len(lines) > 3 else "")
    if all(_INDEX_ONLY.match(line) for line in lines):
        report.problems.append(Problem(
            "indexes", f"SQLite's integrity check found indexes that disagree with their tables ({shown})",
            "rebuild SQLite's indexes from the tables (REINDEX)", len(lines)))
        return
    report.damaged = True
    report.problems.append(Problem(
        "integrity", f"SQLite's integrity check found the file damaged ({shown}); {_restore_advice(report.library)}",
        "", len(lines)))


def _search_index(lib: Library, report: CheckReport) -> None:
    try:
        lib.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
            return  # opened read-only because the file is damaged: the integrity check has said so
        outside = _count(lib, "SELECT count(*) FROM items WHERE trashed = 0")
        report.problems.append(Problem("search-index", f"The search index is damaged (SQLite: {exc})",
                                       f"rebuild the search index from the {outside:,} records outside the Trash"))
        return
    # The records and the index's total read at one moment: a record the app or a sync adds between two reads
    # is no damage (a check beside a running app reported one, and exited 1). The write lock is held for two counts.
    with lib.transaction():
        outside = _count(lib, "SELECT count(*) FROM items WHERE trashed = 0")
        entries = _search_index_entries(lib)
    rebuild = f"rebuild the search index from the {outside:,} records outside the Trash"
    if entries is not None and entries != outside:
        report.problems.append(Problem(
            "search-index-count",
            f"The search index holds {entries:,} entries for the {outside:,} records outside the Trash: searches "
            "miss records or count ones they cannot show", rebuild, abs(entries - outside)))


def _trash_flags(lib: Library, report: CheckReport) -> None:
    wrong = _count(lib, f"SELECT count(*) FROM items WHERE trashed != {_TRASHED_IN_DATA}")
    if wrong:
        report.problems.append(Problem(
            "trash-flags", f"{wrong:,} records are shown in or out of the Trash against their own 'deleted' value",
            "set each record's Trash flag from its 'deleted' value (and rebuild the search index)", wrong))


def _foreign_keys(lib: Library, report: CheckReport) -> None:
    by_table: dict[str, int] = {}
    for row in lib.execute("PRAGMA foreign_key_check"):
        by_table[str(row[0])] = by_table.get(str(row[0]), 0) + 1
    for table, n in sorted(by_table.items()):
        report.problems.append(Problem(
            "foreign-keys", f"{n:,} rows of {table} point at records that no longer exist",
            f"delete those rows of {table}", n))


#: (code, count query, message with {n}, repair, repair statement); each a row kept beside the records.
_ORPHANS: list[tuple[str, str, str, str, str]] = [
    (
        "collections-orphans",
        "SELECT count(*) FROM item_collections WHERE item_id NOT IN (SELECT id FROM items)",
        "{n} collection memberships belong to records that no longer exist",
        "delete those memberships",
        "DELETE FROM item_collections WHERE item_id NOT IN (SELECT id FROM items)",
    ),
    (
        "suggestions-orphans",
        "SELECT count(*) FROM suggestions WHERE item_key NOT IN (SELECT key FROM items)",
        "{n} add-on suggestions belong to records that no longer exist (pending ones still count in Review)",
        "delete those suggestions",
        "DELETE FROM suggestions WHERE item_key NOT IN (SELECT key FROM items)",
    ),
    (
        "conflicts-orphans",
        "SELECT count(*) FROM zotero_conflicts c WHERE resolved IS NULL AND field != '$deleted' AND NOT EXISTS"
        " (SELECT 1 FROM items i WHERE i.key = c.item_key AND i.library_id = c.library_id)",
        "{n} open sync conflicts are about fields of records that no longer exist",
        "close them as 'deleted here' (what the next sync would decide)",
        "UPDATE zotero_conflicts SET resolved = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), resolution = 'deleted here'"
        " WHERE resolved IS NULL AND field != '$deleted' AND NOT EXISTS"
        " (SELECT 1 FROM items i WHERE i.key = zotero_conflicts.item_key AND i.library_id = zotero_conflicts.library_id)",
    ),
    (
        "upload-journal-orphans",
        "SELECT count(*) FROM zotero_upload_journal WHERE library_id NOT IN (SELECT library_id FROM zotero_libraries)",
        "{n} Zotero upload batches belong to no synced library",
        "delete those batches",
        "DELETE FROM zotero_upload_journal WHERE library_id NOT IN (SELECT library_id FROM zotero_libraries)",
    ),
    (
        "delete-log-orphans",
        "SELECT count(*) FROM zotero_delete_log WHERE library_id NOT IN (SELECT library_id FROM zotero_libraries)",
        "{n} deletions waiting to be sent belong to no synced library",
        "delete those entries",
        "DELETE FROM zotero_delete_log WHERE library_id NOT IN (SELECT library_id FROM zotero_libraries)",
    ),
]

_MEMBERSHIPS_EXPECTED = ("SELECT items.library_id, c.value, items.id FROM items, json_each(items.data, '$.collections') AS c"
                         " WHERE json_type(items.data, '$.collections') = 'array' AND c.type = 'text'")
_DATE_ORDER_BROKEN = ("SELECT EXISTS (SELECT 1 FROM (SELECT date_added < lag(date_added) OVER (ORDER BY id) AS down"
                      " FROM items) WHERE down)")


_ORPHAN_FIXES = {code: fix for code, _count_sql, _message, _repair, fix in _ORPHANS}


def _orphans(lib: Library, report: CheckReport) -> None:
    for code, count_sql, message, repair, _fix in _ORPHANS:
        n = _count(lib, count_sql)
        if n:
            report.problems.append(Problem(code, message.format(n=f"{n:,}"), repair, n))
    missing = _count(lib, f"SELECT count(*) FROM ({_MEMBERSHIPS_EXPECTED}"
                          " EXCEPT SELECT library_id, collection, item_id FROM item_collections)")
    if missing:
        report.problems.append(Problem(
            "collections-missing", f"{missing:,} records are missing from the collections their data names",
            "add the missing memberships from each record's collections", missing))


def _date_order(lib: Library, report: CheckReport) -> None:
    flag = lib.execute("SELECT value FROM library_state WHERE name = 'ids_follow_added'")
    if flag and flag[0][0] and _count(lib, _DATE_ORDER_BROKEN):
        report.problems.append(Problem(
            "date-order", "The library believes its records were stored in date-added order, which is no longer "
            "true: searches sorted by date added would list them out of order", "clear that belief (searches then sort)"))


_CHECKS: list[tuple[str, Callable[[Library, CheckReport], None]]] = [
    ("run its integrity check", _integrity),
    ("check the search index", _search_index),
    ("check the Trash flags", _trash_flags),
    ("check foreign keys", _foreign_keys),
    ("check the rows kept beside the records", _orphans),
    ("check the date-order flag", _date_order),
]


def check(lib: Library, progress: Callable[[str], None] | None = None) -> CheckReport:
    """Every check on ``lib``; nothing is written. Damage that stops SQLite is one problem, and ends the checks."""
    report = CheckReport(lib.path)
    with contextlib.suppress(sqlite3.DatabaseError):  # the integrity check says why
        report.records = _count(lib, "SELECT count(*) FROM items")
    for label, run in _CHECKS:
        if progress is not None:
            progress(f"SQLite: {label}…")
        try:
            run(lib, report)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc) and not isinstance(exc, sqlite3.OperationalError):
                raise
            if not report.damaged:
                why = f"the file is damaged ({exc}); {_restore_advice(lib.path)}" if is_damage(exc) else str(exc)
                report.problems.append(Problem("unreadable", f"SQLite could not {label}: {why}", ""))
            report.damaged = report.damaged or is_damage(exc)
        if report.damaged:
            break  # every later check would stop at the same damage
    return report


def open_for_check(path: Path) -> Library:
    """The library as commands open it; a damaged one read-only through SQLite alone, so check can say what is
    wrong (nothing is written to it, and no backup is made of it)."""
    try:
        return Library.open(path)
    except LibraryDamagedError:
        conn = sqlite3.connect(_uri(path, "ro"), uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return Library(conn, path.expanduser())


def repair(lib: Library, keep: int = DEFAULT_KEEP, progress: Callable[[str], None] | None = None) -> CheckReport:
    """Check, back up, fix what can be fixed in one transaction, check again; the second report (with what was
    done and the backup's path). A library SQLite finds damaged is not touched: its backup would fail the check
    of the copy (LibraryDamagedError, naming the newest backup to restore)."""
    first = check(lib, progress)
    fixable = [p for p in first.problems if p.repairable]
    if not fixable:
        return first
    if first.damaged:
        raise LibraryDamagedError(
            f"The library {lib.path} is damaged beyond what --repair fixes; nothing was changed. "
            f"{_restore_advice(lib.path).capitalize()}")
    if progress is not None:
        progress("Backing up the library before repairing it…")
    backup = make_backup(lib.path, keep=keep)
    codes = {p.code for p in fixable}
    done: list[str] = []
    if progress is not None:
        progress("Repairing…")
    with lib.transaction():
        if "trash-flags" in codes:
            lib.execute(f"UPDATE items SET trashed = {_TRASHED_IN_DATA} WHERE trashed != {_TRASHED_IN_DATA}")
            done.append("set the Trash flags from the records")
        if "foreign-keys" in codes:
            for table in sorted({str(r[0]) for r in lib.execute("PRAGMA foreign_key_check")}):
                # by the broken reference itself: provenance is a WITHOUT ROWID table (no rowid to name a row by)
                for fk in lib.execute(f"PRAGMA foreign_key_list({table})"):
                    parent, column, target = fk[2], fk[3], fk[4] or "rowid"
                    lib.execute(f'DELETE FROM "{table}" WHERE "{column}" IS NOT NULL'
                                f' AND "{column}" NOT IN (SELECT "{target}" FROM "{parent}")')
                done.append(f"deleted the rows of {table} that pointed at no record")
        for problem in fixable:
            fix = _ORPHAN_FIXES.get(problem.code)
            if fix is not None:
                lib.execute(fix)
                done.append(f"{problem.repair} ({problem.count:,})")
        if "collections-missing" in codes:
            lib.execute(f"INSERT OR IGNORE INTO item_collections(library_id, collection, item_id) {_MEMBERSHIPS_EXPECTED}")
            done.append("added the missing collection memberships")
        if "date-order" in codes:
            lib.execute("UPDATE library_state SET value = 0 WHERE name = 'ids_follow_added'")
            done.append("cleared the date-order flag")
        if "indexes" in codes:
            lib.execute("REINDEX")
            done.append("rebuilt SQLite's indexes")
        if codes & {"search-index", "search-index-count", "trash-flags"}:
            n = lib.rebuild_search_index()
            done.append(f"rebuilt the search index ({n:,} records)")
    second = check(lib, progress)
    second.repaired = done
    second.backup = backup
    return second
