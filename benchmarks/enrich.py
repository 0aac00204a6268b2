"""Enrichment throughput: 1,000 records, the four real add-ons, every local source answering after 50 ms.

Prints the wall time of ``refdesk.plugins.manager.enrich`` (add-ons concurrently, each
in its own lane) against running the same add-ons one call after another (measured
on a sample and scaled to 1,000 records), then the same run with one add-on's
server hanging: the other add-ons must finish as fast as before.

    .venv/bin/python benchmarks/enrich.py [--records 1000] [--delay 0.05] [--sample 40]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ISSN = "2076-7404"
GOAL_SPEEDUP = 8.0

OAI_IDENTIFY = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-05-14T09:12:31Z</responseDate>
<request verb="Identify">{base}</request><Identify><repositoryName>Bench journal</repositoryName><baseURL>{base}</baseURL>
<protocolVersion>2.0</protocolVersion><description><oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier">
<scheme>oai</scheme><repositoryIdentifier>bench.example</repositoryIdentifier><delimiter>:</delimiter>
<sampleIdentifier>oai:bench.example:article/1</sampleIdentifier></oai-identifier></description></Identify></OAI-PMH>"""

OAI_RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-05-14T09:12:33Z</responseDate>
<request verb="GetRecord">{base}</request><GetRecord><record><header><identifier>{identifier}</identifier>
<datestamp>2023-01-20T10:11:12Z</datestamp></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title xml:lang="en-US">Article {n}</dc:title><dc:subject xml:lang="en-US">Diplomacy; Conferences</dc:subject>
<dc:subject xml:lang="en-US">Topic {n}</dc:subject>
<dc:description xml:lang="en-US">The article {n} examines diplomacy at international conferences. In the end it concludes.</dc:description>
</oai_dc:dc></metadata></record></GetRecord></OAI-PMH>"""


def _handler(service: str, delay: float, hang: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle / delayed-ACK stalls)
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if hang.is_set():
                time.sleep(3600)  # never answers: the add-on's calls hang
                return
            time.sleep(delay)
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            path = unquote(parts.path)
            body, ctype = self.answer(path, query)
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def answer(self, path: str, query: dict[str, str]) -> tuple[str, str]:
            js = "application/json"
            n = (re.findall(r"(\d+)", path + query.get("identifier", "")) or ["0"])[-1]
            if service == "oai":
                base = f"http://{self.headers['Host']}/jour/oai"
                if query.get("verb") == "Identify":
                    return OAI_IDENTIFY.format(base=base), "text/xml"
                return OAI_RECORD.format(base=base, identifier=query.get("identifier", ""), n=n), "text/xml"
            if service == "crossref":
                doi = path.removeprefix("/works/")
                return json.dumps({"status": "ok", "message-type": "work", "message": {
                    "DOI": doi, "ISSN": [ISSN], "subject": ["History", "Political Science and International Relations"],
                    "abstract": f"<jats:p>The article {n} examines diplomacy at international conferences. In the end it concludes.</jats:p>"}}), js
            if service == "openalex":
                words = f"The article {n} examines diplomacy at international conferences. In the end it concludes.".split()
                return json.dumps({"id": f"https://openalex.org/W{n}", "title": f"Article {n}", "publication_year": 2022,
                                   "abstract_inverted_index": {w: [i for i, x in enumerate(words) if x == w] for w in words},
                                   "topics": [{"display_name": "Diplomacy and International Relations History", "score": 0.99}],
                                   "keywords": [{"display_name": "Diplomacy", "score": 0.7}],
                                   "concepts": [{"display_name": "Political science", "level": 0, "score": 0.6}]}), js
            if path.startswith("/search/articles/"):
                doi = path.removeprefix("/search/articles/doi:").strip('"')
                return json.dumps({"total": 1, "results": [{"id": n, "bibjson": {
                    "title": f"Article {n}", "abstract": "The article examines diplomacy.", "keywords": ["diplomacy", f"case {n}"],
                    "identifier": [{"type": "doi", "id": doi}], "journal": {"issns": [ISSN]}}}]}), js
            return json.dumps({"total": 1, "results": [{"id": "j", "bibjson": {"eissn": ISSN, "subject": [
                {"scheme": "LCC", "term": "International relations", "code": "JZ2-6530"}]}}]}), js

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _serve(delay: float, hang: Any, ports: Any) -> None:
    """Child process: one server per service, each on its own loopback address (per-host limits apply per service)."""
    hangs = {}
    for i, service in enumerate(("crossref", "openalex", "doaj", "oai"), start=1):
        hangs[service] = threading.Event()
        server = ThreadingHTTPServer((f"127.0.0.{i}", 0), _handler(service, delay, hangs[service]))
        server.daemon_threads = True
        server.request_queue_size = 128
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports.put((service, f"http://127.0.0.{i}:{server.server_port}"))
    hang.wait()
    hangs["oai"].set()
    threading.Event().wait()


@contextmanager
def servers(delay: float) -> Iterator[tuple[dict[str, str], Any]]:
    """The four sources in a child process, so their threads do not compete with refdesk's for the GIL."""
    ctx = multiprocessing.get_context("spawn")
    hang, ports = ctx.Event(), ctx.Queue()
    child = ctx.Process(target=_serve, args=(delay, hang, ports), daemon=True)
    child.start()
    try:
        urls = dict(ports.get(timeout=30) for _ in range(4))
        yield urls, hang
    finally:
        child.terminate()
        child.join(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds every source waits before answering")
    parser.add_argument("--sample", type=int, default=40, help="records run one after another to measure the baseline")
    parser.add_argument("--hang-timeout", type=float, default=2.0, help="per-call timeout in the hanging run")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="refdesk-bench-"))
    for name in ("config", "data", "cache"):
        os.environ[f"REFDESK_{name.upper()}_DIR"] = str(tmp / name)
    os.environ["REFDESK_HTTP_CACHE"] = "false"

    from refdesk.app import AppContext
    from refdesk.config import load_settings
    from refdesk.model import Record
    from refdesk.plugins import manager
    from refdesk.plugins.api import RecordView

    with servers(args.delay) as (urls, hang_oai):
        settings = load_settings()
        settings.crossref_api_url, settings.openalex_api_url, settings.doaj_api_url = urls["crossref"], urls["openalex"], urls["doaj"]
        settings.http_cache = False
        settings.retries = 0

        def fresh(label: str) -> tuple[AppContext, list[str]]:
            settings.library = str(tmp / f"{label}.sqlite")
            ctx = AppContext(settings)
            records = []
            for n in range(args.records):
                rec = Record.new("journalArticle", source="bench", title=f"Article {n}", DOI=f"10.5555/bench.{n}", ISSN=ISSN,
                                 url=f"{urls['oai']}/jour/article/view/{n}", date="2022", language="en",
                                 abstractNote=f"The article {n} examines diplomacy at international conferences. In the…")
                records.append(rec)
            ctx.library.add_many(records, "bench")
            return ctx, [r.key for r in records]

        ctx, keys = fresh("concurrent")
        plugins = manager.host_for(ctx).runnable()
        names = [n for n, _ in plugins]
        if sorted(names) != ["crossref", "doaj", "oai", "openalex"]:
            print(f"the four add-ons must be installed (make install); found {names}", file=sys.stderr)
            return 1

        # One after another: each add-on, each record, on this thread.
        make = manager.context_factory(ctx)
        sample = [RecordView(ctx.library.get(k).to_json(), k) for k in keys[: args.sample]]
        started = time.monotonic()
        for record in sample:
            for name, pm in plugins:
                pm.hook.enrich(record=record, context=make(name, lambda: False))
        sequential = (time.monotonic() - started) * args.records / max(1, len(sample))

        started = time.monotonic()
        report = manager.enrich(ctx, keys, apply=True)
        concurrent = time.monotonic() - started
        ctx.close()
        print(f"records: {args.records}, add-ons: {len(plugins)} ({', '.join(names)}), every source answers after {args.delay * 1000:.0f} ms")
        print(f"one after another:  {sequential:8.1f} s  (measured on {len(sample)} records, scaled)")
        print(f"concurrent enrich:  {concurrent:8.1f} s  ({len(report.suggestions) + len(report.applied.accepted)} suggestions, "
              f"{len(report.applied.changed)} records changed, {len(report.problems)} problems)")
        speedup = sequential / concurrent if concurrent else float("inf")
        print(f"speed-up:           {speedup:8.1f}x  (goal >= {GOAL_SPEEDUP:.0f}x: {'met' if speedup >= GOAL_SPEEDUP else 'NOT met'})")

        # The same with the OAI source hanging: the three others must finish on time.
        hang_oai.set()
        time.sleep(0.2)
        ctx, keys = fresh("hanging")
        settings.plugin_timeout = args.hang_timeout
        started = time.monotonic()
        report = manager.enrich(ctx, keys, timeout=args.hang_timeout)
        total = time.monotonic() - started
        ctx.close()
        others = max(report.plugin_seconds.get(n, total) for n in ("crossref", "openalex", "doaj"))
        kinds: dict[str, int] = {}
        for p in report.problems:
            kinds[f"{p.plugin} {p.kind}"] = kinds.get(f"{p.plugin} {p.kind}", 0) + 1
        print(f"with oai hanging:   {total:8.1f} s  total; the three others finished after {others:.1f} s "
              f"(vs {concurrent:.1f} s with none hanging: {'on time' if others <= concurrent * 1.25 + 0.5 else 'LATE'})")
        print(f"                    oai problems: {', '.join(f'{v} {k.split()[1]}' for k, v in kinds.items() if k.startswith('oai'))}; "
              f"per-call timeout {args.hang_timeout:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
