"""Zotero sync benchmark: requests, seconds and client CPU against the emulator answering after 20 ms.

Scenarios (N items, default 10,000; REFDESK_BENCH_N to change):
 1. first upload of N local items          goal: ceil(N/50) writes + a small constant
 2. first download into an empty library   goal: at most ceil(N/100) + a small constant
 3. a sync with nothing changed            goal: <= 3 requests
 4. 100 items changed on each side         (local edits + another client's edits)
Client CPU per item (goal < 0.2 ms) is the CPU time of this process, which runs only the
client: the emulator runs in its own process.

The same figures are printed for a naive pyzotero script that makes one request per item.
It runs on NAIVE_N items (default 300) and is extrapolated linearly to N, as labelled.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyzotero import zotero as pz
from refdesk.app import AppContext
from refdesk.config import Settings
from refdesk.model import Record
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.sync import sync

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("REFDESK_BENCH_N", "10000"))
NAIVE_N = int(os.environ.get("REFDESK_BENCH_NAIVE_N", "300"))
LATENCY = 0.020
USER = "1"


class Emulator:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.servers.zotero", "--latency", str(LATENCY), "--user-id", USER], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url, self.key = self.proc.stdout.readline().split()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def article(i: int) -> Record:
    rec = Record.new("journalArticle", title=f"A study of item {i}", publicationTitle="Journal of Benchmarks",
                     volume=str(i % 50), pages=f"{i}-{i + 9}", date=str(1990 + i % 30), DOI=f"10.1234/bench.{i}")
    rec.creators.append({"creatorType": "author", "firstName": "Ada", "lastName": f"Lovelace{i % 97}"})
    rec.add_tag("benchmark")
    return rec


def row(label: str, requests: int | float, seconds: float, cpu_ms_per_item: float | None, goal: str, note: str = "") -> None:
    cpu = f"{cpu_ms_per_item:7.3f}" if cpu_ms_per_item is not None else "      -"
    print(f"  {label:<34} {requests:>9.0f} req {seconds:>9.1f} s  cpu/item {cpu} ms   goal {goal}{note}")


def refdesk_runs(tmp: Path) -> None:
    emu = Emulator()
    try:
        def ctx(name: str) -> AppContext:
            return AppContext(Settings(zotero_user_id=USER, zotero_api_url=emu.url), tmp / f"{name}.sqlite")

        def client() -> ZoteroClient:
            return ZoteroClient(emu.url, emu.key, USER)

        a, b = ctx("a"), ctx("b")
        a.library.add_many([article(i) for i in range(N)])
        print(f"refdesk (pyzotero, batched, versions), N = {N}, {LATENCY * 1000:.0f} ms per request:")
        wall, cpu, rep = measure(lambda: sync(a, client=client()))
        assert rep.ok and rep.libraries[0].uploaded == N, rep.to_json()
        row("1. first upload", rep.requests, wall, cpu * 1000 / N, f"<= {math.ceil(N / 50)} + c")
        wall, cpu, rep = measure(lambda: sync(b, client=client()))
        assert rep.ok and rep.libraries[0].downloaded == N
        row("2. first download (empty library)", rep.requests, wall, cpu * 1000 / N, f"<= {math.ceil(N / 100)} + c")
        wall, cpu, rep = measure(lambda: sync(b, client=client()))
        row("3. nothing changed", rep.requests, wall, None, "<= 3")
        # 4. 100 edits here, 100 other items edited by another client
        keys = sorted(a.library.keys())
        for key in keys[:100]:
            rec = a.library.get(key)
            rec.set("title", rec.title + " (revised here)")
            a.library.save(rec)
        other = pz.Zotero(USER, "user", emu.key)
        other.endpoint = emu.url
        versions = other.item_versions()
        theirs = keys[100:200]
        for i in range(0, 100, 50):
            other.create_items([{"key": k, "version": versions[k], "volume": "99"} for k in theirs[i:i + 50]])
        wall, cpu, rep = measure(lambda: sync(a, client=client()))
        lr = rep.libraries[0]
        assert rep.ok and lr.uploaded == 100 and lr.downloaded == 100, rep.to_json()
        row("4. 100 changed on each side", rep.requests, wall, cpu * 1000 / 200, "few requests")
        wall, cpu, rep = measure(lambda: sync(b, client=client()))
        row("   ... the other library catches up", rep.requests, wall, cpu * 1000 / 200, "")
        a.close()
        b.close()
    finally:
        emu.close()


def naive_runs() -> None:
    emu = Emulator()
    try:
        z = pz.Zotero(USER, "user", emu.key)
        z.endpoint = emu.url
        n = NAIVE_N
        scale = N / n
        note = f"  (measured on {n}, extrapolated to {N})"
        print(f"naive pyzotero script (one request per item), extrapolated from {n} to N = {N}:")
        items = [{"key": r.key, "version": 0, **r.data} for r in (article(i) for i in range(n))]

        def upload() -> int:
            for item in items:
                z.create_items([item])
            return n

        wall, cpu, _ = measure(upload)
        row("1. first upload", n * scale, wall * scale, cpu * 1000 / n, f"<= {math.ceil(N / 50)} + c", note)

        def download() -> int:
            keys = z.items(format="keys", limit=None)
            keys = keys.decode().split() if isinstance(keys, bytes) else str(keys).split()
            for key in keys:
                z.item(key)
            return len(keys) + 1

        wall, cpu, reqs = measure(download)
        row("2. first download (empty library)", reqs * scale, wall * scale, cpu * 1000 / n, f"<= {math.ceil(N / 100)} + c", note)
        # with no versions, the naive script must read every item again to learn that nothing changed
        wall, cpu, reqs = measure(download)
        row("3. nothing changed", reqs * scale, wall * scale, None, "<= 3", note)

        # 4. the naive script must read every item to find the 100 changed ones, then write its 100 one by one
        wall_r, cpu_r, reqs = measure(download)
        edits = min(100, n)

        def write_edits() -> None:
            for item in items[:edits]:
                current = z.item(item["key"])["data"]
                z.update_item({"key": item["key"], "version": current["version"], "title": item["title"] + " (revised)"})

        wall_w, cpu_w, _ = measure(write_edits)
        row("4. 100 changed on each side", reqs * scale + 2 * edits, wall_r * scale + wall_w * 100 / edits,
            (cpu_r * scale + cpu_w * 100 / edits) * 1000 / 200, "few requests", note)
    finally:
        emu.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="refdesk-bench-") as tmp:
        refdesk_runs(Path(tmp))
    naive_runs()


if __name__ == "__main__":
    main()
