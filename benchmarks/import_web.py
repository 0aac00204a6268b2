"""URL import: extraction speed, field accuracy over the test corpus, and batch concurrency.

1. Extraction time of a 300 KB article page (parse, every extractor, merge; goal < 30 ms).
2. Field accuracy over the corpus in tests/web/cases: expected facts that came out right (goal 100%).
3. 200 article URLs on 10 local hosts (127.0.0.1..10), each answering after 100 ms: wall time of
   ``import_urls`` (concurrent, per-host limit from settings) against one URL after another
   (goal >= 8x faster); also checks that no host ever served more requests at once than the limit.

    .venv/bin/python benchmarks/import_web.py [--urls 200] [--hosts 10] [--delay 0.1] [--runs 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "desktop"))
os.environ.setdefault("REFDESK_CACHE_DIR", tempfile.mkdtemp(prefix="refdesk-bench-cache-"))

from refdesk.app import AppContext  # noqa: E402
from refdesk.config import Settings  # noqa: E402
from refdesk.importers.extract import merge, run_all  # noqa: E402
from refdesk.importers.extract.page import parse_page  # noqa: E402
from refdesk.importers.web import import_url, import_urls  # noqa: E402

from tests.servers.web import Answer, Request, Route, WebServer  # noqa: E402
from tests.web.corpus import compare, load_cases, service_urls, serving  # noqa: E402

CASES = ROOT / "tests" / "web" / "cases"
PARAGRAPH = (
    "<p>Urban heat islands raise summer temperatures by several degrees. We sampled acorn ant colonies along "
    "urbanisation gradients in twelve cities and measured critical thermal maxima after common-garden rearing; "
    "the heritable shift in tolerance points to rapid evolution rather than plasticity alone.</p>\n"
)
REFERENCE = '<li>Author A, Author B ({n}) A cited work number {n}. <i>Journal of Examples</i> {n}:1-10. <a href="https://doi.org/10.5555/ref.{n}">https://doi.org/10.5555/ref.{n}</a></li>\n'


def big_page(size: int = 300 * 1024) -> str:
    """The 8-author publisher page, its body grown to ``size`` with text and a long reference list."""
    base = (CASES / "highwire-8-authors" / "page.html").read_text(encoding="utf-8").replace("{{BASE}}", "https://journal.example.org")
    head, _, tail = base.partition("</article>")
    parts = [head]
    n = 0
    while sum(len(p) for p in parts) < size * 0.6:
        parts.append(PARAGRAPH)
    parts.append("<ol class='references'>")
    while sum(len(p) for p in parts) < size:
        n += 1
        parts.append(REFERENCE.format(n=n))
    parts.append("</ol></article>" + tail)
    return "".join(parts)


def bench_extraction(runs: int) -> None:
    html = big_page()
    url = "https://journal.example.org/articles/juel.2023.0042"
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        page = parse_page(html, url)
        rec = merge.merge(run_all(page), url)
        times.append((time.perf_counter() - t0) * 1000)
    assert rec is not None and len(rec.creators) == 8
    print(f"1. extraction of a {len(html.encode()) / 1024:.0f} KB page: median {statistics.median(times):.1f} ms, "
          f"best {min(times):.1f} ms over {runs} runs (goal < 30 ms)")


def bench_accuracy() -> None:
    """Expected facts right over the whole corpus, and apart over the pages that refuse the client (class "refusing")."""
    totals: dict[str, list[int]] = {"all": [0, 0], "refusing": [0, 0]}
    misses: list[str] = []
    cases = load_cases()
    for case in cases:
        groups = ["all", "refusing"] if case.spec.get("class") == "refusing" else ["all"]
        with serving(case) as server:
            settings = Settings(http_cache=False, retries=0, **service_urls(server))
            with AppContext(settings) as ctx:
                try:
                    rec = import_url(ctx, server.url(case.spec["start"]))[0]
                except Exception as exc:
                    n = len(case.expected) + len(case.expected.get("provenance", {})) - ("provenance" in case.expected)
                    for g in groups:
                        totals[g][0] += n
                    misses.append(f"{case.name}: {exc}")
                    continue
            n, wrong = compare(rec, case.expected, server.base)
            for g in groups:
                totals[g][0] += n
                totals[g][1] += n - len(wrong)
            misses.extend(f"{case.name}: {w}" for w in wrong)
    refusing = sum(1 for c in cases if c.spec.get("class") == "refusing")
    (total, correct), (r_total, r_correct) = totals["all"], totals["refusing"]
    print(f"2. field accuracy over {len(cases)} corpus pages: {correct}/{total} = {100 * correct / max(total, 1):.1f}% (goal 100%); "
          f"over the {refusing} pages that refuse the client: {r_correct}/{r_total} = {100 * r_correct / max(r_total, 1):.1f}%")
    for miss in misses:
        print(f"   miss: {miss}")


def bench_batch(n_urls: int, n_hosts: int, delay: float) -> None:
    page = ('<html><head><meta name="citation_title" content="Article {n} on host {h}">'
            '<meta name="citation_author" content="Author, Ann"><meta name="citation_journal_title" content="Journal {h}">'
            '<meta name="citation_date" content="2020-01-01"></head><body></body></html>')
    limit = Settings().per_host_limit
    peaks: dict[int, int] = {}
    lock = threading.Lock()
    servers = []
    urls = []
    for h in range(n_hosts):
        try:
            server = WebServer(host=f"127.0.0.{h + 1}").start()
        except OSError:  # only 127.0.0.1 on this system (macOS): ten ports are ten hosts for the client too
            server = WebServer().start()
        servers.append(server)
        active = [0]

        def handler(req: Request, h: int = h, active: list[int] = active) -> Answer:
            with lock:
                active[0] += 1
                peaks[h] = max(peaks.get(h, 0), active[0])
            time.sleep(delay)
            with lock:
                active[0] -= 1
            return Answer(200, {"Content-Type": "text/html; charset=utf-8"}, page.format(n=req.path.rsplit("/", 1)[-1], h=h).encode())

        for i in range(n_urls // n_hosts):
            server.add(f"/article/{i}", Route(handler=handler))
            urls.append(server.url(f"/article/{i}"))
    urls = [urls[(i % n_hosts) * (n_urls // n_hosts) + i // n_hosts] for i in range(len(urls))]  # interleave the hosts
    try:
        settings = Settings(http_cache=False, retries=0)
        with AppContext(settings) as ctx:
            t0 = time.perf_counter()
            for url in urls:
                import_url(ctx, url)
            serial = time.perf_counter() - t0
        with AppContext(settings) as ctx:
            t0 = time.perf_counter()
            results = import_urls(ctx, urls, max_workers=n_hosts * limit)
            concurrent = time.perf_counter() - t0
        failed = [r for r in results if r.error]
    finally:
        for server in servers:
            server.stop()
    print(f"3. {len(urls)} URLs on {n_hosts} hosts answering after {delay * 1000:.0f} ms: one by one {serial:.2f} s, "
          f"concurrent {concurrent:.2f} s -> {serial / concurrent:.1f}x faster (goal >= 8x); "
          f"per-host limit {limit}, highest per-host concurrency seen {max(peaks.values())}; failures: {len(failed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    bench_extraction(args.runs)
    bench_accuracy()
    bench_batch(args.urls, args.hosts, args.delay)


if __name__ == "__main__":
    main()
