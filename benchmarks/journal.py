"""Journal lookup benchmark: parallel sources, deep paging, memory.

Three local servers stand in for Crossref, OpenAlex and DOAJ (``tests/servers/scholarly.py``), one
per host as in real life, so the shared client's per-host limit does not serialise them.

 1. Each source answers after 300 ms: a lookup (journal facts + first page of works from all three)
    should take about the slowest source, not the sum. Both are printed.
 2. Listing 500 works paged at 100 per page from every source: requests, seconds, articles.
 3. Memory: the 500-work lookup repeated; traced memory after each run stays flat (nothing kept
    between lookups), and the peak of one run is printed.
The HTTP cache is off so every run goes to the servers.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refdesk.app import AppContext  # noqa: E402
from refdesk.config import load_settings  # noqa: E402
from refdesk.importers.journal import lookup_journal  # noqa: E402
from refdesk.importers.journal_sources import crossref, doaj, openalex  # noqa: E402
from refdesk.importers.journal_sources.types import JournalQuery  # noqa: E402

from tests.servers.scholarly import ScholarlyServer, make_journal, numbered_papers  # noqa: E402

ISSN = "1234-5679"
LATENCY = 0.300
RUNS = int(os.environ.get("REFDESK_BENCH_RUNS", "6"))


@contextmanager
def sources(papers: int, latency: float) -> Iterator[list[ScholarlyServer]]:
    """One server per source, each holding the same journal of ``papers`` works."""
    journal = make_journal("Estuarine Field Notes", [ISSN], numbered_papers(papers))
    servers = [ScholarlyServer().start() for _ in range(3)]
    for name, server in zip(("crossref", "openalex", "doaj"), servers, strict=True):
        server.add(journal)
        server.latency = latency
        os.environ[f"REFDESK_{name.upper()}_API_URL"] = server.source_url(name)
    try:
        yield servers
    finally:
        for server in servers:
            server.close()


def context() -> AppContext:
    return AppContext(load_settings(), library_path=Path(tempfile.gettempdir()) / "refdesk-bench-journal.sqlite")


def parallel_vs_sum() -> None:
    with sources(50, LATENCY), context() as ctx:
        lookup_journal(ctx, ISSN, limit=20)  # warm up: imports, connections
        per_source = {}
        q = JournalQuery(ISSN, limit=20)
        for module in (crossref, openalex, doaj):
            t = time.perf_counter()
            module.journal(ctx, q)
            module.works(ctx, q)
            per_source[module.NAME] = time.perf_counter() - t
        t = time.perf_counter()
        found = lookup_journal(ctx, ISSN, limit=20)
        took = time.perf_counter() - t
    print(f"1. sources answering after {LATENCY * 1000:.0f} ms; lookup of journal + 20 newest works")
    for name, seconds in per_source.items():
        print(f"   {name:<9} alone (journal then works): {seconds:6.3f} s")
    print(f"   sum of the three sources:            {sum(per_source.values()):6.3f} s")
    print(f"   slowest source:                      {max(per_source.values()):6.3f} s")
    print(f"   refdesk lookup (all in parallel):    {took:6.3f} s  ({len(found.articles)} articles, {len(found.failures)} failures)")


def deep_listing() -> None:
    with sources(500, 0.0) as servers, context() as ctx:
        lookup_journal(ctx, ISSN, limit=10)
        for s in servers:
            s.requests.clear()
        t = time.perf_counter()
        found = lookup_journal(ctx, ISSN, limit=500, page_size=100)
        took = time.perf_counter() - t
        pages = {name: s.count(name, "/works") + s.count(name, "/search/articles") for name, s in zip(("crossref", "openalex", "doaj"), servers, strict=True)}
        print("2. listing 500 works, 100 per page, from all three sources")
        print(f"   pages asked: {pages}")
        print(f"   {len(found.articles)} merged articles in {took:.3f} s ({took / max(len(found.articles), 1) * 1000:.2f} ms per article)")
        for s in servers:
            s.latency = LATENCY
        t = time.perf_counter()
        lookup_journal(ctx, ISSN, limit=500, page_size=100)
        print(f"   with every answer after {LATENCY * 1000:.0f} ms: {time.perf_counter() - t:.3f} s "
              "(5 pages one after another per source, the sources side by side)")
        for s in servers:
            s.latency = 0.0
        gc.collect()
        tracemalloc.start()
        after = []
        peak = 0
        for _ in range(RUNS):
            tracemalloc.reset_peak()
            result = lookup_journal(ctx, ISSN, limit=500, page_size=100)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            del result
            for s in servers:
                s.requests.clear()  # the test servers' own request log is in this process too
            gc.collect()
            after.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
    print(f"3. memory of the 500-work lookup, {RUNS} runs")
    print(f"   peak during one run: {peak / 1e6:.1f} MB")
    print("   traced after each run: " + ", ".join(f"{a / 1e6:.2f} MB" for a in after)
          + f"  (growth {max(0, after[-1] - after[0]) / 1e3:.0f} kB)")


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="refdesk-bench-journal-"))
    for name in ("CONFIG", "DATA", "CACHE"):
        os.environ[f"REFDESK_{name}_DIR"] = str(home / name.lower())
    os.environ["REFDESK_HTTP_CACHE"] = "false"
    parallel_vs_sum()
    deep_listing()


if __name__ == "__main__":
    main()
