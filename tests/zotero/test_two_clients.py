"""Two refdesk clients and Zotero itself editing one library at once, round after round (issue 13).

Each round: random creations, field edits and clears, creators emptied or set, tags added and
removed, Trash and restore, deletions, on all three sides (often the same item, sometimes the same
field); random syncs of either client with injected 429/500/503, connections dropped before or
after a write is applied, and syncs killed mid-way (the client then reopens its library, as a new
process would); conflicts settled either way on either client, in any order. Then both clients
sync until quiet and the round is checked against a model:

- the same keys, fields, tags and Trash flags on all three sides; nothing pending, no conflict;
- every edit is there unless another side changed the same field (or tag) in the same round,
  in which case one of the edits won;
- nothing duplicated, nothing appears that nobody made;
- a deletion without a concurrent edit by another side stays deleted.

CI runs a few short seeds. The long setting::

    REFDESK_SYNC_ROUNDS=250 REFDESK_SYNC_SEEDS=1,2,3,4 pytest -s tests/zotero/test_two_clients.py
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from refdesk.app import AppContext
from refdesk.config import Settings
from refdesk.model import Record
from refdesk.zotero import conflicts, mapping, state
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.errors import ZoteroUnavailableError
from refdesk.zotero.sync import sync

from tests.servers.zotero import ZoteroServer
from tests.zotero.conftest import USER_ID

ROUNDS = int(os.environ.get("REFDESK_SYNC_ROUNDS", "12"))
SEEDS = [int(s) for s in os.environ.get("REFDESK_SYNC_SEEDS", "1,2,3").split(",") if s.strip()]
CLIENTS = ("A", "B")
SIDES = ("A", "B", "S")  # S: Zotero itself (another Zotero client writing through the API)
FIELDS = ("title", "volume", "pages", "issue", "libraryCatalog", "extra")
TAGS = ("red", "green", "blue")
KEY_CHARS = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
FAULTS = ("429", "503", "500", "drop", "drop_after")


class Killed(BaseException):
    """Stands for kill -9 in the middle of a sync: nothing after it runs."""


def snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """An item as the model compares it: non-empty fields, creators, tag names, the Trash flag."""
    out: dict[str, Any] = {k: v for k, v in mapping.normalized(data).items()
                           if k not in ("tags", "dateAdded", "deleted", "collections", "relations")}
    out["tags"] = sorted(str(t["tag"]) for t in data.get("tags") or [])
    out["deleted"] = bool(data.get("deleted"))
    return out


def local_snapshots(lib: Any) -> dict[str, dict[str, Any]]:
    """Every item of a client, the Trash included."""
    return {k: snapshot(d) for k, d in state.item_data(lib, lib.keys(), "user").items()}


@dataclass
class RoundLog:
    """What each side did to each item in one round (the last value per side counts)."""

    fields: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (key, field) -> side -> value
    seen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # ... -> side -> the value it replaced
    tags: dict[tuple[str, str], dict[str, bool]] = field(default_factory=dict)  # (key, tag) -> side -> present
    deletes: dict[str, set[str]] = field(default_factory=dict)  # key -> sides
    touched: dict[str, set[str]] = field(default_factory=dict)  # key -> sides that edited it
    created: set[str] = field(default_factory=set)
    events: list[str] = field(default_factory=list)

    def write(self, side: str, key: str, name: str, value: Any, before: Any = None) -> None:
        self.fields.setdefault((key, name), {})[side] = value
        self.seen.setdefault((key, name), {})[side] = _norm(before)
        self.events.append(f"{side} sets {key}.{name} = {value!r} (was {_norm(before)!r})")
        self.touched.setdefault(key, set()).add(side)

    def tag(self, side: str, key: str, tag: str, present: bool) -> None:
        self.tags.setdefault((key, tag), {})[side] = present
        self.events.append(f"{side} {'adds' if present else 'removes'} tag {tag} on {key}")
        self.touched.setdefault(key, set()).add(side)


class World:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.server = ZoteroServer().start()
        self.key = self.server.add_key(USER_ID, "Z User")
        self.zlib = self.server.library("user", USER_ID)
        self.dir = Path(tempfile.mkdtemp(prefix=f"refdesk-two-clients-{seed}-"))
        self.settings = Settings(zotero_user_id=str(USER_ID), zotero_api_url=self.server.url)
        self.ctx = {c: AppContext(self.settings, self.dir / f"{c}.sqlite") for c in CLIENTS}
        self.expected: dict[str, dict[str, Any]] = {}
        self.stats: Counter[str] = Counter()
        self.log = RoundLog()

    def close(self) -> None:
        for ctx in self.ctx.values():
            ctx.close()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------------------
    def new_key(self) -> str:
        while True:
            key = "".join(self.rng.choice(KEY_CHARS) for _ in range(8))
            if key not in self.expected and key not in self.log.created:
                return key

    def value(self) -> str:
        """A value no other write uses, so the model can tell whose edit a side saw before its own."""
        self.stats["values"] += 1
        return "".join(self.rng.choice("abcxyz") for _ in range(self.rng.randint(1, 3))) + str(self.stats["values"])

    def client(self, retries: int = 3, hook: Any = None) -> ZoteroClient:
        c = ZoteroClient(self.server.url, self.key, str(USER_ID), sleep=lambda s: None, retries=retries)
        c.transport.fault_hook = hook
        return c

    def keys_of(self, side: str) -> list[str]:
        if side == "S":
            return sorted(self.zlib.items)
        return sorted(self.ctx[side].library.keys())

    def pick(self, side: str, last: str | None) -> str | None:
        keys = self.keys_of(side)
        if not keys:
            return None
        if last in keys and self.rng.random() < 0.5:
            return last  # often the same item as the last change
        return self.rng.choice(keys)

    def remote_put(self, obj: dict[str, Any]) -> None:
        result = self.server.put_items(self.zlib, [obj])
        assert result["failed"] == {}, result

    # -- one change on one side ---------------------------------------------------------------------
    def change(self, last: str | None) -> str | None:
        side = self.rng.choice(SIDES)
        kind = self.rng.choices(["edit", "clear", "creators", "tag", "untag", "trash", "restore", "create", "delete"],
                                [30, 14, 6, 10, 5, 6, 5, 12, 6])[0]
        if len(self.expected) < 6 and self.rng.random() < 0.5:
            kind = "create"  # keep a library worth editing
        self.stats[f"{kind} ({'Zotero' if side == 'S' else 'client'})"] += 1
        if kind == "create":
            key = self.new_key()
            title = self.value()
            self.log.created.add(key)
            self.log.events.append(f"{side} creates {key}")
            self.log.write(side, key, "title", title)
            if side == "S":
                self.remote_put({"key": key, "itemType": "journalArticle", "title": title})
            else:
                rec = Record.new("journalArticle", title=title)
                rec.key = key
                self.ctx[side].library.add(rec)
            return key
        key = self.pick(side, last)
        if key is None:
            return None
        if kind == "delete":
            self.log.deletes.setdefault(key, set()).add(side)
            self.log.events.append(f"{side} deletes {key}")
            if side == "S":
                self.server.delete_items(self.zlib, [key])
            else:
                self.ctx[side].library.remove(key)
            return key
        if side == "S":
            self._remote_change(kind, key)
        else:
            self._local_change(side, kind, key)
        return key

    def _local_change(self, side: str, kind: str, key: str) -> None:
        lib = self.ctx[side].library
        rec = lib.get(key)
        before = snapshot(rec.data)
        if kind == "edit":
            name, value = self.rng.choice(FIELDS), self.value()
            rec.set(name, value)
            self.log.write(side, key, name, value, _field(before, name))
        elif kind == "clear":
            name = self.rng.choice(FIELDS)
            if self.rng.random() < 0.5:
                rec.data.pop(name, None)  # as `refdesk edit --set name=` does
            else:
                rec.set(name, "")
            self.log.write(side, key, name, None, _field(before, name))
        elif kind == "creators":
            value = self.value()
            rec.data["creators"] = [] if self.rng.random() < 0.5 else [{"creatorType": "author", "lastName": value}]
            self.log.write(side, key, "creators", mapping.canonical(rec.data["creators"]) if rec.data["creators"] else None,
                           _field(before, "creators"))
        elif kind in ("tag", "untag"):
            tag = self.rng.choice(TAGS)
            if kind == "tag":
                rec.add_tag(tag)
            else:
                rec.remove_tag(tag)
            self.log.tag(side, key, tag, kind == "tag")
        elif kind == "trash":
            rec.data["deleted"] = 1  # as Library.trash stores it
            self.log.write(side, key, "deleted", True, _field(before, "deleted"))
        else:  # restore: the flag is removed (a cleared field)
            rec.data.pop("deleted", None)
            self.log.write(side, key, "deleted", None, _field(before, "deleted"))
        lib.save(rec)

    def _remote_change(self, kind: str, key: str) -> None:
        obj = self.zlib.items[key]
        before = snapshot(obj.data)
        put: dict[str, Any] = {"key": key, "version": obj.version}
        if kind == "edit":
            name, value = self.rng.choice(FIELDS), self.value()
            put[name] = value
            self.log.write("S", key, name, value, _field(before, name))
        elif kind == "clear":
            name = self.rng.choice(FIELDS)
            put[name] = ""
            self.log.write("S", key, name, None, _field(before, name))
        elif kind == "creators":
            put["creators"] = [] if self.rng.random() < 0.5 else [{"creatorType": "author", "lastName": self.value()}]
            self.log.write("S", key, "creators", mapping.canonical(put["creators"]) if put["creators"] else None,
                           _field(before, "creators"))
        elif kind in ("tag", "untag"):
            tag = self.rng.choice(TAGS)
            tags = [t for t in obj.data.get("tags", []) if t["tag"] != tag]
            put["tags"] = [*tags, {"tag": tag}] if kind == "tag" else tags
            self.log.tag("S", key, tag, kind == "tag")
        elif kind == "trash":
            put["deleted"] = 1
            self.log.write("S", key, "deleted", True, _field(before, "deleted"))
        else:
            put["deleted"] = self.rng.choice([0, False])  # Zotero restores with false or 0
            self.log.write("S", key, "deleted", None, _field(before, "deleted"))
        self.remote_put(put)

    # -- syncs ----------------------------------------------------------------------------------------
    def random_sync(self) -> None:
        side = self.rng.choice(CLIENTS)
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 5])):
            kind = self.rng.choice(FAULTS)
            self.server.inject(kind, times=self.rng.randint(1, 3), retry_after=1,
                               method=self.rng.choice([None, "POST", "GET", "DELETE"]), skip=self.rng.randint(0, 4))
            self.stats[f"fault {kind}"] += 1
        hook = None
        if self.rng.random() < 0.25:
            n, phase = self.rng.randint(1, 10), self.rng.choice(["send", "received"])
            seen = {"count": 0}

            def hook(request: httpx2.Request, ph: str) -> None:
                if ph == phase:
                    seen["count"] += 1
                    if seen["count"] == n:
                        raise Killed

        client = self.client(retries=2, hook=hook)
        self.log.events.append(f"{side} syncs" + (" (to be killed)" if hook else "") + f" faults={[f.kind for f in self.server.faults]}")
        try:
            report = sync(self.ctx[side], client=client)
            self.stats["syncs"] += 1
            self.stats["requests"] += report.requests
            if not report.ok:
                self.stats["syncs stopped by faults"] += 1
                for lr in report.libraries:
                    assert lr.error and self.key not in lr.error
                self.after_lost_answer(side)
        except ZoteroUnavailableError as exc:  # the key check itself failed every attempt: nothing started
            self.stats["syncs stopped by faults"] += 1
            assert self.key not in str(exc)
        except Killed:
            self.stats["kills"] += 1
            self.ctx[side].close()  # the process died: the next one opens the library afresh
            self.ctx[side] = AppContext(self.settings, self.dir / f"{side}.sqlite")
            self.after_lost_answer(side)
        finally:
            client.close()
            self.server.clear_faults()

    def after_lost_answer(self, side: str) -> None:
        """Often, Zotero then changes a field the stopped sync had sent: to a new value, or back to the old one."""
        if self.rng.random() < 0.4:
            return
        lib = self.ctx[side].library
        sent = [obj for entry in state.pending_batches(lib, "user") if entry.object_type == "items"
                for obj in state.batch_payload(lib, entry.id) if obj["key"] in self.zlib.items]
        if not sent:
            return
        obj = self.rng.choice(sent)
        names = [n for n in FIELDS if n in obj] or list(FIELDS)
        name = self.rng.choice(names)
        item = state.item_state(lib, obj["key"], "user")
        old = (item.synced or {}).get(name, "") if item is not None else ""
        value = old if self.rng.random() < 0.5 else self.value()
        current = self.zlib.items[obj["key"]]
        self.log.write("S", obj["key"], name, _norm(value), _norm(current.data.get(name)))
        self.remote_put({"key": obj["key"], "version": current.version, name: value})
        self.stats["Zotero changes after a lost answer"] += 1

    def settle(self, side: str) -> None:
        lib = self.ctx[side].library
        for key in sorted({c.key for c in conflicts.list_conflicts(lib)}):
            take = self.rng.choice(["local", "remote"])
            settled = conflicts.resolve(lib, key, take)  # type: ignore[arg-type]
            self.log.events.append(f"{side} settles {key} {[c.field for c in settled]} taking {take}")
            self.stats[f"conflicts settled {take}"] += 1

    def quiet(self) -> bool:
        remote = {k: snapshot(d) for k, d in self.server.item_data(self.zlib).items()}
        for c in CLIENTS:
            lib = self.ctx[c].library
            if conflicts.list_conflicts(lib) or state.dirty_count(lib, "user") or state.deletions(lib, "user") \
                    or state.pending_batches(lib, "user"):
                return False
            if local_snapshots(lib) != remote:
                return False
        return True

    def sync_until_quiet(self) -> None:
        for _ in range(12):
            for side in self.rng.sample(CLIENTS, 2):
                client = self.client()
                report = sync(self.ctx[side], client=client)
                client.close()
                self.log.events.append(f"{side} syncs (quiet phase): {report.libraries[0].new_conflicts} new conflicts")
                self.stats["syncs"] += 1
                self.stats["requests"] += report.requests
                assert report.ok, report.to_json()
                assert not any(lr.failed for lr in report.libraries), report.to_json()
                self.stats["conflicts opened"] += sum(lr.new_conflicts for lr in report.libraries)
                self.settle(side)
            if self.quiet():
                return
        raise AssertionError("the clients did not settle: " + json.dumps(self.differences(), default=str))

    def differences(self) -> dict[str, Any]:
        remote = {k: snapshot(d) for k, d in self.server.item_data(self.zlib).items()}
        out: dict[str, Any] = {}
        for c in CLIENTS:
            lib = self.ctx[c].library
            local = local_snapshots(lib)
            out[c] = {"conflicts": [x.to_json() for x in conflicts.list_conflicts(lib)],
                      "dirty": lib.dirty_keys("user"), "deletions": state.deletions(lib, "user"),
                      "batches": len(state.pending_batches(lib, "user")),
                      "differ": {k: (local.get(k), remote.get(k)) for k in set(local) | set(remote)
                                 if local.get(k) != remote.get(k)}}
        return out

    # -- a round --------------------------------------------------------------------------------------
    def round(self) -> None:
        self.log = RoundLog()
        last: str | None = None
        for _ in range(self.rng.randint(1, 6)):
            last = self.change(last)
        for _ in range(self.rng.randint(0, 4)):
            if self.rng.random() < 0.7:
                self.random_sync()
            else:
                self.settle(self.rng.choice(CLIENTS))
            if self.rng.random() < 0.2:
                last = self.change(last)  # changes between syncs, on items some sides already synced
        try:
            self.sync_until_quiet()
            self.check()
        except AssertionError as exc:
            raise AssertionError(f"round {self.stats['rounds']}: {exc}\n  " + "\n  ".join(self.log.events)) from None
        self.stats["rounds"] += 1

    def check(self) -> None:
        log = self.log
        final = {k: snapshot(d) for k, d in self.server.item_data(self.zlib).items()}
        for c in CLIENTS:  # the same keys, fields, tags and Trash flags on all three sides
            assert local_snapshots(self.ctx[c].library) == final, c
        assert set(final) <= set(self.expected) | log.created, "an item nobody made"
        for key in set(self.expected) | log.created:
            prev = self.expected.get(key)
            deleters = log.deletes.get(key, set())
            concurrent = log.touched.get(key, set()) - deleters
            if deleters and not concurrent:
                assert key not in final, f"{key} deleted by {deleters} without a concurrent edit came back"
                continue
            if key not in final:
                assert deleters, f"{key} vanished without a deletion"
                continue
            got = final[key]
            strict = not deleters  # with a deletion against an edit either outcome is fine, but from these values
            for (k, name), by_side in log.fields.items():
                if k != key:
                    continue
                values = set(map(_norm, by_side.values()))
                now = _norm(_field(got, name))
                latest = _latest(by_side, log.seen.get((k, name), {}))
                if strict and latest is not None:
                    winner = _norm(by_side[latest])
                    assert now == winner, f"{key}.{name}: the edit by {latest} ({winner!r}) is lost to {now!r}: {by_side}"
                    self.stats["edits checked after another side's"] += len(by_side) > 1
                else:
                    assert now in values | {_norm(_field(prev, name))}, f"{key}.{name}: {now!r} is nobody's edit"
                self.stats["edits checked"] += len(by_side)
            if strict and prev is not None:
                for name in set(prev) | set(got):
                    if name != "tags" and (key, name) not in log.fields and name not in ("dateModified",):
                        assert _norm(_field(got, name)) == _norm(_field(prev, name)), f"{key}.{name} changed by nobody"
            for (k, tag), by_side in log.tags.items():
                if k != key:
                    continue
                wanted = set(by_side.values())
                if strict and len(wanted) == 1:
                    assert (tag in got["tags"]) in wanted, f"{key}: tag {tag} ({by_side}) lost"
            if strict and prev is not None:
                for tag in TAGS:
                    if (key, tag) not in log.tags:
                        assert (tag in got["tags"]) == (tag in prev["tags"]), f"{key}: tag {tag} changed by nobody"
        self.stats["items"] = len(final)
        self.expected = final


def _field(snap: dict[str, Any] | None, name: str) -> Any:
    if snap is None:
        return None
    if name == "creators":
        return mapping.canonical(snap["creators"]) if snap.get("creators") else None
    if name == "deleted":
        return True if snap.get("deleted") else None
    return snap.get(name)


def _latest(by_side: dict[str, Any], seen: dict[str, Any]) -> str | None:
    """The side whose edit came after every other side's, or None when some were concurrent.

    A side that replaced another side's (unique) value had seen it, so its edit is the later one and
    must win; a field written by one side only is that side's.
    """
    superseded = {o for o in by_side for s in by_side
                  if s != o and isinstance(by_side[o], str) and seen.get(s) == by_side[o]}
    rest = [s for s in by_side if s not in superseded]
    return rest[0] if len(rest) == 1 else None


def _norm(value: Any) -> Any:
    return None if mapping.is_empty(value) else value


@pytest.mark.parametrize("seed", SEEDS)
def test_two_clients_and_zotero_converge_round_after_round(seed: int) -> None:
    world = World(seed)
    started = time.monotonic()
    try:
        for _ in range(ROUNDS):
            world.round()
    finally:
        world.close()
    figures = dict(sorted(world.stats.items()))
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(f"\nseed {seed}: " + json.dumps(figures))
    out = os.environ.get("REFDESK_SYNC_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"seed": seed, **figures}) + "\n")
