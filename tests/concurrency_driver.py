"""Driver of the concurrency and crash test (tests/test_concurrency_soak.py).

Two halves:

* ``app_main``: the long-lived process that stands in for the open desktop app. It holds what the app holds
  (an ``AppContext`` library and a second ``connect()`` connection, as the item table's ``Counter`` has) and
  does what the app does without Qt: reads pages with ``Library.rows``, counts, adds and edits records, all the
  time. It speaks JSON lines: every write it finished goes to standard output with its start and end times
  (``time.monotonic``, one clock for every process on Linux); commands come on standard input.
* ``Soak``: runs rounds of concurrent ``python -m refdesk`` processes (import, edit, remove, list, export,
  show, sync), kills some of them with SIGKILL at random moments, and checks every read against the history of
  writes: a write a process reported as done is seen by every later read, a removal is never undone, a value
  seen is one that some write could have left there, nothing appears twice. Between rounds and at the end the
  file passes ``PRAGMA integrity_check`` and the search index's own integrity check.

Every choice comes from one ``random.Random(seed)``; the seed is in every failure message.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from refdesk.library.store import Order

REPO = Path(__file__).resolve().parent.parent
FIELDS = ("volume", "pages")  # edited as registers: the last write wins
WORDS = ("diplomacy", "Soviet", "river", "Kraków", "Δέλτα", "archive", "treaty", "æther", "naïve", "frontier")
APP_VALUES = 10_000_000  # values the app writes start here; the CLI's from 1
ORDERS: tuple[Order, ...] = ("added", "title", "creators", "year", "publication")


# ---------------------------------------------------------------------------------------------------------------
# The long-lived process (the desktop app's connections, without Qt)
# ---------------------------------------------------------------------------------------------------------------
class _AppProcess:
    def __init__(self, path: Path, seed: int) -> None:
        from refdesk.app import AppContext
        from refdesk.config import load_settings
        from refdesk.library import Library
        from refdesk.library.connection import connect

        self.ctx = AppContext(load_settings(), path)
        self.lib = self.ctx.library  # the app's shared connection (item pane, imports)
        self.reader = Library(connect(path), path)  # the item table's second connection (Counter, pages)
        self.rng = random.Random(seed)
        self.out_lock = threading.Lock()
        self.action_lock = threading.Lock()  # a snapshot waits for the action in progress (and its report)
        self.writing = threading.Event()
        self.writing.set()
        self.stop = threading.Event()
        self.n = 0
        self.keys: list[str] = []

    def emit(self, obj: dict[str, Any]) -> None:
        with self.out_lock:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    def loop(self) -> None:
        while not self.stop.is_set():
            time.sleep(self.rng.uniform(0.03, 0.15))
            with self.action_lock:
                try:
                    self.step()
                except Exception as exc:  # reported, and the test fails on it
                    self.emit({"ev": "error", "msg": f"{type(exc).__name__}: {exc}"})

    def step(self) -> None:
        from refdesk.errors import LibraryError, NotFoundError

        roll = self.rng.random()
        if roll < 0.45 or not self.writing.is_set():
            self.read_page()
            return
        try:
            if roll < 0.7 or not self.keys:
                self.add()
            else:
                self.edit()
        except NotFoundError:
            self.emit({"ev": "edit-failed"})
        except LibraryError as exc:  # the other processes held the write lock longer than the busy timeout
            self.emit({"ev": "busy", "msg": str(exc)})

    def read_page(self) -> None:
        total = self.reader.count()
        search = self.rng.choice([None, None, "soak", self.rng.choice(WORDS)])
        order = self.rng.choice(ORDERS)
        rows = self.reader.rows(offset=self.rng.randrange(max(total, 1)), limit=100, order=order, search=search,
                                descending=self.rng.choice([None, True, False]))
        keys = [r.key for r in rows]
        if len(keys) != len(set(keys)):
            self.emit({"ev": "error", "msg": f"a page of Library.rows shows a key twice: {keys}"})
        if search:
            self.reader.count(search)
        if rows:
            self.keys = keys[:20]

    def add(self) -> None:
        from refdesk.model import Record

        self.n += 1
        token = f"a{self.n:07d}"
        title = f"Soak {token} {self.rng.choice(WORDS)} app"
        rec = Record.new("journalArticle", title=title, publicationTitle="App Journal")
        rec.set("creators", [{"creatorType": "author", "lastName": f"App{self.n}", "firstName": "A."}])
        t0 = time.monotonic()
        self.lib.add(rec, "user")
        t1 = time.monotonic()
        seen = self.reader.count(token)  # the other connection sees the write at once
        if seen != 1:
            self.emit({"ev": "error", "msg": f"the reader connection finds {seen} records for {token} just added"})
        self.emit({"ev": "add", "key": rec.key, "title": title, "token": token, "t0": t0, "t1": t1})

    def edit(self) -> None:
        if self.rng.random() < 0.6:  # the newest records, which the CLI edits too: the same record edited at once
            key = self.rng.choice([r.key for r in self.lib.rows(limit=4)] or self.keys)
        else:
            key = self.rng.choice(self.keys)
        self.n += 1
        what = self.rng.choice([*FIELDS, "tag"])
        value = str(APP_VALUES + self.n)
        t0 = time.monotonic()
        with self.lib.transaction():  # as the item pane saves (ItemPane._store): a fresh copy, changed, saved
            rec = self.lib.get(key)
            if what == "tag":
                rec.add_tag(f"t{value}")
            else:
                rec.set(what, value, "user")
            self.lib.save(rec, "user")
        t1 = time.monotonic()
        self.emit({"ev": "edit", "key": key, "field": what, "value": value, "t0": t0, "t1": t1})

    def snapshot(self) -> dict[str, Any]:
        """Both connections' view, read while no action of this process runs and no process commits.

        The main connection holds the write lock while both read (CLI writers wait, as for any long write), so
        the two views are of one state and must agree; without it a CLI import and removal landing between the
        two reads give equal counts and different keys, and paging by offset skips or repeats a row.
        """
        with self.action_lock, self.lib.transaction():
            t0 = time.monotonic()
            main = {r.key: _view(r.data) for r in self.lib.records()}
            rows: list[str] = []
            titles: dict[str, str] = {}
            total = self.reader.count()
            for offset in range(0, total + 100, 100):
                page = self.reader.rows(offset=offset, limit=100, order="title")
                rows += [r.key for r in page]
                titles.update({r.key: r.title for r in page})
            main_count = self.lib.count()
            t1 = time.monotonic()
        return {"ev": "snapshot", "t0": t0, "t1": t1, "main": main, "reader_keys": rows, "reader_titles": titles,
                "reader_count": total, "main_count": main_count}

    def search(self, tokens: list[str]) -> dict[str, Any]:
        with self.action_lock:
            return {"ev": "search", "found": {t: [r.key for r in self.lib.records(search=t)] for t in tokens},
                    "counted": {t: self.reader.count(t) for t in tokens}}

    def serve(self) -> int:
        worker = threading.Thread(target=self.loop, daemon=True)
        worker.start()
        self.emit({"ev": "ready"})
        for line in sys.stdin:
            cmd = json.loads(line)
            if cmd["cmd"] == "snapshot":
                self.emit(self.snapshot())
            elif cmd["cmd"] == "quiesce":
                with self.action_lock:
                    self.writing.clear()
                self.emit({"ev": "quiet"})
            elif cmd["cmd"] == "search":
                self.emit(self.search(cmd["tokens"]))
            elif cmd["cmd"] == "exit":
                break
        self.stop.set()
        worker.join()
        self.reader.close()
        self.ctx.close()
        self.emit({"ev": "bye"})
        return 0


def _view(data: dict[str, Any]) -> dict[str, Any]:
    """What the checks compare of a record: title, the register fields and tag names."""
    return {"title": data.get("title", ""), **{f: str(data.get(f) or "") for f in FIELDS},
            "tags": sorted(str(t.get("tag", "")) for t in data.get("tags") or [])}


def app_main(path: Path, seed: int) -> int:
    return _AppProcess(path, seed).serve()


# ---------------------------------------------------------------------------------------------------------------
# The history of writes, and the checks of a read against it
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Op:
    """One write: a value of a field of a record, or the record's creation or removal."""

    t0: float
    t1: float | None = None  # when it was known done (confirmed), or when its process was reaped (killed)
    confirmed: bool = False
    maybe: bool = False  # killed: it may or may not have committed


@dataclass
class Item:
    title: str
    token: str
    key: str | None = None
    source: str = ""  # the import file, or "app"
    add: Op | None = None
    removes: list[Op] = field(default_factory=list)
    edits: dict[str, list[tuple[str, Op]]] = field(default_factory=dict)  # field -> (value, op); "tag" too


@dataclass
class Figures:
    rounds: int = 0
    processes: int = 0
    by_command: Tally[str] = field(default_factory=Tally)
    cli_writes_confirmed: int = 0
    app_writes_confirmed: int = 0
    kills: int = 0
    checks_passed: int = 0
    syncs_ok: int = 0
    syncs_not_ok: int = 0
    busy: int = 0
    app_busy: int = 0
    items_final: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self, seed: int) -> str:
        cmds = ", ".join(f"{k} {v}" for k, v in sorted(self.by_command.items()))
        return (f"seed {seed}: {self.rounds} rounds in {self.seconds:.0f} s, {self.processes} CLI processes ({cmds}), "
                f"writes confirmed {self.cli_writes_confirmed} by the CLI + {self.app_writes_confirmed} by the app, "
                f"kill -9s {self.kills}, checks passed {self.checks_passed}, syncs ok {self.syncs_ok} / not ok "
                f"{self.syncs_not_ok}, busy {self.busy} (CLI) + {self.app_busy} (app)"
                + (f", records at the end {self.items_final}" if self.items_final else ""))


class SoakFailure(AssertionError):
    pass


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    kind: str
    args: list[str]
    t0: float
    out: Path
    err: Path
    kill_at: float | None
    plan: dict[str, Any]
    killed: bool = False


class Soak:
    """Rounds of concurrent CLI processes beside the long-lived app process, checked against the history."""

    def __init__(self, work: Path, library: Path, seed: int, env: dict[str, str], *, sync: bool,
                 per_round: int = 5, kill_rate: float = 0.3, log: TextIO | None = None) -> None:
        self.work = work
        self.library = library
        self.seed = seed
        self.rng = random.Random(seed)
        self.env = env
        self.sync = sync
        self.per_round = per_round
        self.kill_rate = kill_rate
        self.log = log
        self.items: dict[str, Item] = {}  # by token
        self.by_key: dict[str, Item] = {}
        self.by_title: dict[str, Item] = {}
        self.files: dict[str, list[str]] = {}  # import file -> tokens
        self.reads: list[tuple[float, float, str, dict[str, dict[str, Any]]]] = []  # unchecked reads
        self.figures = Figures()
        self.n = 0
        self.value = 0
        self.lock = threading.Lock()
        self.app: subprocess.Popen[str] | None = None
        self.app_replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.app_errors: list[str] = []
        self.app_reader: threading.Thread | None = None
        self.failures: list[str] = []
        self.orphan_edits: dict[str, list[tuple[str, tuple[str, Op]]]] = {}  # app edits of keys not known yet
        self.seq = 0

    # -- helpers ------------------------------------------------------------------
    def fail(self, message: str) -> None:
        self.failures.append(message)
        raise SoakFailure(f"[seed {self.seed}] {message}")

    def note(self, text: str) -> None:
        if self.log is not None:
            print(text, file=self.log, flush=True)

    # -- the app process ------------------------------------------------------------
    def start_app(self) -> None:
        self.app_err = (self.work / "app.err").open("w")
        self.app = subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency_driver", "app", str(self.library), str(self.seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.app_err, text=True, encoding="utf-8",
            env=self.env, cwd=REPO)
        self.app_reader = threading.Thread(target=self._read_app, daemon=True)
        self.app_reader.start()
        self._wait_app("ready")

    def _read_app(self) -> None:
        assert self.app is not None and self.app.stdout is not None
        for line in self.app.stdout:
            ev = json.loads(line)
            kind = ev["ev"]
            with self.lock:
                if kind == "add":
                    item = Item(ev["title"], ev["token"], ev["key"], "app", Op(ev["t0"], ev["t1"], confirmed=True))
                    self._know(item)
                    self.figures.app_writes_confirmed += 1
                elif kind == "edit":
                    edit = (ev["value"], Op(ev["t0"], ev["t1"], confirmed=True))
                    item = self.by_key.get(ev["key"])
                    if item is None:  # a record of a killed import, whose key a read has not shown yet
                        self.orphan_edits.setdefault(ev["key"], []).append((ev["field"], edit))
                    else:
                        item.edits.setdefault(ev["field"], []).append(edit)
                    self.figures.app_writes_confirmed += 1
                elif kind == "error":
                    self.app_errors.append(ev["msg"])
                elif kind == "busy":
                    self.figures.app_busy += 1
                elif kind == "edit-failed":
                    pass
                else:
                    self.app_replies.put(ev)
        self.app_replies.put({"ev": "eof"})

    def _wait_app(self, kind: str, timeout: float = 120) -> dict[str, Any]:
        try:
            reply = self.app_replies.get(timeout=timeout)
        except queue.Empty:
            self.fail(f"the app process did not answer ({kind}) within {timeout} s")
        if reply["ev"] != kind:
            err = (self.work / "app.err").read_text(errors="replace")[-3000:]
            self.fail(f"the app process answered {reply['ev']} instead of {kind}; its stderr:\n{err}")
        return reply

    def ask_app(self, cmd: dict[str, Any], reply: str) -> dict[str, Any]:
        assert self.app is not None and self.app.stdin is not None
        self.app.stdin.write(json.dumps(cmd) + "\n")
        self.app.stdin.flush()
        return self._wait_app(reply)

    def stop_app(self) -> None:
        if self.app is None:
            return
        with contextlib.suppress(Exception):
            self.ask_app({"cmd": "exit"}, "bye")
        with contextlib.suppress(Exception):
            self.app.wait(timeout=30)
        if self.app.poll() is None:
            self.app.kill()
            self.app.wait()
        self.app_err.close()

    # -- knowledge ------------------------------------------------------------------
    def _know(self, item: Item) -> None:
        self.items[item.token] = item
        self.by_title[item.title] = item
        if item.key:
            self.by_key[item.key] = item

    def _new_item(self, source: str) -> Item:
        self.n += 1
        token = f"c{self.n:07d}"
        item = Item(f"Soak {token} {self.rng.choice(WORDS)} {self.rng.choice(WORDS)}", token, source=source)
        self._know(item)
        return item

    def _live_keys(self) -> list[str]:
        """Keys of records known added and never asked to be removed."""
        return [i.key for i in self.items.values() if i.key and i.add is not None and i.add.confirmed and not i.removes]

    # -- planning one CLI process ---------------------------------------------------------
    def _plan(self) -> tuple[str, list[str], dict[str, Any]]:
        kinds = ["import"] * 5 + ["edit"] * 5 + ["remove"] * 2 + ["list"] * 3 + ["export"] * 2 + ["show", "backup", "check"]
        if self.sync:
            kinds += ["sync"] * 3
        kind = self.rng.choice(kinds)
        live = self._live_keys()
        if kind in ("edit", "remove", "show") and not live:
            kind = "import"
        if kind == "import":
            return self._plan_import()
        if kind == "edit":
            key = self.rng.choice(live[-4:] if self.rng.random() < 0.6 else live)  # the newest, as the app does
            self.value += 1
            what = self.rng.choice([*FIELDS, "tag"])
            value = str(self.value)
            arg = ["--add-tag", f"t{value}"] if what == "tag" else ["--set", f"{what}={value}"]
            return kind, ["edit", key, *arg], {"key": key, "field": what, "value": value}
        if kind == "remove":
            keys = self.rng.sample(live, min(len(live), self.rng.choice([1, 1, 2])))
            return kind, ["remove", *keys], {"keys": keys}
        if kind == "show":
            key = self.rng.choice(live)
            return kind, ["show", key, "--json"], {"key": key}
        if kind == "export":
            if live and self.rng.random() < 0.3:
                keys = self.rng.sample(live, min(len(live), 3))
                return kind, ["export", "--format", self.rng.choice(["ris", "bibtex", "csljson"]), *keys], {"keys": keys}
            return kind, ["export"], {"all": True}
        if kind == "sync":
            return kind, ["-v", "sync", "--json"], {}
        if kind == "backup":  # an online copy: into the backups folder (kept newest few) or a file named
            self.seq += 1
            named = self.rng.random() < 0.5
            return kind, ["backup", *([str(self.work / f"backup-{self.seq:05d}.sqlite")] if named else [])], {}
        if kind == "check":
            return kind, ["check", "--json"], {}
        return "list", ["list", "--json"], {}

    def _plan_import(self) -> tuple[str, list[str], dict[str, Any]]:
        self.seq += 1
        fmt = self.rng.choice(["ris", "json"])
        path = self.work / f"import-{self.seq:05d}.{fmt}"
        items = [self._new_item(path.name) for _ in range(self.rng.randint(1, 3))]
        if fmt == "ris":
            text = "".join(f"TY  - JOUR\nTI  - {i.title}\nAU  - Writer{i.token}, Ann\nPY  - 2001\nJO  - Soak Journal\nER  - \n\n"
                           for i in items)
        else:
            text = json.dumps([{"type": "article-journal", "title": i.title, "author": [{"family": f"Writer{i.token}", "given": "Ann"}],
                                "issued": {"date-parts": [[2002]]}, "container-title": "Soak Journal"} for i in items],
                              ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        self.files[path.name] = [i.token for i in items]
        return "import", ["import", str(path), "--json"], {"tokens": [i.token for i in items]}

    # -- one round ---------------------------------------------------------------------
    def _start(self, kind: str, args: list[str], plan: dict[str, Any]) -> Running:
        self.seq += 1
        out, err = self.work / f"p{self.seq:06d}.out", self.work / f"p{self.seq:06d}.err"
        t0 = time.monotonic()
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen([sys.executable, "-m", "refdesk", *args], stdout=o, stderr=e, env=self.env, cwd=self.work)
        kill_at = t0 + self.rng.uniform(0.05, 1.5) if kind != "list" and self.rng.random() < self.kill_rate else None
        self.figures.processes += 1
        self.figures.by_command[kind] += 1
        with self.lock:  # the op starts now: a read that ends later may see it
            if kind == "import":
                for token in plan["tokens"]:
                    self.items[token].add = Op(t0)
            elif kind == "edit":
                item = self.by_key[plan["key"]]
                plan["op"] = Op(t0)
                item.edits.setdefault(plan["field"], []).append((plan["value"], plan["op"]))
            elif kind == "remove":
                plan["ops"] = []
                for key in plan["keys"]:
                    op = Op(t0)
                    self.by_key[key].removes.append(op)
                    plan["ops"].append(op)
        return Running(proc, kind, args, t0, out, err, kill_at, plan)

    def run_round(self) -> None:
        starts = sorted(self.rng.uniform(0, 0.6) for _ in range(self.per_round))
        begin = time.monotonic()
        running: list[Running] = []
        done: list[Running] = []
        while starts or running:
            now = time.monotonic()
            while starts and begin + starts[0] <= now:
                starts.pop(0)
                with self.lock:
                    kind, args, plan = self._plan()
                running.append(self._start(kind, args, plan))
            for r in list(running):
                if r.proc.poll() is None:
                    if r.kill_at is not None and now >= r.kill_at:
                        os.kill(r.proc.pid, signal.SIGKILL)
                        r.killed = r.proc.wait() == -signal.SIGKILL
                        self.figures.kills += r.killed
                    elif now - r.t0 > 300:
                        r.proc.kill()
                        r.proc.wait()
                        self.fail(f"refdesk {' '.join(r.args)} hung for 5 minutes")
                    else:
                        continue
                running.remove(r)
                self._finish(r, time.monotonic())
                done.append(r)
            time.sleep(0.01)
        self.figures.rounds += 1
        self.check_round()

    def _finish(self, r: Running, t1: float) -> None:
        code = r.proc.returncode
        out = r.out.read_text(encoding="utf-8", errors="replace")
        err = r.err.read_text(encoding="utf-8", errors="replace")
        killed = r.killed
        with self.lock:
            self._settle(r, code, out, err, killed, t1)
        with contextlib.suppress(OSError):
            r.out.unlink()
            r.err.unlink()

    def _settle(self, r: Running, code: int, out: str, err: str, killed: bool, t1: float) -> None:
        plan = r.plan
        ops: list[Op] = []
        if r.kind == "import":
            ops = [self.items[t].add for t in plan["tokens"] if self.items[t].add is not None]  # type: ignore[misc]
        elif r.kind == "edit":
            ops = [plan["op"]]
        elif r.kind == "remove":
            ops = plan["ops"]
        for op in ops:
            op.t1 = t1
            op.confirmed = code == 0
            op.maybe = killed
        if killed:
            return
        what = f"refdesk {' '.join(r.args)}"
        if code != 0:
            self._expected_failure(r, code, out, err, what, t1)
            return
        if r.kind in ("import", "edit", "remove"):
            self.figures.cli_writes_confirmed += 1
        if r.kind == "import":
            records = json.loads(out)
            titles = {rec["title"]: rec["key"] for rec in records}
            for token in plan["tokens"]:
                item = self.items[token]
                if item.title not in titles:
                    self.fail(f"{what} exited 0 but did not report {item.title!r}:\n{out}")
                self._learn_key(item, titles[item.title], what)
        elif r.kind in ("list", "export") and plan.get("all"):
            self.reads.append((r.t0, t1, what, self._parse_listing(out, r.kind, what)))
        elif r.kind == "export":
            for key in plan["keys"]:  # RIS and BibTeX carry no key: the title's own word names the record
                if self.by_key[key].token not in out:
                    self.fail(f"{what} exited 0 without record {key} ({self.by_key[key].title!r}):\n{out[:2000]}")
        elif r.kind == "show":
            rec = json.loads(out)
            self.reads.append((r.t0, t1, what, {rec["key"]: _view(rec)}))
        elif r.kind == "sync":
            report = json.loads(out)
            self.figures.syncs_ok += 1 if report.get("ok") else 0
        elif r.kind == "backup":
            self._check_backup(Path(out.splitlines()[0]), r.t0, what)

    def _expected_failure(self, r: Running, code: int, out: str, err: str, what: str, t1: float) -> None:
        if "locked" in err:
            self.figures.busy += 1
            return
        if r.kind == "sync" and code == 5:
            self.figures.syncs_not_ok += 1
            self.figures.notes.append(f"{what}: {err.strip()[-300:]}")
            return
        if ("No record with key" in err or "in the Trash" in err) and r.kind in ("edit", "remove", "show", "export"):
            keys = [r.plan["key"]] if "key" in r.plan else r.plan["keys"]
            own = [id(op) for op in r.plan.get("ops", [])]
            if any(op.t0 < t1 and id(op) not in own for k in keys for op in self.by_key[k].removes):
                return  # another process removed it meanwhile
        self.fail(f"{what} failed with exit {code}:\n{out[-3000:]}\n{err[-3000:]}")

    def _check_backup(self, path: Path, t0: float, what: str) -> None:
        """A backup reported done is a sound copy holding every record added before it began (and not removed since)."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            keys = {k for (k,) in conn.execute("SELECT key FROM items")}
        finally:
            conn.close()
        if result != [("ok",)]:
            self.fail(f"{what}: the backup {path} fails PRAGMA integrity_check: {result[:10]}")
        for item in self.items.values():
            add = item.add
            if add is None or not add.confirmed or add.t1 is None or add.t1 >= t0 or item.removes:
                continue
            if item.key not in keys:
                self.fail(f"{what}: the backup lacks {item.key} {item.title!r}, added and reported done before it began")
        self.figures.checks_passed += 1
        if path.parent == self.work:
            path.unlink()

    def _learn_key(self, item: Item, key: str, where: str) -> None:
        if item.key is None:
            item.key = key
            self.by_key[key] = item
            for name, edit in self.orphan_edits.pop(key, []):
                item.edits.setdefault(name, []).append(edit)
        elif item.key != key:
            self.fail(f"{item.title!r} has key {key} in {where}, but was {item.key} before (a duplicate or a replaced record)")

    def _parse_listing(self, out: str, kind: str, what: str) -> dict[str, dict[str, Any]]:
        try:
            records = json.loads(out)
        except json.JSONDecodeError:
            self.fail(f"{what} printed no JSON:\n{out[:2000]}")
        seen: dict[str, dict[str, Any]] = {}
        for rec in records:
            key = rec["key"] if kind == "list" else rec["id"]
            view = _view(rec) if kind == "list" else {"title": rec.get("title", ""), "volume": str(rec.get("volume") or ""),
                                                        "pages": str(rec.get("page") or "")}
            if key in seen:
                self.fail(f"{what} shows the key {key} twice")
            seen[key] = view
        return seen

    # -- checks ----------------------------------------------------------------------
    def check_read(self, rs: float, re: float, what: str, seen: dict[str, dict[str, Any]], *, full: bool = True) -> None:
        """One read (a consistent snapshot taken somewhere in [rs, re]) against the history of writes."""
        titles = Tally(v["title"] for v in seen.values())
        twice = [t for t, n in titles.items() if n > 1 and t.startswith("Soak ")]
        if twice:
            self.fail(f"{what}: the same title appears more than once: {twice[:5]}")
        for key, view in seen.items():
            item = self.by_title.get(view["title"]) if "title" in view else self.by_key.get(key)
            if item is None:
                self.fail(f"{what}: record {key} {view.get('title')!r} was never written by any process")
            self._learn_key(item, key, what)
            if item.add is None or item.add.t0 >= re:
                self.fail(f"{what}: {key} {item.title!r} is seen before any process began to add it")
            for removal in item.removes:
                if removal.confirmed and removal.t1 is not None and removal.t1 < rs:
                    self.fail(f"{what}: {key} {item.title!r} is seen after its removal was reported done")
            for name, value in view.items():
                if name in FIELDS:
                    self._check_register(item, name, value, rs, re, what)
                elif name == "tags":
                    self._check_tags(item, value, rs, re, what)
        if not full:
            return
        for item in self.items.values():
            add = item.add
            if add is None or not add.confirmed or add.t1 is None or add.t1 >= rs:
                continue
            if any(op.t0 < re for op in item.removes):
                continue
            if item.key not in seen:
                self.fail(f"{what}: {item.key} {item.title!r} is missing; its addition was reported done "
                          f"{rs - add.t1:.2f} s before this read began, and no process removed it")
        self.figures.checks_passed += 1

    def _check_register(self, item: Item, name: str, value: str, rs: float, re: float, what: str) -> None:
        ops = [(v, op) for v, op in item.edits.get(name, []) if op.t0 < re and (op.confirmed or op.maybe)]
        done_before = [op for _, op in item.edits.get(name, []) if op.confirmed and op.t1 is not None and op.t1 < rs]
        allowed = set()
        if not done_before:
            allowed.add("")
        for v, op in ops:
            end = op.t1 if op.t1 is not None else re
            if not any(later.t0 > end for later in done_before):
                allowed.add(v)
        if value not in allowed:
            history = [(v, round(op.t0, 3), op.t1 and round(op.t1, 3), op.confirmed, op.maybe) for v, op in item.edits.get(name, [])]
            self.fail(f"{what}: {item.key} {item.title!r} has {name}={value!r}, which no write could have left there "
                      f"(read between {rs:.3f} and {re:.3f}; allowed {sorted(allowed)}; writes {history})")

    def _check_tags(self, item: Item, tags: list[str], rs: float, re: float, what: str) -> None:
        ops = item.edits.get("tag", [])
        possible = {f"t{v}" for v, op in ops if op.t0 < re and (op.confirmed or op.maybe)}
        need = {f"t{v}" for v, op in ops if op.confirmed and op.t1 is not None and op.t1 < rs}
        extra, missing = set(tags) - possible, need - set(tags)
        if extra or missing:
            self.fail(f"{what}: {item.key} {item.title!r} has tags {tags}: lost {sorted(missing)}, never added {sorted(extra)}")

    def integrity(self, where: str) -> None:
        conn = sqlite3.connect(self.library, timeout=60)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                self.fail(f"{where}: PRAGMA integrity_check says {result[:10]}")
            try:
                conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as exc:
                self.fail(f"{where}: the search index's integrity check failed: {exc}")
        finally:
            conn.close()
        self.figures.checks_passed += 1

    def snapshot(self, where: str) -> dict[str, dict[str, Any]]:
        snap = self.ask_app({"cmd": "snapshot"}, "snapshot")
        main: dict[str, dict[str, Any]] = snap["main"]
        if len(snap["reader_keys"]) != len(set(snap["reader_keys"])):
            self.fail(f"{where}: paging the reader connection with Library.rows shows a key twice")
        if set(snap["reader_keys"]) != set(main) or snap["reader_count"] != len(main) or snap["main_count"] != len(main):
            only_main, only_reader = sorted(set(main) - set(snap["reader_keys"])), sorted(set(snap["reader_keys"]) - set(main))
            self.fail(f"{where}: the app's two connections disagree: {len(main)} records on the main one, "
                      f"{len(set(snap['reader_keys']))} paged and {snap['reader_count']} counted on the reader; "
                      f"only on the main one: {self._history(only_main)}; only on the reader: {self._history(only_reader)}")
        with self.lock:
            self.check_read(snap["t0"], snap["t1"], f"{where} (the app's main connection)", main)
            self.check_read(snap["t0"], snap["t1"], f"{where} (the app's reader connection)",
                            {k: {"title": t} for k, t in snap["reader_titles"].items()})
        return main

    def _history(self, keys: list[str]) -> str:
        """What this run did to each key (for a failure message): whether made, edits, removes and their outcomes."""
        parts = []
        for key in keys[:5]:
            item = self.by_key.get(key)
            if item is None:
                parts.append(f"{key} (never seen by the driver)")
                continue
            removes = [("confirmed" if op.confirmed else "maybe" if op.maybe else "failed") for op in item.removes]
            added = "none" if item.add is None else "confirmed" if item.add.confirmed else "maybe" if item.add.maybe else "failed"
            parts.append(f"{key} {item.title!r} from {item.source or '?'} (add {added}, removes {removes})")
        return ", ".join(parts) or "none"

    def check_round(self) -> None:
        where = f"round {self.figures.rounds}"
        self.snapshot(where)  # after it, every event of the app up to now is known
        with self.lock:
            reads, self.reads = self.reads, []
            for rs, re, what, seen in reads:
                self.check_read(rs, re, f"{where}: {what}", seen, full=not what.startswith("refdesk show"))
            if self.app_errors:
                self.fail(f"{where}: the app process reported: {self.app_errors[:5]}")
        self.integrity(where)

    # -- the end ------------------------------------------------------------------------
    def cli(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "refdesk", *args], capture_output=True, text=True, env=self.env,
                              cwd=self.work, timeout=300)
        self.figures.processes += 1
        self.figures.by_command[args[0]] += 1
        if ok and done.returncode != 0:
            self.fail(f"refdesk {' '.join(args)} failed with exit {done.returncode}:\n{done.stderr[-3000:]}")
        return done

    def final(self, server_items: Any = None) -> None:
        """With every writer stopped: what every process sees, the search index, the files, then a last sync."""
        self.ask_app({"cmd": "quiesce"}, "quiet")
        main = self.snapshot("at the end")
        t = time.monotonic()
        listed = self._parse_listing(self.cli("list", "--json").stdout, "list", "a fresh refdesk list")
        with self.lock:
            self.check_read(t, time.monotonic(), "at the end: a fresh refdesk list --json", listed)
        if listed != main:
            self.fail("at the end a fresh refdesk list and the app's connection see different records")
        self.integrity("at the end")
        # every record is found by its own word, once; a removed one by none (the contentless index stays exact)
        with self.lock:
            present = {i.token: i.key for i in self.items.values() if i.key in listed}
            gone = [i.token for i in self.items.values() if i.removes and any(op.confirmed for op in i.removes)]
            # a killed import stored all of its file or none of it
            for name, tokens in self.files.items():
                if any(self.items[t].removes for t in tokens):
                    continue
                shown = [t for t in tokens if t in present]
                if shown and len(shown) != len(tokens):
                    self.fail(f"at the end only {len(shown)} of the {len(tokens)} records of {name} are in the library")
        found = self.ask_app({"cmd": "search", "tokens": [*present, *gone]}, "search")
        for token, keys in found["found"].items():
            want = [present[token]] if token in present else []
            if keys != want or found["counted"][token] != len(want):
                self.fail(f"at the end a search for {token} finds {keys} (counted {found['counted'][token]}), expected {want}")
        checked = self.cli("check", "--json", ok=False)
        if checked.returncode != 0:
            self.fail(f"at the end refdesk check finds problems:\n{checked.stdout[-3000:]}{checked.stderr[-2000:]}")
        trash = self.cli("trash", "list", "--json", ok=False)
        if trash.returncode == 0:  # a removed record is in the Trash, where it can be restored
            trashed = {rec["key"] for rec in json.loads(trash.stdout)}
            with self.lock:
                for item in self.items.values():
                    if item.key in trashed and not item.removes:
                        self.fail(f"at the end {item.key} {item.title!r} is in the Trash, though no process removed it")
                    if any(op.confirmed for op in item.removes) and item.key not in trashed:
                        self.fail(f"at the end {item.key} {item.title!r} is neither in the library nor in the Trash")
        for key in self.rng.sample(sorted(listed), min(4, len(listed))):
            shown_rec = json.loads(self.cli("show", key, "--json").stdout)
            if _view(shown_rec) != listed[key]:
                self.fail(f"at the end refdesk show {key} differs from refdesk list: {_view(shown_rec)} != {listed[key]}")
        self.figures.checks_passed += 3
        if self.sync and server_items is not None:
            self._final_sync(listed, server_items)
        self.figures.items_final = len(listed)

    def _final_sync(self, listed: dict[str, dict[str, Any]], server_items: Any) -> None:
        for _attempt in range(4):
            done = self.cli("sync", "--json", ok=False)
            report = json.loads(done.stdout) if done.stdout.strip() else {}
            pending = sum(lib.get("pending", 0) for lib in report.get("libraries", []))
            if report.get("ok") and pending == 0:
                break
            self.note(f"final sync: exit {done.returncode}, pending {pending}: {done.stderr.strip()[-500:]}")
        else:
            self.fail(f"the final syncs did not finish with nothing pending: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        if report.get("conflicts"):
            self.fail(f"the syncs left conflicts though only this library writes to the server: {report['conflicts'][:5]}")
        after = self._parse_listing(self.cli("list", "--json").stdout, "list", "refdesk list after the last sync")
        if after != listed:
            changed = {k: (listed.get(k), after.get(k)) for k in set(listed) | set(after) if listed.get(k) != after.get(k)}
            self.fail(f"the last sync changed what the library shows: {dict(list(changed.items())[:5])}")
        remote = {k: _view(d) for k, d in server_items().items() if not d.get("deleted")}
        if remote != listed:
            diff = {k: (listed.get(k), remote.get(k)) for k in set(listed) | set(remote) if listed.get(k) != remote.get(k)}
            self.fail(f"after the last sync Zotero and the library differ ({len(diff)} records): {dict(list(diff.items())[:5])}")
        self.figures.checks_passed += 2

    def run(self, seconds: float | None, rounds: int, server_items: Any = None) -> Figures:
        started = time.monotonic()
        self.start_app()
        try:
            while True:
                self.run_round()
                self.figures.seconds = time.monotonic() - started
                if self.figures.rounds % 10 == 0:
                    self.note(self.figures.summary(self.seed))
                if seconds is None and self.figures.rounds >= rounds:
                    break
                if seconds is not None and time.monotonic() - started >= seconds:
                    break
            self.final(server_items)
        finally:
            self.stop_app()
            self.figures.seconds = time.monotonic() - started
        return self.figures


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "app":
        sys.exit(app_main(Path(sys.argv[2]), int(sys.argv[3])))
    sys.exit("usage: python -m tests.concurrency_driver app LIBRARY SEED")
