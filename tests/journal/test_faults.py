"""A source down, slow, throttled or answering garbage: the others still answer and the failure is named."""

from __future__ import annotations

from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.errors import ImporterError
from refdesk.importers.journal import lookup_journal

from tests.journal.conftest import FIRST_ISSN, SERGEEV_TITLE
from tests.servers.scholarly import ScholarlyServer


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of 5xx answers stay in (the shared client's policy) but wait milliseconds, not seconds."""
    monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")


def test_one_source_down_the_others_answer(cli: Any, server: ScholarlyServer) -> None:
    server.fault("openalex", "down")
    r = cli("journal", FIRST_ISSN, "--query", "Soviet and British diplomacy")
    assert r.code == 0, r.err
    text = " ".join(r.out.split())
    assert "Failed: OpenAlex: HTTP 503" in text
    assert "Sources: Crossref, DOAJ" in text
    assert SERGEEV_TITLE in text
    assert server.count("openalex", "/works") == 4  # the shared client retried 5xx three times, then gave up


def test_garbage_is_named_and_the_json_lists_the_failure(cli: Any, server: ScholarlyServer) -> None:
    server.fault("crossref", "garbage")
    r = cli("journal", FIRST_ISSN, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["failures"] == [{"source": "Crossref", "reason": "the answer is not valid JSON"}]
    assert "Crossref failed: the answer is not valid JSON" in r.err
    assert out["journal"]["sources"] == ["OpenAlex", "DOAJ"]
    assert len(out["articles"]) == 6  # OpenAlex has all six; DOAJ's four merge into them


def test_import_goes_on_without_a_failed_source_and_says_which(cli: Any, server: ScholarlyServer) -> None:
    server.fault("doaj", "down")
    r = cli("import", FIRST_ISSN, "--limit", "3")
    assert r.code == 0, r.err
    assert "DOAJ did not answer (HTTP 503" in r.out
    assert "Importing the 3 newest article(s)" in r.out
    assert r.out.count("Added ") == 3


def test_all_three_down_is_one_clear_message(cli: Any, server: ScholarlyServer) -> None:
    for source in ("crossref", "openalex", "doaj"):
        server.fault(source, "down")
    r = cli("journal", FIRST_ISSN)
    assert r.code == ImporterError.exit_code
    lines = r.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("refdesk: No source could be reached for ISSN 2076-7404 (Crossref: HTTP 503")
    assert "OpenAlex: HTTP 503" in lines[0] and "DOAJ: HTTP 503" in lines[0]


def test_nothing_listening_is_a_failure_too(monkeypatch: pytest.MonkeyPatch, server: ScholarlyServer) -> None:
    monkeypatch.setenv("REFDESK_DOAJ_API_URL", "http://127.0.0.1:9")
    with AppContext() as ctx:
        found = lookup_journal(ctx, FIRST_ISSN)
    assert [(f.source, f.reason) for f in found.failures] == [("DOAJ", "connection refused (is the server running?)")]
    assert found.journal is not None and found.journal.sources == ["Crossref", "OpenAlex"]


def test_429_with_retry_after_then_success(ctx: AppContext, server: ScholarlyServer) -> None:
    server.fault("crossref", "throttle", retry_after=1)
    found = lookup_journal(ctx, FIRST_ISSN)
    assert found.failures == []
    assert found.journal is not None and "Crossref" in found.journal.sources
    assert "Crossref" in found.articles[0].sources
    assert server.count("crossref") == 3  # the throttled request again after Retry-After, and the other one


def test_a_slow_source_times_out_and_the_others_answer(monkeypatch: pytest.MonkeyPatch, server: ScholarlyServer) -> None:
    monkeypatch.setenv("REFDESK_READ_TIMEOUT", "0.3")
    server.fault("doaj", "slow", delay=2.0)
    with AppContext() as ctx:
        found = lookup_journal(ctx, FIRST_ISSN, "Soviet and British diplomacy")
    assert len(found.failures) == 1
    assert found.failures[0].source == "DOAJ" and "timed out" in found.failures[0].reason
    assert found.articles[0].title == SERGEEV_TITLE and found.articles[0].sources == ["Crossref", "OpenAlex"]


def test_a_source_answering_the_wrong_shape_is_named(ctx: AppContext, server: ScholarlyServer) -> None:
    """Valid JSON, wrong shape (a list where DOAJ documents an object): a failure, not a crash."""
    journal = server.find(FIRST_ISSN)
    assert journal is not None
    journal.doaj_articles = [{"bibjson": "not an object"}, {"bibjson": {"title": ["a", "list"], "author": "nobody"}}]
    found = lookup_journal(ctx, FIRST_ISSN)
    assert found.failures == []  # tolerated: nothing usable in them, nothing invented
    assert all(a.title for a in found.articles)


def test_crossref_refusing_the_field_list_gets_whole_works(ctx: AppContext, server: ScholarlyServer) -> None:
    server.crossref_rejects_select = True
    found = lookup_journal(ctx, FIRST_ISSN)
    assert found.failures == []
    assert [("select" in p) for p in server.params_of("crossref", "/works")] == [True, False]
    assert "Crossref" in found.articles[0].sources


def test_articles_are_kept_when_every_source_fails_only_its_journal_facts(ctx: AppContext, server: ScholarlyServer) -> None:
    """Each source's facts request fails, its works answer: the articles are shown with the three failures."""
    server.fault("crossref", "garbage", only=r"/journals/[^/]+")
    server.fault("openalex", "garbage", only=r"/sources/.*")
    server.fault("doaj", "garbage", only=r"/search/journals/.*")
    found = lookup_journal(ctx, FIRST_ISSN)
    assert [f.source for f in found.failures] == ["Crossref", "OpenAlex", "DOAJ"]
    assert found.journal is None
    assert len(found.articles) == 6 and found.articles[0].journal_title
