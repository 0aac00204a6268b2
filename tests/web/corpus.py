"""The URL-import corpus: realistic pages in ``tests/web/cases/<name>/`` with their expected records.

Each case folder holds the files a site would serve and ``case.json``:
``start`` (the path to import), ``routes`` (path -> file and content type),
optionally ``doi`` (DOI -> CSL-JSON file, served by a local resolver; a
``fixtures:`` prefix reads ``../shared/fixtures``), ``crossref_pii`` (Elsevier PII ->
Crossref works answer for ``filter=alternative-id:<PII>``), ``esummary`` (``db:id`` ->
NCBI E-utilities esummary answer), ``class`` (``refusing`` for a page that turns a
program away: the benchmark reports those apart) and ``expected`` (fields of
the record, ``creators``, ``tags`` as a set, ``extra`` lines as a set,
``provenance`` per field, ``import`` for the record's import note, ``absent`` fields).
``{{BASE}}`` stands for the local server's address. Used by tests/web/test_corpus.py
and benchmarks/import_web.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from tests.servers.web import Answer, Request, Route, WebServer
from tests.shared import FIXTURES

CASES = Path(__file__).resolve().parent / "cases"


@dataclass
class Case:
    name: str
    folder: Path
    spec: dict[str, Any]

    @property
    def expected(self) -> dict[str, Any]:
        return dict(self.spec.get("expected", {}))


def load_cases() -> list[Case]:
    return [Case(p.name, p, json.loads((p / "case.json").read_text(encoding="utf-8"))) for p in sorted(CASES.iterdir()) if (p / "case.json").exists()]


def _file(case: Case, name: str) -> Path:
    return FIXTURES / name.removeprefix("fixtures:") if name.startswith("fixtures:") else case.folder / name


def mount(server: WebServer, case: Case) -> None:
    """Serve the case's routes (and its DOI resolver under /doi/) on ``server``."""
    for path, route in case.spec.get("routes", {}).items():
        if "file" in route:
            data = _file(case, route["file"]).read_bytes().replace(b"{{BASE}}", server.base.encode())
        else:
            data = route.get("body", "").encode("utf-8")
        server.add(path, Route(status=route.get("status", 200), body=data, content_type=route.get("content_type", "text/html"), headers=route.get("headers", {})))
    for doi, file in case.spec.get("doi", {}).items():
        server.add(f"/doi/{doi}", Route(body=_file(case, file).read_bytes(), content_type="application/vnd.citationstyles.csl+json"))
    if case.spec.get("crossref_pii"):
        server.add("/crossref/works", Route(handler=_crossref_pii(case)))
    if case.spec.get("esummary"):
        server.add("/eutils/esummary.fcgi", Route(handler=_esummary(case)))


def _json_answer(data: bytes) -> Answer:
    return Answer(200, {"Content-Type": "application/json; charset=UTF-8"}, data)


def _crossref_pii(case: Case) -> Callable[[Request], Answer]:
    """Crossref's ``/works?filter=alternative-id:<PII>``: the case's recorded answer, or an empty work list."""
    known = {pii: _file(case, f).read_bytes() for pii, f in case.spec["crossref_pii"].items()}

    def handle(req: Request) -> Answer:
        flt = parse_qs(req.query).get("filter", [""])[0]
        pii = flt.removeprefix("alternative-id:") if flt.startswith("alternative-id:") else ""
        empty = {"status": "ok", "message-type": "work-list", "message": {"total-results": 0, "items": []}}
        return _json_answer(known.get(pii) or json.dumps(empty).encode())

    return handle


def _esummary(case: Case) -> Callable[[Request], Answer]:
    """NCBI ``esummary.fcgi?db=pubmed|pmc&id=N&retmode=json``: the case's recorded answer, or an "invalid uid" one."""
    known = {key: _file(case, f).read_bytes() for key, f in case.spec["esummary"].items()}

    def handle(req: Request) -> Answer:
        q = parse_qs(req.query)
        key = f"{q.get('db', [''])[0]}:{q.get('id', [''])[0]}"
        uid = q.get("id", [""])[0]
        missing = {"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": [uid], uid: {"uid": uid, "error": "cannot get document summary"}}}
        return _json_answer(known.get(key) or json.dumps(missing).encode())

    return handle


def service_urls(server: WebServer) -> dict[str, str]:
    """Settings that point the DOI resolver, Crossref and NCBI at the case's local server."""
    return {"doi_resolver_url": server.url("/doi"), "crossref_api_url": server.url("/crossref"), "ncbi_eutils_url": server.url("/eutils")}


@contextmanager
def serving(case: Case) -> Iterator[WebServer]:
    with WebServer() as server:
        mount(server, case)
        yield server


def _subst(value: Any, base: str) -> Any:
    if isinstance(value, str):
        return value.replace("{{BASE}}", base)
    if isinstance(value, list):
        return [_subst(v, base) for v in value]
    if isinstance(value, dict):
        return {k: _subst(v, base) for k, v in value.items()}
    return value


def compare(record: Any, expected: dict[str, Any], base: str) -> tuple[int, list[str]]:
    """(number of expected facts, mismatches): one fact per field, creators list, tag set, extra line set, provenance."""
    data = record.to_json()
    expected = _subst(expected, base)
    facts = 0
    wrong: list[str] = []
    for name, want in expected.items():
        if name == "import":  # how the import reached the record (provenance of the record as a whole)
            facts += 1
            note = record.provenance.get("import")
            if note is None or note.source != want:
                wrong.append(f"import note: {note.source if note else None!r} != {want!r}")
            continue
        if name == "provenance":
            for field, source in want.items():
                facts += 1
                got = record.provenance.get(field)
                if got is None or got.source != source:
                    wrong.append(f"provenance[{field}]: {got.source if got else None!r} != {source!r}")
            continue
        facts += 1
        if name == "absent":
            present = [f for f in want if data.get(f)]
            if present:
                wrong.append(f"should be empty: {present}")
        elif name == "tags":
            got_tags = {t["tag"] for t in data.get("tags", [])}
            if got_tags != set(want):
                wrong.append(f"tags: {sorted(got_tags)} != {sorted(want)}")
        elif name == "extra":
            lines = {ln for ln in data.get("extra", "").split("\n") if ln}
            if lines != set(want):
                wrong.append(f"extra: {sorted(lines)} != {sorted(want)}")
        elif data.get(name) != want:
            wrong.append(f"{name}: {data.get(name)!r} != {want!r}")
    return facts, wrong
