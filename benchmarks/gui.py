"""Desktop app on a 100,000-record library: start-up, filter latency, scrolling, memory.

Prints:
  * start-up: from process start to the main window shown with its first page of rows (goal < 2 s);
  * filter latency per keystroke, p50/p95/max, typing queries letter by letter (goal p95 < 50 ms);
  * filter latency of the keystrokes that changed the first page (the table reset) and of the others;
    the library's share of it; and how long the exact count takes to show (it runs in a worker);
  * scrolling from top to bottom in 200 steps plus End: the longest step (goal: no stall over 100 ms);
  * sorting by each column (a header click) and then End;
  * resident memory of the GUI process at the end (goal < 400 MB).

The library is built with ``Library.add_many`` in a temporary folder (kept in
$REFDESK_BENCH_DIR between runs when set). Runs offscreen unless DISPLAY is set.
Each keystroke, scroll step or click is timed until the GUI thread is idle again, so a
layout or paint it causes is counted even when Qt runs it a turn of the event loop later.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("REFDESK_BENCH_RECORDS", "100000"))
QUERIES = ["permafrost thaw", "sergeev", "global change biology", "carbon siberia", "zzzz"]

CHILD = r"""
import json, os, sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QEventLoop, Qt, QTimer
from refdesk.app import AppContext
from refdesk.gui.app import make_app
from refdesk.gui.library_model import COLUMNS
from refdesk.gui.main_window import MainWindow
app = make_app()
ctx = AppContext()
win = MainWindow(ctx)
win.show()
while win.model.page_reads < 1 or not win.isVisible():
    app.processEvents()
app.processEvents()
startup = time.time() - t0

# Time spent in the library on the GUI thread (the table's connection), to tell it from the GUI's own work.
lib_ms = [0.0]
def spent(fn):
    def wrapped(*a, **k):
        s = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            lib_ms[0] += (time.perf_counter() - s) * 1000
    return wrapped
win.reader.rows = spent(win.reader.rows)
win.reader.count = spent(win.reader.count)

def settle():
    # Process events until the GUI thread has nothing left to do; returns when its last piece of work
    # ended. Everything a keystroke sets off on the GUI thread counts (the search, the model reset, every
    # layout and paint it causes), not only the first pass of the event loop.
    end = time.perf_counter()
    quiet = 0
    while quiet < 3:
        a = time.perf_counter()
        app.processEvents()
        b = time.perf_counter()
        if b - a > 0.0005:
            end, quiet = b, 0
        else:
            quiet += 1
    return end

def pause(ms):  # idle in the event loop (a busy loop would starve a worker thread of the GIL)
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()

resets = [0]
win.model.modelReset.connect(lambda: resets.__setitem__(0, resets[0] + 1))
latencies = []
changed = []  # the keystrokes whose first page differed from the one shown (the table was reset)
in_library = []
deferred = []
counts = []  # keystroke to the exact count in the status bar, when it came from the background
for q in json.loads(sys.argv[2]):
    for i in range(1, len(q) + 1):
        lib_ms[0] = 0.0
        before = resets[0]
        s = time.perf_counter()
        win.search.setText(q[:i])
        paused = win.search_timer.isActive() and win.search_timer.interval() > 0
        if paused:  # a lone last letter: filtered after a pause, by design; timed from the end of the pause
            s = time.perf_counter()
            win.apply_search()
        end = settle()  # the search, the model reset, the table's re-layout and its paint
        (deferred if paused else latencies).append((end - s) * 1000)
        if not paused:
            in_library.append(lib_ms[0])
            if resets[0] != before:
                changed.append(latencies[-1])
        if not getattr(win.model, "exact", True):  # a full first page: the count runs in a worker after a pause
            wait = QEventLoop()  # wait for it as a typist's next key would; it is not in the latency
            win.model.counted.connect(wait.quit)
            QTimer.singleShot(10000, wait.quit)
            wait.exec()
            win.model.counted.disconnect(wait.quit)
            counts.append((settle() - s) * 1000)  # with the rows it inserted laid out and painted
        pause(20)
    win.search.clear(); win.apply_search(); settle(); pause(20)
in_library.sort()
changed.sort()
counts.sort()
latencies.sort()
deferred.sort()
def timed(fn):
    s = time.perf_counter(); fn()
    return (settle() - s) * 1000  # with every layout and paint it caused

bar = win.table.verticalScrollBar()
steps = []
for k in range(1, 201):
    steps.append(timed(lambda v=bar.maximum() * k // 200: bar.setValue(v)))
steps.append(timed(lambda: win.table.scrollToBottom()))
# Clicking each column header (ascending), then End: a sort the library has no index for sorts every match.
sorts = {}
header = win.table.horizontalHeader()
for i, col in enumerate(COLUMNS):
    if col.order is None:
        continue
    win.table.scrollToTop(); settle()
    first = timed(lambda: header.setSortIndicator(i, Qt.SortOrder.AscendingOrder))
    sorts[col.title] = (first, timed(lambda: win.table.scrollToBottom()))
rss = 0
with open("/proc/self/status") as fh:
    for line in fh:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) // 1024
print(json.dumps({"startup": startup, "rows": win.model.rowCount(), "lat": latencies, "changed": changed, "lib": in_library,
                  "counts": counts, "background_counts": getattr(getattr(win.model, "counter", None), "counts", 0), "deferred": deferred, "scroll_max": max(steps),
                  "scroll_mean": sum(steps) / len(steps), "sorts": sorts, "rss": rss, "pages": win.model.page_reads}))
win.close()
"""


def build(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from refdesk.library import Library

    from tools.screenshots import make_records

    t = time.perf_counter()
    lib = Library.open(path)
    batch = 10_000
    template = make_records(500)
    rnd = random.Random(1)
    for start in range(0, N, batch):
        recs = []
        for i in range(start, min(N, start + batch)):
            rec = template[i % len(template)].copy()
            rec.key = f"{i:08d}"[-8:].translate(str.maketrans("0123456789", "23456789AB"))
            rec.data["title"] = f"{rec.title} ({rnd.randint(1, 99999)})"
            rec.data["DOI"] = f"10.5194/bench.{i}"
            recs.append(rec)
        lib.add_many(recs)
    lib.close()
    print(f"built a library of {N:,} records in {time.perf_counter() - t:.1f} s")


def main() -> int:
    base = Path(os.environ.get("REFDESK_BENCH_DIR") or tempfile.mkdtemp(prefix="refdesk-bench-gui-"))
    for name in ("config", "data", "cache"):
        (base / name).mkdir(parents=True, exist_ok=True)
    library = base / "data" / f"library-{N}.sqlite"
    if not library.exists():
        build(library)
    env = {**os.environ, "REFDESK_CONFIG_DIR": str(base / "config"), "REFDESK_DATA_DIR": str(base / "data"),
           "REFDESK_CACHE_DIR": str(base / "cache"), "REFDESK_LIBRARY": str(library)}
    (base / "config" / "gui.ini").unlink(missing_ok=True)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, repr(t0), json.dumps(QUERIES)], env=env, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return 1
    r = json.loads(out.stdout.strip().splitlines()[-1])
    lat = r["lat"]

    def spread(values: list[float]) -> str:  # values sorted
        def pct(p: float) -> float:
            return float(values[min(len(values) - 1, int(p * len(values)))])

        return f"p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, max {values[-1]:.1f} ms"

    print(f"records: {r['rows']:,}")
    print(f"start-up to window with first page: {r['startup']:.2f} s (goal < 2 s)")
    print(f"filter latency per keystroke ({len(lat)} keystrokes): {spread(lat)} (goal p95 < 50 ms)")
    ch = r["changed"]
    if ch:
        print(f"  the {len(ch)} keystrokes that changed the first page (a table reset): {spread(ch)}; "
              f"the other {len(lat) - len(ch)} left the table as it was")
    print(f"  of which in Library.rows/count on the GUI thread: {spread(r['lib'])}")
    c = r["counts"]
    if c:
        print(f"  exact count in the status bar ({len(c)} keystrokes with a full first page, counted in a worker; "
              f"{r['background_counts']} counts run): {spread(c)}")
    d = r["deferred"]
    if d:
        print(f"  a lone one-letter last word ({len(d)} keystrokes) filters after a 250 ms pause instead; "
              f"that query takes median {d[len(d) // 2]:.1f} ms, max {d[-1]:.1f} ms")
    print(f"scroll to the end in 201 steps: longest step {r['scroll_max']:.1f} ms, mean {r['scroll_mean']:.1f} ms "
          f"(goal: none over 100 ms); pages read {r['pages']}")
    print("sorting by a column, then End: " + ", ".join(f"{name} {a:.0f} ms / {b:.0f} ms" for name, (a, b) in r["sorts"].items()))
    print(f"resident memory: {r['rss']} MB (goal < 400 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
