"""Every page of the corpus imports to its expected record, served by a local web server."""

from __future__ import annotations

import pytest
from refdesk.app import AppContext
from refdesk.importers.web import import_url

from tests.web.corpus import compare, load_cases, service_urls, serving

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_page_gives_its_expected_record(case: object, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(case) as server:  # type: ignore[arg-type]
        for name, value in service_urls(server).items():
            monkeypatch.setenv(f"REFDESK_{name.upper()}", value)
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")  # pages that answer 503 are asked again
        with AppContext() as ctx:
            records = import_url(ctx, server.url(case.spec["start"]))  # type: ignore[attr-defined]
        assert len(records) == 1
        _, wrong = compare(records[0], case.expected, server.base)  # type: ignore[attr-defined]
        assert wrong == []



def test_the_corpus_covers_the_issue_list() -> None:
    names = {c.name for c in CASES}
    assert len(CASES) >= 15
    assert {"ojs3", "ojs2", "elpub-ojs-bilingual", "highwire-8-authors", "jsonld-only", "jsonld-graph", "coins-catalogue",
            "vufind-record", "doi-only", "ris-alternate", "opengraph-blog", "contradictory",
            "cyberleninka-russian", "scielo-spanish-bilingual", "arxiv-preprint", "springer-link-article", "mdpi-many-authors",
            "tandf-dc-atypon"} <= names
