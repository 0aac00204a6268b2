"""The two-way sync engine, after the Zotero "Syncing" documentation and Zotero desktop.

Per library:
1. With local changes, upload first with ``If-Unmodified-Since-Version: <library version>``
   (collections, then items parents first, then deletions; 50 objects a request, each batch
   journaled with its ``Zotero-Write-Token`` before it is sent). A ``412`` means the server
   has news: download, merge, upload again.
2. Without local changes, download: collection and item versions ``since`` the library
   version (the first request carries ``If-Modified-Since-Version``, so an idle sync costs
   one ``304``), then the changed objects (by ``itemKey`` in fifties, or page by page of 100
   when most are new), then ``/deleted``. A ``Last-Modified-Version`` that moves during the
   download restarts it. The library version is saved only once everything is applied.
Everything is committed to SQLite as it happens, so a sync killed between any two
requests resumes with no duplicate (keys are made locally; a resent batch reuses its
token) and no lost change (an item stays dirty until the server confirmed it).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pyzotero import zotero_errors as ze

from refdesk.library import Library
from refdesk.model import Record, now_iso
from refdesk.retry import RetryPolicy
from refdesk.zotero import conflicts, mapping, state
from refdesk.zotero.client import RefdeskZotero, ZoteroClient
from refdesk.zotero.errors import ZoteroAuthError, ZoteroError

if TYPE_CHECKING:
    from refdesk.app import AppContext

log = logging.getLogger(__name__)

BATCH = 50
PAGE = 100
MAX_RESTARTS = 8


@dataclass
class Progress:
    library_id: str
    phase: str  # "checking", "downloading", "uploading", "deleting", "done"
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[Progress], None]


@dataclass
class LibraryReport:
    library_id: str
    version_before: int = 0
    version_after: int = 0
    downloaded: int = 0
    merged: int = 0
    uploaded: int = 0
    unchanged: int = 0
    deleted_locally: int = 0
    deleted_remotely: int = 0
    collections_downloaded: int = 0
    collections_uploaded: int = 0
    new_conflicts: int = 0
    held: int = 0
    pending: int = 0
    read_only: bool = False
    failed: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class SyncReport:
    libraries: list[LibraryReport] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    conflicts: list[conflicts.Conflict] = field(default_factory=list)
    paused_until: float = 0.0  # epoch: Zotero asked for a pause until then (0: no pause)
    error: str | None = None  # the sync stopped before any library (e.g. such a pause)

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.error is None for r in self.libraries)

    def to_json(self) -> dict[str, Any]:
        paused = (datetime.fromtimestamp(self.paused_until, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                  if self.paused_until else None)
        return {"ok": self.ok, "error": self.error, "pausedUntil": paused, "requests": self.requests,
                "seconds": round(self.seconds, 3), "libraries": [asdict(r) for r in self.libraries],
                "conflicts": [c.to_json() for c in self.conflicts]}


class Upload(Enum):
    """How an upload step ended: ``DONE``, or ``SERVER_AHEAD``: Zotero holds changes we have not seen (a 412, or a
    probe that wrote without our library version), so ``run`` downloads and merges them, then uploads again."""

    DONE = "done"
    SERVER_AHEAD = "server ahead"


DONE, SERVER_AHEAD = Upload.DONE, Upload.SERVER_AHEAD


class LibrarySync:
    def __init__(self, lib: Library, client: ZoteroClient, library_id: str, report: LibraryReport,
                 progress: ProgressCallback | None = None) -> None:
        self.lib = lib
        self.client = client
        self.library_id = library_id
        self.report = report
        self.progress = progress or (lambda p: None)
        self.zot: RefdeskZotero = client.library(library_id)
        self.skip: set[str] = set()  # items that failed to upload in this run
        self.sent: dict[str, dict[str, Any]] = {}  # what unconfirmed batches sent, by key
        self.applied: dict[str, dict[str, Any]] = {}  # what batches known to be applied (answer lost) sent, by key
        self.sent_new: set[str] = set()  # keys unconfirmed batches sent as new objects
        self.sent_collections: dict[str, dict[str, Any]] = {}  # what unconfirmed batches sent of collections, by key

    # -- helpers ----------------------------------------------------------
    @property
    def version(self) -> int:
        return state.get_library(self.lib, self.library_id).version

    def _set_version(self, version: int) -> None:
        state.update_library(self.lib, self.library_id, version=version)

    def _can_write(self) -> bool:
        return state.get_library(self.lib, self.library_id).can_write

    def _uploadable(self) -> list[state.ItemState]:
        held = conflicts.held_keys(self.lib, self.library_id)
        return [i for i in state.dirty_items(self.lib, self.library_id)
                if i.key not in held and i.key not in self.skip]

    def _deletable(self) -> list[str]:
        held = conflicts.held_keys(self.lib, self.library_id)
        return [k for k in state.deletions(self.lib, self.library_id) if k not in held]

    def _dirty_collections(self) -> list[str]:
        return [k for k, (_, dirty, _, _) in state.collection_rows(self.lib, self.library_id).items() if dirty]

    def has_local_changes(self) -> bool:
        held = conflicts.held_keys(self.lib, self.library_id)
        dirty = [k for k in self.lib.dirty_keys(self.library_id) if k not in held and k not in self.skip]
        return bool(state.pending_batches(self.lib, self.library_id) or self._dirty_collections() or dirty
                    or self._deletable() or state.deletions(self.lib, self.library_id, "collection"))

    # -- main loop ----------------------------------------------------------
    def run(self) -> None:
        state.harvest_deletions(self.lib, self.library_id)
        self._reconcile_conflicts()
        self.report.version_before = self.version
        self._upload_and_download()
        self.report.version_after = self.version
        self.report.read_only = not self._can_write()
        self.report.held = len(conflicts.held_keys(self.lib, self.library_id))
        self.report.pending = state.dirty_count(self.lib, self.library_id) + len(state.deletions(self.lib, self.library_id))
        self.progress(Progress(self.library_id, "done"))

    def _to_upload(self) -> bool:
        return self._can_write() and self.has_local_changes()

    def _upload_and_download(self) -> None:
        """Upload first when there is something to send, else download. An upload that finds Zotero ahead
        (``SERVER_AHEAD``) downloads and merges, then uploads again: at most ``MAX_RESTARTS`` rounds, waiting
        1, 2, 4 ... s from the third on, since another client is writing as fast as we are."""
        downloaded = False
        for round_ in range(MAX_RESTARTS):
            if round_ > 1:
                self.client.transport.wait(min(2.0 ** (round_ - 2), 30.0))
            if not downloaded and not self._to_upload():
                self.download()
                downloaded = True
            if not self._to_upload() or self.upload() is DONE:
                return
            log.info("%s: server has newer data, downloading first", self.library_id)
            self.download()
            downloaded = True
        raise ZoteroError(f"The Zotero library {self.library_id} kept changing during the sync; try again in a moment")

    def _reconcile_conflicts(self) -> None:
        """Conflicts whose ground changed here since they were opened: the item was deleted here too."""
        lid = self.library_id
        open_ = conflicts.list_conflicts(self.lib, lid)
        if not open_:
            return
        present = set(state.item_states(self.lib, sorted({c.key for c in open_}), lid))
        with self.lib.transaction():
            for c in open_:
                if c.key in present or (c.field == conflicts.DELETED and c.local == "deleted"):
                    continue
                # changed here and deleted in Zotero, then deleted here as well: nothing left to decide;
                # a field conflict of an item deleted here since: the deletion is the newest decision
                conflicts.close(self.lib, c.id, "deleted on both sides" if c.field == conflicts.DELETED else "deleted here")

    # -- download -------------------------------------------------------------
    def download(self) -> None:
        """Download until one pass saw the library at one version (at most ``MAX_RESTARTS`` passes)."""
        for _ in range(MAX_RESTARTS):
            if self._download_once():
                return
            log.info("%s: library changed while downloading, starting over", self.library_id)
            self.client.transport.wait(0.5)
        raise ZoteroError(f"The Zotero library {self.library_id} kept changing during the download; try again later")

    def _read(self, what: str, call: Callable[[], Any]) -> Any:
        with self.client.errors(what):
            return call()

    def _download_once(self) -> bool:
        """One pass from our library version; False when Zotero's version moved during it (nothing half-applied is
        lost: each response is applied in its own transaction, and the library version is saved only at the end)."""
        since = self.version
        self.sent = state.sent_data(self.lib, self.library_id)
        self.sent_collections = state.sent_data(self.lib, self.library_id, "collections")
        # keys are made here: an object we sent as new (version 0) that Zotero now has was created by our write
        self.sent_new = {str(o["key"]) for e in state.pending_batches(self.lib, self.library_id) if e.object_type == "items"
                         for o in state.batch_payload(self.lib, e.id) if not o.get("version")}
        zot = self.zot
        self.progress(Progress(self.library_id, "checking"))
        try:
            with self.client.transport.headers(If_Modified_Since_Version=str(since)), self.client.errors("checking for changes"):
                coll_versions: dict[str, int] = self.client.expect(zot.collection_versions(since=since), dict, "listing changes")
        except ZoteroError:
            if self.client.last_status() == 304:
                # nothing changed since our version, so a journaled batch changed nothing either
                state.clear_journal(self.lib, self.library_id)
                return True
            raise
        top = self.client.last_version()

        def moved() -> bool:
            return self.client.last_version() != top

        item_versions: dict[str, int] = self.client.expect(
            self._read("listing changed items", lambda: zot.item_versions(since=since, includeTrashed=1)), dict, "listing changes")
        if moved():
            return False
        # collections first: items refer to them
        local_cols = state.collection_rows(self.lib, self.library_id)
        wanted_cols = [k for k, v in coll_versions.items() if local_cols.get(k, (None,))[0] != v]
        for i in range(0, len(wanted_cols), BATCH):
            chunk = wanted_cols[i:i + BATCH]
            with self.client.errors("downloading collections"):
                objs = self.client.expect(zot.collections(collectionKey=",".join(chunk), limit=BATCH), list, "downloading")
            if moved():
                return False
            with self.lib.transaction():
                for obj in objs:
                    self._apply_collection(obj)
        if not self._restore_parents(moved):
            return False
        # items
        local = state.local_versions(self.lib, self.library_id)
        queue = [k for k, v in item_versions.items() if local.get(k) != v]
        total = len(queue)
        done = 0
        if total > PAGE and total * 2 > len(item_versions):
            start = 0
            while True:
                with self.client.errors("downloading items"):
                    objs = self.client.expect(zot.items(since=since, includeTrashed=1, limit=PAGE, start=start), list, "downloading")
                if moved():
                    return False
                with self.lib.transaction():
                    self._apply_items([o for o in objs if local.get(o["key"]) != o["version"]])
                done += len(objs)
                self.progress(Progress(self.library_id, "downloading", min(done, total), total))
                start += PAGE
                total_results = int(self.client.last_header("total-results") or 0)
                if len(objs) < PAGE or start >= total_results:
                    break
        else:
            for i in range(0, total, BATCH):
                chunk = queue[i:i + BATCH]
                with self.client.errors("downloading items"):
                    objs = self.client.expect(zot.items(itemKey=",".join(chunk), includeTrashed=1, limit=BATCH), list, "downloading")
                if moved():
                    return False
                with self.lib.transaction():
                    self._apply_items(objs)
                done += len(chunk)
                self.progress(Progress(self.library_id, "downloading", done, total))
        deleted: dict[str, list[str]] = self.client.expect(self._read("listing deletions", lambda: zot.deleted(since=since)),
                                                           dict, "listing deletions")
        if moved():
            return False
        with self.lib.transaction():
            for key in deleted.get("items", []):
                self._apply_item_deletion(key)
            for key in deleted.get("collections", []):
                self._apply_collection_deletion(key)
            # another sync that moved the version past ``top`` meanwhile applied everything up to its version
            self._set_version(top if self.version == since else max(top, self.version))
            # everything the server has is applied: unconfirmed batches are settled (dirty objects go again)
            state.clear_journal(self.lib, self.library_id)
        self.applied = {}
        return True

    def _apply_items(self, objs: list[dict[str, Any]]) -> None:
        """Apply one response's items: new ones in bulk, the rest one by one (merges, conflicts)."""
        lid = self.library_id
        states = state.item_states(self.lib, [str(o["key"]) for o in objs], lid)
        deletions = set(state.deletions(self.lib, lid))
        fresh: list[Record] = []
        for obj in objs:
            key = str(obj["key"])
            if key not in states and key not in deletions:
                fresh.append(mapping.from_zotero(obj))
            else:
                self._apply_item(obj, states.get(key), deletions)
        state.add_remote_many(self.lib, lid, fresh)
        self.report.downloaded += len(fresh)

    def _apply_item(self, obj: dict[str, Any], local: state.ItemState | None, deletions: set[str]) -> None:
        remote = mapping.from_zotero(obj)
        key, lid = remote.key, self.library_id
        if local is None:
            if key in deletions:
                ours = self.applied.get(key) or self.sent.get(key)
                if ours is not None and mapping.same(ours, remote.data):
                    return  # only our own unanswered write is there: the deletion made after it goes as planned
                # (an open conflict of this key is refreshed with Zotero's newest copy)
                # deleted here, changed there: nothing silently lost either way
                full = mapping.to_zotero(remote)
                conflicts.record(self.lib, lid, key, [conflicts.FieldConflict(conflicts.DELETED, None, "deleted", full)],
                                 remote.version)
                self.report.new_conflicts += 1
                return
            state.put_remote(self.lib, lid, remote)
            self.report.downloaded += 1
            return
        if local.version == remote.version and not local.dirty:
            return
        if remote.version < local.version:
            # An older copy than ours: another sync of this library (the app's beside the CLI's) stored a newer
            # one after this download read it. Storing it would undo that sync, and merging it against a newer
            # base would take its old values for changes; the newer copy already holds everything it holds.
            return
        if not local.dirty:
            state.put_remote(self.lib, lid, remote)
            self.report.downloaded += 1
            return
        base = local.synced
        sent = self.sent.get(key)
        if key in self.applied:
            base = self.applied[key]  # our write went through (its answer was lost): later changes are theirs or ours
        elif sent is not None and (key in self.sent_new or mapping.same(sent, remote.data)):
            base = sent  # the server holds what we sent before a crash: only later changes are ours or theirs
        merged, found = conflicts.merge(base, local.data, remote.data)
        still_open = False
        for name, c in conflicts.open_fields(self.lib, lid, key).items():
            if name == conflicts.DELETED:
                # "changed here, deleted in Zotero", but Zotero has the item again (another client kept its
                # copy): the ground changed, so this is an ordinary merge now, against the last synced copy
                conflicts.close(self.lib, c.id, "restored in Zotero")
                continue
            if conflicts._eq(merged.get(name), remote.data.get(name)):
                conflicts.close(self.lib, c.id, "same")
            elif not any(f.field == name for f in found):
                conflicts.record(self.lib, lid, key, [conflicts.FieldConflict(name, c.base, merged.get(name),
                                                                              remote.data.get(name))], remote.version)
                still_open = True
            else:
                still_open = True
        rec = Record(data=merged, key=key, version=remote.version)
        self.lib.save(rec, "zotero", dirty=False, changed=[k for k in merged if k != "dateModified"])
        dirty = bool(found) or still_open or not mapping.same(merged, remote.data)
        state.mark_synced(self.lib, key, lid, remote.version, remote.data, dirty)
        if found:
            conflicts.record(self.lib, lid, key, found, remote.version)
            self.report.new_conflicts += len(found)
        self.report.merged += 1

    def _apply_item_deletion(self, key: str) -> None:
        lid = self.library_id
        local = state.item_state(self.lib, key, lid)
        if local is None:
            state.forget_deletions(self.lib, lid, [key])
            for c in conflicts.open_fields(self.lib, lid, key).values():
                conflicts.close(self.lib, c.id, "deleted on both sides")  # e.g. deleted here, changed, then deleted there
            return
        if local.dirty and not mapping.same(local.data, local.synced):
            # changed here, deleted there: keep the local copy pending as a new object. Its field conflicts are
            # superseded; the last synced copy stays the base in case the item comes back from another client.
            for c in conflicts.open_fields(self.lib, lid, key).values():
                conflicts.close(self.lib, c.id, "deleted in Zotero")
            conflicts.record(self.lib, lid, key, [conflicts.FieldConflict(conflicts.DELETED, None, local.data, "deleted")],
                             0)
            self.lib.execute("UPDATE items SET version = 0, dirty = 1 WHERE key = ? AND library_id = ?", (key, lid))
            self.report.new_conflicts += 1
            return
        self.lib.remove(key, "zotero", dirty=False)
        for c in conflicts.open_fields(self.lib, lid, key).values():
            conflicts.close(self.lib, c.id, "deleted in Zotero")
        self.report.deleted_locally += 1

    def _apply_collection(self, obj: dict[str, Any]) -> None:
        """Store Zotero's copy of a collection, merged with ours when ours changed too.

        Collections settle themselves (as in Zotero desktop): a field changed on both sides takes the server's
        value, and a change beats a deletion either way. Deleted here and changed in Zotero: it is restored
        (its deletion is not sent) with the items the deletion took out of it; the reverse is in
        ``_apply_collection_deletion``.
        """
        key, version, data = mapping.collection_from_zotero(obj)
        lid = self.library_id
        current = state.collection_rows(self.lib, lid).get(key)
        if current is not None and version < current[0]:
            return  # older than ours: another sync stored a newer copy meanwhile (see _apply_item)
        if current is None and key in state.deletions(self.lib, lid, "collection"):
            ours = self.sent_collections.get(key)
            if ours is not None and mapping.same(ours, data):
                return  # only our own unanswered write is there: the deletion made after it goes as planned
            state.forget_deletions(self.lib, lid, [key], "collection")
            state.put_collection(self.lib, lid, key, version, data)
            self._restore_members(key)
            self.report.collections_downloaded += 1
            return
        if current is not None and current[1]:
            # collections merge automatically (as Zotero desktop does); on a clash the server wins
            merged, _ = conflicts.merge(current[3], current[2], data)
            for c in _:
                merged[c.field] = data.get(c.field)
            state.put_collection(self.lib, self.library_id, key, version, merged, synced=data,
                                 dirty=not mapping.same(merged, data))
        else:
            state.put_collection(self.lib, self.library_id, key, version, data)
        self.report.collections_downloaded += 1

    def _restore_members(self, key: str) -> None:
        """Put back the items a local deletion of collection ``key`` took out of it: Zotero still lists them.

        Deleting a collection drops it from its items without making them dirty (Zotero does the same itself
        when the deletion arrives), so an item whose last synced copy is in ``key`` and whose data is not lost
        its membership to that deletion only.
        """
        lid = self.library_id
        rows = self.lib.execute(
            "SELECT key FROM items WHERE library_id = ? AND synced_data IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM json_each(synced_data, '$.collections') WHERE value = ?)"
            " AND NOT EXISTS (SELECT 1 FROM json_each(data, '$.collections') WHERE value = ?)", (lid, key, key))
        for (item_key,) in rows:
            rec = self.lib.get(str(item_key), lid)
            rec.data["collections"] = [*(rec.data.get("collections") or []), key]
            self.lib.save(rec, "zotero", dirty=False, changed=["collections"])  # as Zotero holds it: not an edit

    def _restore_parents(self, moved: Callable[[], bool]) -> bool:
        """Restore the collections deleted here that a collection kept or restored from Zotero sits inside.

        Deleting a parent in Zotero takes its subcollections along, so sending the deletion of a parent whose
        child was changed in Zotero (restored above) or made there would lose the child after all. False when
        the library version moved meanwhile (the download starts again).
        """
        lid = self.library_id
        deleted = set(state.deletions(self.lib, lid, "collection"))
        while deleted:
            rows = state.collection_rows(self.lib, lid)
            parents = sorted({str(d["parentCollection"]) for _, _, d, _ in rows.values()
                              if d.get("parentCollection") and d["parentCollection"] not in rows
                              and d["parentCollection"] in deleted})
            if not parents:
                return True
            deleted -= set(parents)  # asked once: one deleted in Zotero too stays deleted
            for i in range(0, len(parents), BATCH):
                with self.client.errors("downloading collections"):
                    objs = self.client.expect(self.zot.collections(collectionKey=",".join(parents[i:i + BATCH]), limit=BATCH),
                                              list, "downloading")
                if moved():
                    return False
                with self.lib.transaction():
                    for obj in objs:
                        self._apply_collection(obj)
        return True

    def _apply_collection_deletion(self, key: str) -> None:
        current = state.collection_rows(self.lib, self.library_id).get(key)
        if current is None:
            state.forget_deletions(self.lib, self.library_id, [key], "collection")
        elif current[1]:
            # erring on the side of keeping data: re-create it on the server
            state.put_collection(self.lib, self.library_id, key, 0, current[2], dirty=True, synced={})
        else:
            state.remove_collection(self.lib, self.library_id, key)

    # -- upload ---------------------------------------------------------------
    def upload(self) -> Upload:
        """Collections, items (parents first), then deletions; stops at the first step that finds Zotero ahead."""
        entries = state.pending_batches(self.lib, self.library_id)
        for entry in entries:
            # a batch whose answer never came (a killed sync, a lost connection): was it applied? Every one is
            # settled, whatever the others found, before downloading (each settles the base of its merge)
            self._probe(entry.object_type, entry.token, entry.id)
        if entries:
            return SERVER_AHEAD  # a probe carries no library version: what others wrote meanwhile is downloaded next
        self._adopt_orphan_collections()
        cols = self._dirty_collections()
        rows = state.collection_rows(self.lib, self.library_id)
        cols.sort(key=lambda k: bool(rows[k][2].get("parentCollection")))
        for i in range(0, len(cols), BATCH):
            if self._send("collections", cols[i:i + BATCH]) is SERVER_AHEAD:
                return SERVER_AHEAD
        mark = state.journal_mark(self.lib)  # before reading the items: later edits keep them dirty
        items = self._uploadable()
        self._adopt_orphans(items)
        items.sort(key=lambda it: bool(it.data.get("parentItem")))  # parents before their notes and attachments
        total = len(items)
        for i in range(0, total, BATCH):
            self.progress(Progress(self.library_id, "uploading", i, total))
            chunk = items[i:i + BATCH]
            if self._send("items", [it.key for it in chunk], payload=[self._item_payload(it) for it in chunk],
                          mark=mark) is SERVER_AHEAD:
                return SERVER_AHEAD
        if self._delete("items", self._deletable(), "item") is SERVER_AHEAD:
            return SERVER_AHEAD
        return self._delete("collections", state.deletions(self.lib, self.library_id, "collection"), "collection")

    def _adopt_orphan_collections(self) -> None:
        """A changed collection whose parent is gone (deleted in Zotero meanwhile) goes up at the top level.

        Zotero would refuse it ("Parent collection ... doesn't exist") at every sync; at the top level the
        change is kept, as a child item whose parent was deleted goes up standalone.
        """
        rows = state.collection_rows(self.lib, self.library_id)
        with self.lib.transaction():
            for key, (version, dirty, data, synced) in rows.items():
                parent = data.get("parentCollection")
                if dirty and parent and parent not in rows:
                    state.put_collection(self.lib, self.library_id, key, version, {**data, "parentCollection": False},
                                         synced=synced if synced is not None else {}, dirty=True)

    def _adopt_orphans(self, items: list[state.ItemState]) -> None:
        """A note or attachment whose parent is gone (deleted elsewhere meanwhile) goes up standalone.

        Zotero would refuse it as a child ("Parent item ... doesn't exist"); as a standalone item its
        content is kept instead of being lost or failing forever.
        """
        children = [it for it in items if it.data.get("parentItem")]
        if not children:
            return
        existing = set(self.lib.keys(self.library_id))
        for it in children:
            if it.data["parentItem"] not in existing:
                rec = self.lib.get(it.key, self.library_id)
                rec.data.pop("parentItem", None)
                self.lib.save(rec, "zotero", dirty=False, changed=["parentItem"])  # already dirty; not a user edit
                it.data.pop("parentItem", None)

    @staticmethod
    def _item_payload(item: state.ItemState) -> dict[str, Any]:
        """What to POST: the data, and an empty value for each property cleared since the last sync.

        A POST keeps the properties it does not name, so a cleared field, emptied creators or tags, or an
        item restored from the Trash (``deleted`` gone) must be sent empty or the old value stays in Zotero.
        A new object (version 0, e.g. re-created after a deletion in Zotero) has nothing to clear.
        """
        data = mapping.upload_data(item.data, item.synced) if item.version else item.data
        return {"key": item.key, "version": item.version, **data}

    def _payload(self, object_type: str, keys: list[str]) -> list[dict[str, Any]]:
        out = []
        if object_type == "items":
            states = state.item_states(self.lib, keys, self.library_id)
            for key in keys:
                item = states.get(key)
                if item is not None and item.dirty:
                    out.append(self._item_payload(item))
        else:
            rows = state.collection_rows(self.lib, self.library_id)
            for key in keys:
                if key in rows and rows[key][1]:
                    out.append({"key": key, "version": rows[key][0], **mapping.upload_data(rows[key][2], rows[key][3])})
        return out

    def _post(self, object_type: str, payload: list[dict[str, Any]], token: str, base: int | None) -> Any:
        """One write with our token; ``base`` None sends no library version (the objects carry theirs)."""
        zot = self.zot
        with self.client.transport.headers(Zotero_Write_Token=token), self.client.errors(f"uploading {object_type}"):
            if object_type == "items":
                return zot.create_items(payload, last_modified=base)
            return zot.create_collections(payload, last_modified=base)

    def _send(self, object_type: str, keys: list[str], payload: list[dict[str, Any]] | None = None,
              mark: int | None = None) -> Upload:
        """One journaled batch, conditional on our library version."""
        if mark is None or payload is None:
            mark = state.journal_mark(self.lib)
            payload = self._payload(object_type, keys)
        if not payload:
            return DONE
        base = self.version
        token = uuid.uuid4().hex
        journal_id = state.journal_batch(self.lib, self.library_id, object_type, token, payload, base)
        try:
            result = self._post(object_type, payload, token, base)
        except (ze.PreConditionFailedError, ze.PreConditionRequiredError):
            if self.client.transport.last_attempts > 1:
                # an earlier attempt may have been applied before its answer was lost: ask with the token
                return self._probe(object_type, token, journal_id)
            state.finish_batch(self.lib, journal_id)  # refused at the first attempt: nothing was written
            return SERVER_AHEAD
        return self._apply_result(object_type, payload, result, journal_id,
                                  state.changed_since(self.lib, self.library_id, mark))

    def _probe(self, object_type: str, token: str, journal_id: int) -> Upload:
        """Settle a batch whose answer was lost: send it again, as it was, with its token and no library version.

        Without ``If-Unmodified-Since-Version`` a whole-request ``412`` can only mean the token was used: the
        batch was applied, and what it sent becomes the base of the merge with what Zotero holds now (so a
        later change made in Zotero is neither overwritten nor taken for a conflict). Otherwise the batch is
        written now, each object guarded by its own version (one changed in Zotero meanwhile fails with 412
        and is merged after a download, against the last synced copy, since our write never happened).
        """
        payload = state.batch_payload(self.lib, journal_id)
        if not payload:
            state.finish_batch(self.lib, journal_id)
            return DONE
        # The token's first use was the batch itself, sent with our library version: all or nothing. Once a probe
        # went out, the token may have been used by that probe, which can write some objects and refuse others.
        atomic = not state.was_probed(self.lib, token)
        state.mark_probed(self.lib, token)
        try:
            result = self._post(object_type, payload, token, None)
        except (ze.PreConditionFailedError, ze.PreConditionRequiredError):
            if object_type == "items" and atomic and self.client.transport.last_attempts == 1:
                self.applied.update({str(obj["key"]): self._strip(obj) for obj in payload})
            # (otherwise which objects went through is unknown: one equal to what was sent counts as ours)
            return SERVER_AHEAD  # the journal entry stays until the download has merged it
        # edits made since the batch was first sent keep an item dirty
        current = state.item_data(self.lib, [str(p["key"]) for p in payload], self.library_id) \
            if object_type == "items" else {k: row[2] for k, row in state.collection_rows(self.lib, self.library_id).items()}
        edited = {str(p["key"]) for p in payload if str(p["key"]) in current
                  and not mapping.same(current[str(p["key"])], self._strip(p))}
        return self._apply_result(object_type, payload, result, journal_id, edited, advance=False)

    def _apply_result(self, object_type: str, payload: list[dict[str, Any]], result: Any, journal_id: int,
                      edited: set[str], advance: bool = True) -> Upload:
        """Record the per-object results; ``SERVER_AHEAD`` when an object failed with 412 (changed in Zotero) or
        with 404 although it was sent with a version (deleted in Zotero; Zotero desktop takes both for an object
        conflict). ``advance``: the write was conditional on our library version, so its new version follows ours
        with nothing in between; after an unconditional one (a probe) others' changes may lie between, and the
        library version waits for the next download."""
        if not isinstance(result, dict) or "failed" not in result:
            raise ZoteroError(f"Unexpected answer from Zotero while uploading {object_type}")
        new_version = self.client.last_version() or self.version
        stale = False
        successful = result.get("successful") or {}
        confirmed: list[tuple[dict[str, Any], dict[str, Any], int, bool]] = []
        for idx, saved in successful.items():
            confirmed.append((payload[int(idx)], saved.get("data", saved), new_version, False))
        for idx in result.get("success") or {}:
            if idx not in successful:  # an older server: no saved copies; what we sent is what it has
                confirmed.append((payload[int(idx)], payload[int(idx)], new_version, False))
        for idx in result.get("unchanged") or {}:
            sent = payload[int(idx)]
            confirmed.append((sent, sent, int(sent.get("version", 0)) or new_version, True))
        with self.lib.transaction():
            if object_type == "items":
                self._confirm_items(confirmed, edited)
            else:
                for sent, saved, version, unchanged in confirmed:
                    self._confirm_collection(sent, saved, version, unchanged)
            for idx, failure in (result.get("failed") or {}).items():
                sent = payload[int(idx)]
                code = int(failure.get("code", 0))
                if code in (412, 428) or (code == 404 and sent.get("version")):
                    # changed in Zotero since, or (404 to a versioned object) deleted there: a download settles it
                    stale = True
                    continue
                self.skip.add(sent["key"])
                self.report.failed.append({"key": sent["key"], "type": object_type[:-1], "code": code,
                                           "message": str(failure.get("message", ""))})
            if advance:
                self._set_version(new_version)
            state.finish_batch(self.lib, journal_id)
        return SERVER_AHEAD if stale else DONE

    @staticmethod
    def _strip(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if k not in ("key", "version")}

    def _confirm_items(self, confirmed: list[tuple[dict[str, Any], dict[str, Any], int, bool]], edited: set[str]) -> None:
        """Record what the server accepted; an item edited (journaled) while it was in flight stays dirty."""
        lid = self.library_id
        fast: list[tuple[str, int]] = []
        for sent, saved, version, unchanged in confirmed:
            key = str(sent["key"])
            if key in edited:  # changed (or deleted: then this updates nothing) while in flight
                state.mark_synced(self.lib, key, lid, version, self._strip(saved), True)
            elif mapping.same(saved, sent):  # (key, version and dateModified are not compared)
                fast.append((key, version))
            else:  # the server changed something meaningful (e.g. dropped an empty creator): take its copy
                server_data = self._strip(saved)
                self.lib.save(Record(data=server_data, key=key, version=version), "zotero", dirty=False,
                              changed=[k for k in server_data if k != "dateModified"])
                state.mark_synced(self.lib, key, lid, version, server_data, False)
            if unchanged:
                self.report.unchanged += 1
            else:
                self.report.uploaded += 1
        state.confirm_many(self.lib, lid, fast)

    def _confirm_collection(self, sent: dict[str, Any], saved: dict[str, Any], version: int, unchanged: bool) -> None:
        key = str(sent["key"])
        server_data, sent_data = self._strip(saved), self._strip(sent)
        row = state.collection_rows(self.lib, self.library_id).get(key)
        if row is not None:
            edited = not mapping.same(row[2], sent_data)
            state.put_collection(self.lib, self.library_id, key, version, row[2] if edited else server_data,
                                 synced=server_data, dirty=edited)
        if not unchanged:
            self.report.collections_uploaded += 1

    def _delete(self, object_type: str, keys: list[str], kind: str) -> Upload:
        """Deletions, 50 keys a request, conditional on our library version."""
        for i in range(0, len(keys), BATCH):
            chunk = keys[i:i + BATCH]
            self.progress(Progress(self.library_id, "deleting", i, len(keys)))
            try:
                with self.client.errors(f"deleting {object_type}"):
                    if object_type == "items":
                        self.zot.delete_item([{"key": k, "version": 0} for k in chunk], last_modified=self.version)
                    else:
                        self.zot.delete_collection([{"key": k, "version": 0} for k in chunk], last_modified=self.version)
            except (ze.PreConditionFailedError, ze.PreConditionRequiredError):
                return SERVER_AHEAD
            new_version = self.client.last_version() or self.version
            with self.lib.transaction():
                state.forget_deletions(self.lib, self.library_id, chunk, kind)
                # what the server did on its own: children go with their parent, members leave a collection
                if object_type == "items":
                    for child in state.children_of(self.lib, self.library_id, chunk):
                        self.lib.remove(child, "zotero", dirty=False)
                else:
                    state.drop_collection_membership(self.lib, self.library_id, chunk, new_version)
                self._set_version(new_version)
            self.report.deleted_remotely += len(chunk)
        return DONE


# -- entry points ---------------------------------------------------------------
def default_library_ids(ctx: AppContext) -> list[str]:
    return ["user", *[f"group:{g}" for g in ctx.settings.zotero_groups]]


def normalize_library_id(text: str) -> str:
    text = text.strip()
    if text in ("user", "my", "mylibrary"):
        return "user"
    if text.isdigit():
        return f"group:{text}"
    if text.startswith("group:") and text[6:].isdigit():
        return text
    raise ZoteroError(f"Unknown library '{text}': use 'user' for My Library or 'group:<id>' for a group")


def open_client(ctx: AppContext, cancel: threading.Event | None = None) -> ZoteroClient:
    from refdesk.zotero import credentials
    from refdesk.zotero.client import api_url
    from refdesk.zotero.errors import NotLoggedInError

    user_id = ctx.settings.zotero_user_id
    if not user_id:
        raise NotLoggedInError("Not logged in to Zotero: run `refdesk zotero login --user-id ID` first")
    key = credentials.load_key(user_id)
    if not key:
        raise NotLoggedInError("No Zotero API key in the keyring: run `refdesk zotero login --user-id ID` first")
    return ZoteroClient(api_url(ctx.settings.zotero_api_url), key, user_id, timeout=ctx.settings.read_timeout,
                        policy=RetryPolicy.from_settings(ctx.settings), pacer=ctx.pacer, cancel=cancel)


def apply_access(lib: Library, info: dict[str, Any], library_ids: list[str]) -> None:
    """Record per library whether the key may write there."""
    access = info.get("access", {})
    user = access.get("user", {})
    groups = access.get("groups", {})
    for lid in library_ids:
        if lid == "user":
            can_write = bool(user.get("write"))
        else:
            g = groups.get(lid[6:], groups.get("all", {}))
            can_write = bool(g.get("write"))
        state.update_library(lib, lid, can_write=int(can_write))


def sync(
    ctx: AppContext,
    library_ids: list[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    *,
    client: ZoteroClient | None = None,
) -> SyncReport:
    """Sync the given libraries (default: My Library and the configured groups) both ways."""
    started = time.monotonic()
    own_client = client is None
    zc = client or open_client(ctx, cancel)
    if cancel is not None and not own_client:
        zc.transport.cancel = cancel
    ids = [normalize_library_id(i) for i in (library_ids or default_library_ids(ctx))]
    lib = ctx.library
    report = SyncReport()
    requests_before = zc.requests
    try:
        paused_until = float(state.get_meta(lib, "pause_until") or 0)
        if paused_until > time.time():
            zc.transport.hold_until(paused_until)  # a Backoff from an earlier run still holds: wait or stop
        info = zc.key_info()
        if str(info.get("userID")) != str(zc.user_id):
            raise ZoteroAuthError(f"The stored API key belongs to another Zotero user ({info.get('userID')}); "
                                  "run `refdesk zotero login` again")
        bound = state.get_meta(lib, "user_id")
        if bound and bound != str(zc.user_id):
            raise ZoteroAuthError(f"This library is synced with Zotero user {bound}, not {zc.user_id}; "
                                  "use another library file for that account")
        state.set_meta(lib, "user_id", str(zc.user_id))
        state.set_meta(lib, "username", str(info.get("username", "")))
        apply_access(lib, info, ids)
        for lid in ids:
            lr = LibraryReport(lid)
            report.libraries.append(lr)
            try:
                LibrarySync(lib, zc, lid, lr, progress).run()
                state.update_library(lib, lid, last_sync=now_iso(), last_error=None)
            except ZoteroError as exc:  # this library failed (e.g. no access to a group); the others still sync
                lr.error = zc.redact(str(exc))
                state.update_library(lib, lid, last_error=lr.error)
                if exc.exit_code == 130:  # cancelled
                    raise
    finally:
        if zc.transport.pause_until > time.time():
            state.set_meta(lib, "pause_until", repr(zc.transport.pause_until))
            report.paused_until = zc.transport.pause_until
        report.requests = zc.requests - requests_before
        report.seconds = time.monotonic() - started
        if own_client:
            zc.close()
    report.conflicts = conflicts.list_conflicts(lib)
    return report
