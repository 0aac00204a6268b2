"""Named reads of the library's state for the front ends: which libraries it holds, how it stands with Zotero,
how many suggestions wait. The app shows these (the status bar, the Sync icon, Review's count, the left pane);
it never runs SQL of its own, so each number means one thing wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from refdesk.library.store import Library


@dataclass(frozen=True)
class SyncStatus:
    """Where the libraries stand with Zotero."""

    last_sync: str | None  # the newest last sync of the libraries asked about (UTC, as stored), None if never
    pending: int  # changes waiting to be uploaded: edited items and deletions, as ``refdesk zotero status`` counts
    conflicts: int  # open sync conflicts
    failed: int  # libraries whose last sync ended in an error


def _marks(ids: Sequence[str]) -> str:
    return ",".join("?" * len(ids))


def sync_status(lib: Library, library_ids: Sequence[str]) -> SyncStatus:
    """The sync state of ``library_ids`` (the libraries the account syncs): pending = items edited since their last
    upload, plus deletions logged for upload or still in the change journal (not yet harvested by a sync)."""
    ids = list(dict.fromkeys(library_ids))
    if not ids:
        return SyncStatus(None, 0, 0, 0)
    marks = _marks(ids)
    last, failed = lib.execute(
        f"SELECT max(last_sync), count(NULLIF(coalesce(last_error, ''), '')) FROM zotero_libraries"
        f" WHERE library_id IN ({marks})", ids)[0]
    dirty = lib.execute(f"SELECT count(*) FROM items WHERE library_id IN ({marks}) AND dirty = 1", ids)[0][0]
    logged = lib.execute(f"SELECT count(*) FROM zotero_delete_log WHERE library_id IN ({marks}) AND object_type = 'item'",
                         ids)[0][0]
    journal = 0
    for lid in ids:  # deletions not yet harvested into the delete log: past the library's cursor in the journal
        journal += int(lib.execute(
            "SELECT count(*) FROM changes WHERE library_id = ? AND op = 'delete' AND id > coalesce("
            "(SELECT delete_cursor FROM zotero_libraries WHERE library_id = ?), 0)", (lid, lid))[0][0])
    conflicts = lib.execute(
        f"SELECT count(*) FROM zotero_conflicts WHERE resolved IS NULL AND library_id IN ({marks})", ids)[0][0]
    return SyncStatus(str(last) if last else None, int(dirty) + int(logged) + journal, int(conflicts), int(failed))


def pending_suggestions(lib: Library) -> int:
    """How many add-on suggestions wait for a decision (the Review count)."""
    return int(lib.execute("SELECT count(*) FROM suggestions WHERE status = 'pending'")[0][0])


def library_names(lib: Library) -> dict[str, str]:
    """Every library the file holds items of or syncs, My Library first: id -> the name Zotero gave it ('' when
    none is known; the app names a group by its number then)."""
    names = {str(r[0]): str(r[1] or "") for r in lib.execute("SELECT library_id, name FROM zotero_libraries")}
    groups = {str(r[0]) for r in lib.execute("SELECT DISTINCT library_id FROM items WHERE library_id != 'user'")}
    groups |= {k for k in names if k != "user"}
    return {"user": names.get("user", ""), **{g: names.get(g, "") for g in sorted(groups)}}
