"""Local stand-ins for the Crossref REST API, OpenAlex and DOAJ's search API, for tests and benchmarks.

One threaded HTTP server on 127.0.0.1 answers under three prefixes, each shaped as
the service documents it (and as the recorded Crossref responses in
``shared/fixtures/crossref`` show):

- ``/crossref/journals/{issn}`` -> ``{"status", "message-type": "journal", "message"}``, 404 "Resource not found.";
  ``/crossref/works?filter=alternative-id:X`` -> the works whose ``alternative-id`` holds X (a PII);
  ``/crossref/journals/{issn}/works`` with ``query``, ``filter=from-pub-date:..,until-pub-date:..``, ``rows``,
  ``offset`` or ``cursor`` (``next-cursor``), ``sort=published&order=desc``;
- ``/openalex/sources/issn:{issn}`` -> a Source object or 404; ``/openalex/works?filter=primary_location.source.issn:X
  [,publication_year:Y]`` with ``search``, ``per-page``, ``page`` or ``cursor`` (``meta.next_cursor``), ``sort``;
- ``/doaj/search/journals/issn:X`` and ``/doaj/search/articles/issn:X AND (words) AND bibjson.year:Y`` with
  ``page`` (from 1) and ``pageSize`` -> ``{"total", "page", "pageSize", "results": [{"bibjson": ...}]}``.

Faults can be switched per source: ``down`` (HTTP 503), ``garbage`` (200 with HTML), ``slow`` (answer after
``delay`` seconds), ``throttle`` (first request 429 with ``Retry-After``, then normal), and ``latency`` for every
answer (the benchmark's 300 ms). Every request is logged as (source, path, params).

Journals hold each source's native JSON; :func:`make_journal` renders synthetic articles into all three shapes.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SOURCES = ("crossref", "openalex", "doaj")
_STOP = {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return set(_WORD.findall("".join(c for c in folded if not unicodedata.combining(c))))


@dataclass
class Journal:
    """One journal as each source knows it (None: that source does not know it)."""

    issns: list[str]
    crossref: dict[str, Any] | None = None  # the "message" of /journals/{issn}
    openalex: dict[str, Any] | None = None  # a Source object
    doaj: dict[str, Any] | None = None  # one result of /search/journals (id, bibjson, ...)
    crossref_works: list[dict[str, Any]] = field(default_factory=list)  # message.items[]
    openalex_works: list[dict[str, Any]] = field(default_factory=list)  # results[]
    doaj_articles: list[dict[str, Any]] = field(default_factory=list)  # results[]


@dataclass
class Fault:
    mode: str = "ok"  # ok | down | garbage | slow | throttle
    delay: float = 0.0  # seconds, for "slow"
    retry_after: int = 1  # seconds, for "throttle"
    only: str = ""  # a regular expression: the fault hits only paths it fully matches (all paths when empty)
    served: int = 0  # requests seen since the fault was set


# -- matching and ordering shared by the three fake sources ------------------------------------------
def _crossref_text(item: dict[str, Any]) -> str:
    names = " ".join(f"{a.get('given', '')} {a.get('family', '')}" for a in item.get("author", []))
    return " ".join([*item.get("title", []), item.get("abstract", ""), names])


def _crossref_date(item: dict[str, Any]) -> str:
    for name in ("published-print", "published-online", "issued", "published"):
        parts = (item.get(name) or {}).get("date-parts") or [[None]]
        if parts[0] and parts[0][0]:
            return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts[0]))
    return ""


def _openalex_text(work: dict[str, Any]) -> str:
    names = " ".join((a.get("author") or {}).get("display_name", "") for a in work.get("authorships", []))
    return " ".join([work.get("title") or "", " ".join(work.get("abstract_inverted_index") or {}), names])


def _bibjson(article: dict[str, Any]) -> dict[str, Any]:
    bib = article.get("bibjson")
    return bib if isinstance(bib, dict) else {}  # tests feed malformed articles on purpose


def _doaj_text(article: dict[str, Any]) -> str:
    bib = _bibjson(article)
    names = " ".join(a.get("name", "") for a in bib.get("author", []) if isinstance(a, dict))
    return " ".join(str(bib.get(k, "")) for k in ("title", "abstract", "keywords")) + " " + names


def _search(items: list[dict[str, Any]], query: str, text_of: Any) -> list[dict[str, Any]]:
    """OR of the query's words (stop words ignored), most words matched first, as a relevance search ranks."""
    wanted = [w for w in _words(query) if w not in _STOP]
    scored = []
    for n, item in enumerate(items):
        score = len([w for w in wanted if w in _words(text_of(item))])
        if score:
            scored.append((-score, n, item))
    return [item for _s, _n, item in sorted(scored, key=lambda t: (t[0], t[1]))]


class ScholarlyServer:
    """Usage: ``with ScholarlyServer() as s: s.add(journal); s.env(monkeypatch)``."""

    def __init__(self) -> None:
        self.journals: list[Journal] = []
        self.faults: dict[str, Fault] = {s: Fault() for s in SOURCES}
        self.latency = 0.0
        self.crossref_rejects_select = False  # answer 400 to ``select=`` as Crossref does to a field it does not allow
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.answered: list[tuple[str, str]] = []  # (source, path) once the answer is sent
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"app": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def source_url(self, source: str) -> str:
        return f"{self.url}/{source}"

    def env(self, monkeypatch: Any) -> None:
        """Point refdesk's three base URLs at this server."""
        monkeypatch.setenv("REFDESK_CROSSREF_API_URL", self.source_url("crossref"))
        monkeypatch.setenv("REFDESK_OPENALEX_API_URL", self.source_url("openalex"))
        monkeypatch.setenv("REFDESK_DOAJ_API_URL", self.source_url("doaj"))

    def start(self) -> ScholarlyServer:
        self.thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ScholarlyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- set-up ----------------------------------------------------------------------------------------
    def add(self, journal: Journal) -> Journal:
        self.journals.append(journal)
        return journal

    def fault(self, source: str, mode: str, delay: float = 0.0, retry_after: int = 1, only: str = "") -> None:
        self.faults[source] = Fault(mode, delay, retry_after, only)

    def find(self, issn: str) -> Journal | None:
        return next((j for j in self.journals if issn.upper() in j.issns), None)

    def count(self, source: str | None = None, path_part: str = "") -> int:
        with self._lock:
            return sum(1 for s, p, _q in self.requests if (source is None or s == source) and path_part in p)

    def params_of(self, source: str, path_part: str = "") -> list[dict[str, str]]:
        with self._lock:
            return [q for s, p, q in self.requests if s == source and path_part in p]

    # -- the three APIs --------------------------------------------------------------------------------
    def crossref(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        if path == "/works":  # only the filter refdesk uses there: alternative-id (an Elsevier PII -> its DOI)
            want = q.get("filter", "").removeprefix("alternative-id:")
            found = [w for j in self.journals for w in j.crossref_works if want and want in w.get("alternative-id", [])]
            return 200, {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                         "message": {"facets": {}, "total-results": len(found), "items": found[: int(q.get("rows", 20))]}}  # fmt: skip
        m = re.fullmatch(r"/journals/([^/]+)(/works)?", path)
        if not m:
            return 404, "Resource not found."
        journal = self.find(m.group(1))
        if journal is None or journal.crossref is None:
            return 404, "Resource not found."
        if not m.group(2):
            return 200, {"status": "ok", "message-type": "journal", "message-version": "1.0.0", "message": journal.crossref}
        if self.crossref_rejects_select and "select" in q:
            return 400, {"status": "failed", "message-type": "validation-failure",
                         "message": [{"type": "parameter-not-allowed", "value": q["select"], "message": "Select field not allowed"}]}
        items = journal.crossref_works
        if q.get("filter"):
            bounds = dict(part.split(":", 1) for part in q["filter"].split(","))
            low, high = bounds.get("from-pub-date", "0000"), bounds.get("until-pub-date", "9999")
            items = [i for i in items if low[:4] <= _crossref_date(i)[:4] <= high[:4]]
        if q.get("query"):
            items = _search(items, q["query"], _crossref_text)
        elif q.get("sort") == "published":
            items = sorted(items, key=_crossref_date, reverse=q.get("order", "desc") == "desc")
        rows = int(q.get("rows", 20))
        offset = int(q.get("offset", 0))
        if "cursor" in q:
            offset = 0 if q["cursor"] == "*" else int(q["cursor"].removeprefix("DnF1ZXJ5"))
        page = items[offset : offset + rows]
        message: dict[str, Any] = {
            "facets": {}, "total-results": len(items), "items": page, "items-per-page": rows,
            "query": {"start-index": offset, "search-terms": q.get("query")},
        }  # fmt: skip
        if "cursor" in q:
            message["next-cursor"] = f"DnF1ZXJ5{offset + len(page)}"  # Crossref's cursors are opaque tokens
        return 200, {"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": message}

    def openalex(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        not_found = {"error": "404 Not Found", "message": "The requested URL was not found on the server."}
        m = re.fullmatch(r"/sources/issn:(.+)", path)
        if m:
            journal = self.find(m.group(1))
            return (200, journal.openalex) if journal and journal.openalex else (404, not_found)
        if path != "/works":
            return 404, not_found
        filters = dict(part.split(":", 1) for part in q.get("filter", "").split(",") if ":" in part)
        journal = self.find(filters.get("primary_location.source.issn", ""))
        items = list(journal.openalex_works) if journal else []
        if "publication_year" in filters:
            items = [w for w in items if str(w.get("publication_year")) == filters["publication_year"]]
        if q.get("search"):
            items = _search(items, q["search"], _openalex_text)
        elif q.get("sort", "").startswith("publication_date"):
            items = sorted(items, key=lambda w: w.get("publication_date") or "", reverse=q["sort"].endswith(":desc"))
        per_page = int(q.get("per-page", 25))
        if "cursor" in q:
            offset = 0 if q["cursor"] == "*" else int(q["cursor"].removeprefix("IlsxNj"))
        else:
            offset = (int(q.get("page", 1)) - 1) * per_page
        page = items[offset : offset + per_page]
        more = offset + len(page) < len(items)
        meta = {
            "count": len(items), "db_response_time_ms": 12, "page": None if "cursor" in q else int(q.get("page", 1)),
            "per_page": per_page, "next_cursor": f"IlsxNj{offset + len(page)}" if "cursor" in q and more else None,
            "groups_count": None,
        }  # fmt: skip
        return 200, {"meta": meta, "results": page, "group_by": []}

    def doaj(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        m = re.fullmatch(r"/search/(journals|articles)/(.+)", path)
        if not m:
            return 404, {"error": "Not found"}
        query = m.group(2)
        issn = re.search(r"issn:\"?([\dXx-]{9})", query)
        journal = self.find(issn.group(1)) if issn else None
        if m.group(1) == "journals":
            results = [journal.doaj] if journal and journal.doaj else []
        else:
            results = list(journal.doaj_articles) if journal else []
            year = re.search(r"bibjson\.year:(\d{4})", query)
            if year:
                results = [a for a in results if str(_bibjson(a).get("year")) == year.group(1)]
            words = re.search(r"\(([^)]*)\)", query)
            if words:
                results = _search(results, words.group(1), _doaj_text)
            elif q.get("sort", "").startswith("created_date"):
                results = sorted(results, key=lambda a: str(a.get("created_date", "")), reverse=q["sort"].endswith(":desc"))
        page, size = int(q.get("page", 1)), int(q.get("pageSize", 10))
        if size > 100 or page * size > 1000:
            return 400, {"error": "You can only page through the first 1000 results; pageSize may be at most 100"}
        chunk = results[(page - 1) * size : page * size]
        return 200, {"timestamp": "2026-11-25T06:00:00Z", "page": page, "pageSize": size, "query": query,
                     "total": len(results), "results": chunk}  # fmt: skip


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a cancelled or timed-out lookup) is no error of the server's."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    app: ScholarlyServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        source, _, rest = parts.path.lstrip("/").partition("/")
        path = "/" + unquote(rest)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        app = self.app
        with app._lock:
            app.requests.append((source, path, params))
            fault = app.faults.get(source, Fault())
            if fault.only and not re.fullmatch(fault.only, path):
                fault = Fault()
            fault.served += 1
        if app.latency:
            time.sleep(app.latency)
        if source not in SOURCES:
            return self._send(404, "no such service")
        if fault.mode == "down":
            return self._send(503, "<html><body>Service Unavailable</body></html>", "text/html")
        if fault.mode == "garbage":
            return self._send(200, "<html><body>Oops, a proxy error page</body></html>", "application/json")
        if fault.mode == "slow":
            time.sleep(fault.delay)
        if fault.mode == "throttle" and fault.served == 1:
            return self._send(429, {"message": "Too many requests"}, headers={"Retry-After": str(fault.retry_after)})
        status, body = getattr(app, source)(path, params)
        self._send(status, body)
        with app._lock:
            app.answered.append((source, path))

    def _send(self, status: int, body: Any, content_type: str | None = None, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
        ctype = content_type or ("text/plain" if isinstance(body, str) else "application/json")
        with contextlib.suppress(OSError):  # the client may have given up (a timeout test)
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)


# -- synthetic journals: one article description rendered in all three native shapes -----------------
@dataclass
class Paper:
    title: str
    authors: list[tuple[str, str]]  # (given, family)
    date: str  # YYYY-MM-DD
    doi: str = ""
    url: str = ""
    volume: str = ""
    issue: str = ""
    first_page: str = ""
    last_page: str = ""
    abstract: str = ""
    language: str = "en"


def crossref_work(p: Paper, journal_title: str, issns: list[str], publisher: str) -> dict[str, Any]:
    y, m, d = (int(x) for x in p.date.split("-"))
    work: dict[str, Any] = {
        "publisher": publisher, "DOI": p.doi, "type": "journal-article", "title": [p.title],
        "author": [{"given": g, "family": f, "sequence": "first" if i == 0 else "additional", "affiliation": []}
                   for i, (g, f) in enumerate(p.authors)],
        "container-title": [journal_title], "volume": p.volume, "issue": p.issue,
        "page": f"{p.first_page}-{p.last_page}" if p.last_page else p.first_page,
        "published-print": {"date-parts": [[y, m, d]]}, "issued": {"date-parts": [[y, m]]},
        "ISSN": issns, "issn-type": [{"type": "electronic", "value": issns[0]}], "language": p.language,
        "URL": f"https://doi.org/{p.doi}" if p.doi else "", "resource": {"primary": {"URL": p.url}},
    }  # fmt: skip
    if p.abstract:
        work["abstract"] = f"<jats:title>Abstract</jats:title><jats:p>{p.abstract}</jats:p>"
    return work


def openalex_work(p: Paper, n: int, source: dict[str, Any]) -> dict[str, Any]:
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(p.abstract.split()):
        index.setdefault(word, []).append(pos)
    return {
        "id": f"https://openalex.org/W{4300000000 + n}", "doi": f"https://doi.org/{p.doi}" if p.doi else None,
        "title": p.title, "display_name": p.title, "publication_year": int(p.date[:4]), "publication_date": p.date,
        "language": p.language, "type": "article",
        "primary_location": {"is_oa": True, "landing_page_url": p.url or (f"https://doi.org/{p.doi}" if p.doi else None),
                             "pdf_url": None, "source": {k: source.get(k) for k in
                                                         ("id", "display_name", "issn_l", "issn", "host_organization_name", "type")}},
        "authorships": [{"author_position": "first" if i == 0 else "middle",
                         "author": {"id": f"https://openalex.org/A{5000000000 + n * 10 + i}", "display_name": f"{g} {f}", "orcid": None},
                         "institutions": [], "raw_author_name": f"{g} {f}"} for i, (g, f) in enumerate(p.authors)],
        "biblio": {"volume": p.volume or None, "issue": p.issue or None, "first_page": p.first_page or None, "last_page": p.last_page or None},
        "abstract_inverted_index": index or None, "open_access": {"is_oa": True, "oa_status": "gold", "oa_url": p.url},
    }  # fmt: skip


def doaj_article(p: Paper, n: int, journal_title: str, issns: list[str], publisher: str) -> dict[str, Any]:
    ids = [{"type": "doi", "id": p.doi}] if p.doi else []
    ids.append({"type": "eissn", "id": issns[0]})
    return {
        "id": f"{n:032x}", "created_date": f"{p.date}T00:00:00Z", "last_updated": f"{p.date}T00:00:00Z",
        "bibjson": {
            "title": p.title, "year": p.date[:4], "month": str(int(p.date[5:7])), "start_page": p.first_page,
            "end_page": p.last_page, "abstract": p.abstract, "author": [{"name": f"{g} {f}"} for g, f in p.authors],
            "identifier": ids, "keywords": [], "link": [{"type": "fulltext", "url": p.url, "content_type": "HTML"}] if p.url else [],
            "journal": {"title": journal_title, "volume": p.volume, "number": p.issue, "publisher": publisher,
                        "country": "GB", "language": [p.language.upper()], "issns": issns},
        },
    }  # fmt: skip


def make_journal(
    title: str, issns: list[str], papers: list[Paper], *, publisher: str = "Example Press",
    in_sources: tuple[str, ...] = SOURCES, print_issn: str = "", electronic_issn: str = "",
) -> Journal:
    """A journal known to ``in_sources``, its papers rendered as each of them would answer."""
    pissn = print_issn or issns[0]
    eissn = electronic_issn or (issns[1] if len(issns) > 1 else "")
    journal = Journal(issns=[i.upper() for i in issns])
    if "crossref" in in_sources:
        kinds = [{"type": "print", "value": pissn}] + ([{"type": "electronic", "value": eissn}] if eissn else [])
        journal.crossref = {"title": title, "publisher": publisher, "ISSN": issns, "issn-type": kinds, "subjects": [],
                            "counts": {"total-dois": len(papers), "current-dois": len(papers), "backfile-dois": 0}}
        journal.crossref_works = [crossref_work(p, title, issns, publisher) for p in papers]
    source = {"id": "https://openalex.org/S4210000001", "issn_l": pissn, "issn": issns, "display_name": title,
              "host_organization_name": publisher, "type": "journal"}
    if "openalex" in in_sources:
        journal.openalex = {**source, "alternate_titles": [], "abbreviated_title": None, "works_count": len(papers),
                            "cited_by_count": 0, "is_oa": True, "is_in_doaj": "doaj" in in_sources,
                            "homepage_url": "https://journal.example.org", "country_code": "GB",
                            "topics": [{"id": "https://openalex.org/T10001", "display_name": "Example studies", "count": 3}],
                            "works_api_url": "https://api.openalex.org/works?filter=primary_location.source.id:S4210000001"}
        journal.openalex_works = [openalex_work(p, n, source) for n, p in enumerate(papers)]
    if "doaj" in in_sources:
        journal.doaj = {"id": "a" * 32, "bibjson": {"title": title, "eissn": eissn, "pissn": pissn,
                        "publisher": {"name": publisher, "country": "GB"}, "language": ["EN"],
                        "subject": [{"code": "H1-99", "scheme": "LCC", "term": "Social sciences (General)"}],
                        "ref": {"journal": "https://journal.example.org"}}}  # fmt: skip
        journal.doaj_articles = [doaj_article(p, n, title, issns, publisher) for n, p in enumerate(papers)]
    return journal


def numbered_papers(count: int, prefix: str = "10.5555/ex", start_year: int = 2000) -> list[Paper]:
    """``count`` distinct papers, one a month from ``start_year``: distinct titles, authors, DOIs."""
    papers = []
    for n in range(count):
        year, month = start_year + n // 12, n % 12 + 1
        papers.append(Paper(
            title=f"Field notes number {n} on tidal estuaries", authors=[("Alex", f"Author{n}"), ("Sam", "Coauthor")],
            date=f"{year}-{month:02d}-15", doi=f"{prefix}.{n}", url=f"https://journal.example.org/article/{n}",
            volume=str(year - start_year + 1), issue=str(month), first_page=str(n * 10 + 1), last_page=str(n * 10 + 9),
            abstract=f"We report observation {n} of sediment transport in tidal estuaries.",
        ))  # fmt: skip
    return papers
