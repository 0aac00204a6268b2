"""Two refdesk libraries and a third client share one emulated Zotero library (hypothesis, stateful).

Random local edits, creations, tags and deletions on both sides, remote edits and deletions,
server faults (429, 503, 500, dropped connections before or after processing) and syncs killed
at a random request. At the end, after conflicts are settled and everyone has synced, both
libraries and the server hold the same items, and every edit that was not part of an explicit
conflict is there.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx2
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from refdesk.app import AppContext
from refdesk.config import Settings
from refdesk.model import Record
from refdesk.zotero import conflicts, mapping, state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

SIDES = st.sampled_from(["A", "B"])
FIELDS = st.sampled_from(["title", "volume", "pages", "issue"])
VALUES = st.text(alphabet="abcxyz", min_size=1, max_size=3)
FAULTS = st.sampled_from([None, None, "429", "503", "500", "drop", "drop_after"])
KILLS = st.one_of(st.none(), st.tuples(st.integers(1, 9), st.sampled_from(["send", "received"])))


class Killed(BaseException):
    pass


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.server = ZoteroServer().start()
        self.key = self.server.add_key(USER_ID, "Z User")
        self.zlib = self.server.library("user", USER_ID)
        self.dir = Path(tempfile.mkdtemp(prefix="refdesk-stateful-"))
        settings_ = Settings(zotero_user_id=str(USER_ID), zotero_api_url=self.server.url)
        self.ctx = {side: AppContext(settings_, self.dir / f"{side}.sqlite") for side in "AB"}
        self.last_edit: dict[tuple[str, str], str] = {}
        self.tags: dict[str, set[str]] = {}
        self.deleted: set[str] = set()
        self.parent: dict[str, str] = {}  # note -> its parent
        self.counter = 0

    # -- helpers ------------------------------------------------------------
    def client(self, hook: Any = None) -> ZoteroClient:
        c = ZoteroClient(self.server.url, self.key, str(USER_ID), sleep=lambda s: None, retries=6)
        c.transport.fault_hook = hook
        return c

    def keys(self, side: str) -> list[str]:
        return sorted(self.ctx[side].library.keys())

    def draw_local(self, side: str, data: st.DataObject) -> str | None:
        """One of ``side``'s records, or None when that side has none (the precondition asks only for either side)."""
        keys = self.keys(side)
        return data.draw(st.sampled_from(keys)) if keys else None

    def draw_remote(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.zlib.items)))

    def remote_put(self, item: dict[str, Any]) -> None:
        """Write one item as a third Zotero client would."""
        assert self.server.put_items(self.zlib, [item])["failed"] == {}

    # -- local changes --------------------------------------------------------
    @rule(side=SIDES, value=VALUES)
    def local_create(self, side: str, value: str) -> None:
        rec = Record.new("journalArticle", title=value)
        rec.key = self._new_key()
        self.ctx[side].library.add(rec)
        self.last_edit[(rec.key, "title")] = rec.title

    def _new_key(self) -> str:
        self.counter += 1
        return "".join("23456789AB"[int(d)] for d in f"{self.counter:08d}")  # deterministic, so examples replay

    @precondition(lambda self: self.keys("A") or self.keys("B"))
    @rule(side=SIDES, data=st.data(), value=VALUES)
    def local_note(self, side: str, data: st.DataObject, value: str) -> None:
        lib = self.ctx[side].library
        parents = [k for k in self.keys(side) if lib.get(k).item_type != "note"]
        if not parents:
            return
        parent = data.draw(st.sampled_from(parents))
        key = self._new_key()
        lib.add(Record(data={"itemType": "note", "note": value, "parentItem": parent, "tags": [], "collections": [],
                             "relations": {}}, key=key))
        self.parent[key] = parent
        self.last_edit[(key, "note")] = value

    @precondition(lambda self: self.keys("A") or self.keys("B"))
    @rule(side=SIDES, data=st.data(), field=FIELDS, value=VALUES)
    def local_edit(self, side: str, data: st.DataObject, field: str, value: str) -> None:
        key = self.draw_local(side, data)
        if key is None:
            return
        lib = self.ctx[side].library
        rec = lib.get(key)
        if rec.item_type == "note":
            field = "note"
            rec.data["note"] = value
        else:
            rec.set(field, value)
        lib.save(rec)
        self.last_edit[(key, field)] = value

    @precondition(lambda self: self.keys("A") or self.keys("B"))
    @rule(side=SIDES, data=st.data())
    def local_edit_and_undo(self, side: str, data: st.DataObject) -> None:
        """Dirty but equal to the server: uploads answer "unchanged"."""
        key = self.draw_local(side, data)
        if key is None:
            return
        lib = self.ctx[side].library
        rec = lib.get(key)
        before = rec.data.get("extra")
        rec.data["extra"] = "temporary"
        lib.save(rec)
        if before is None:
            rec.data.pop("extra")
        else:
            rec.data["extra"] = before
        lib.save(rec)

    @precondition(lambda self: self.keys("A") or self.keys("B"))
    @rule(side=SIDES, data=st.data(), tag=st.sampled_from(["red", "green", "blue"]))
    def local_tag(self, side: str, data: st.DataObject, tag: str) -> None:
        key = self.draw_local(side, data)
        if key is None:
            return
        lib = self.ctx[side].library
        rec = lib.get(key)
        if rec.add_tag(tag):
            lib.save(rec)
            self.tags.setdefault(key, set()).add(tag)

    @precondition(lambda self: self.keys("A") or self.keys("B"))
    @rule(side=SIDES, data=st.data())
    def local_delete(self, side: str, data: st.DataObject) -> None:
        key = self.draw_local(side, data)
        if key is None:
            return
        self.ctx[side].library.remove(key)
        self.deleted.add(key)

    # -- remote changes (a third Zotero client) --------------------------------
    @precondition(lambda self: bool(self.zlib.items))
    @rule(data=st.data(), field=FIELDS, value=VALUES)
    def remote_edit(self, data: st.DataObject, field: str, value: str) -> None:
        key = self.draw_remote(data)
        if self.zlib.items[key].data.get("itemType") == "note":
            field = "note"
        self.remote_put({"key": key, "version": self.zlib.items[key].version, field: value})
        self.last_edit[(key, field)] = value

    @precondition(lambda self: bool(self.zlib.items))
    @rule(data=st.data(), tag=st.sampled_from(["red", "green", "blue"]), automatic=st.booleans())
    def remote_tag(self, data: st.DataObject, tag: str, automatic: bool) -> None:
        key = self.draw_remote(data)
        obj = self.zlib.items[key]
        if tag in {t["tag"] for t in obj.data.get("tags", [])}:
            return
        new = {"tag": tag, "type": 1} if automatic else {"tag": tag}
        self.remote_put({"key": key, "version": obj.version, "tags": [*obj.data["tags"], new]})
        self.tags.setdefault(key, set()).add(tag)

    @precondition(lambda self: bool(self.zlib.items))
    @rule(data=st.data(), value=VALUES)
    def remote_note(self, data: st.DataObject, value: str) -> None:
        parents = sorted(k for k, o in self.zlib.items.items() if o.data.get("itemType") != "note")
        if not parents:
            return
        parent = data.draw(st.sampled_from(parents))
        key = self._new_key()
        self.remote_put({"key": key, "itemType": "note", "note": value, "parentItem": parent})
        self.parent[key] = parent
        self.last_edit[(key, "note")] = value

    @precondition(lambda self: bool(self.zlib.items))
    @rule(data=st.data())
    def remote_delete(self, data: st.DataObject) -> None:
        key = self.draw_remote(data)
        self.server.delete_items(self.zlib, [key])
        self.deleted.add(key)

    @rule(side=SIDES, take=st.sampled_from(["local", "remote"]))
    def settle_conflicts(self, side: str, take: str) -> None:
        lib = self.ctx[side].library
        for key in sorted({c.key for c in conflicts.list_conflicts(lib)}):
            conflicts.resolve(lib, key, take)  # type: ignore[arg-type]

    # -- syncs, with faults and kills -------------------------------------------
    @rule(side=SIDES, fault=FAULTS, kill=KILLS)
    def sync_side(self, side: str, fault: str | None, kill: tuple[int, str] | None) -> None:
        if fault:
            self.server.inject(fault, retry_after=1)
        hook = None
        if kill is not None:
            n, phase = kill
            seen = {"count": 0}

            def hook(request: httpx2.Request, ph: str) -> None:
                if ph == phase:
                    seen["count"] += 1
                    if seen["count"] == n:
                        raise Killed

        client = self.client(hook)
        try:
            report = sync(self.ctx[side], client=client)
            assert report.ok, [lr.error for lr in report.libraries]
        except Killed:
            pass
        finally:
            client.close()
            self.server.clear_faults()

    # -- the end -------------------------------------------------------------
    def teardown(self) -> None:
        try:
            self._settle_and_check()
        finally:
            for ctx in self.ctx.values():
                ctx.close()
            self.server.stop()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _settle_and_check(self) -> None:
        for _ in range(8):
            for side in "AB":
                lib = self.ctx[side].library
                for key in {c.key for c in conflicts.list_conflicts(lib)}:
                    conflicts.resolve(lib, key, "local")
                client = self.client()
                assert sync(self.ctx[side], client=client).ok
                client.close()
            if all(not conflicts.list_conflicts(self.ctx[s].library) and not state.dirty_items(self.ctx[s].library, "user")
                   and not state.deletions(self.ctx[s].library, "user") for s in "AB"):
                break
        # one more round so the side that synced first sees the last uploads
        for side in "AB":
            client = self.client()
            assert sync(self.ctx[side], client=client).ok
            client.close()
        remote = self.server.item_data(self.zlib)
        for side in "AB":
            lib = self.ctx[side].library
            local = {r.key: r.data for r in lib.records()}
            assert set(local) == set(remote), side
            for key, data in remote.items():
                assert mapping.same(local[key], data), (side, key)
            assert not state.dirty_items(lib, "user")
            assert not conflicts.list_conflicts(lib)
        touched = {c.key for s in "AB" for c in conflicts.list_conflicts(self.ctx[s].library, include_resolved=True)}
        for (key, field), value in self.last_edit.items():
            if key in touched or key in self.deleted or self.parent.get(key) in self.deleted:
                continue  # (a note goes with its deleted parent, or stays as a standalone note)
            assert remote[key].get(field) == value, (key, field)
        for key, tags in self.tags.items():
            if key in touched or key in self.deleted or self.parent.get(key) in self.deleted:
                continue
            assert tags <= {t["tag"] for t in remote[key]["tags"]}, key
        for key in self.deleted - touched:
            assert key not in remote, key


TestTwoLibrariesOneZotero = SyncMachine.TestCase
TestTwoLibrariesOneZotero.settings = settings(
    max_examples=30, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
