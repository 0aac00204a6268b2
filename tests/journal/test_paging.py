"""Paging through a journal's works (cursor and page numbers), years, empty queries, the cache, cancelling."""

from __future__ import annotations

from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.errors import NotFoundError
from refdesk.importers.journal import LookupCancelled, lookup_journal
from refdesk.importers.journal_sources import crossref

from tests.journal.conftest import FIRST_ISSN
from tests.servers.scholarly import ScholarlyServer, make_journal, numbered_papers

ESTUARY = "1234-5679"


@pytest.fixture
def estuary(server: ScholarlyServer) -> ScholarlyServer:
    """A journal of 30 articles (one a month, 2000-2002) in all three sources."""
    server.add(make_journal("Estuarine Field Notes", [ESTUARY], numbered_papers(30)))
    return server


def test_recorded_crossref_works_paged_by_offset(ctx: AppContext, server: ScholarlyServer) -> None:
    """The 40 recorded PeerJ works, 7 a page: four pages by offset, newest first."""
    found = lookup_journal(ctx, "2167-8359", limit=25, page_size=7)
    pages = server.params_of("crossref", "/works")
    assert [p["offset"] for p in pages] == ["0", "7", "14", "21"] and "cursor" not in pages[0]
    assert [int(p["rows"]) for p in pages] == [7, 7, 7, 4]  # never more than the limit
    assert all(p["sort"] == "published" and p["order"] == "desc" for p in pages)
    assert len(found.articles) == 25 and len({a.doi for a in found.articles}) == 25
    dates = [a.date for a in found.articles]
    assert dates == sorted(dates, reverse=True)
    assert found.articles[0].journal_title == "PeerJ" and found.articles[0].sources == ["Crossref"]


def test_crossref_deep_paging_follows_the_cursor(
    monkeypatch: pytest.MonkeyPatch, ctx: AppContext, server: ScholarlyServer
) -> None:
    """Past Crossref's offset ceiling (10 000; 20 here) the cursor it returns is followed page by page."""
    monkeypatch.setattr(crossref, "MAX_OFFSET", 20)
    found = lookup_journal(ctx, "2167-8359", limit=40, page_size=15)
    pages = server.params_of("crossref", "/works")
    assert [p["cursor"] for p in pages][:1] == ["*"] and len(pages) == 3
    assert len({p["cursor"] for p in pages}) == 3 and "offset" not in pages[1]
    assert len({a.doi for a in found.articles}) == 40


def test_every_source_pages_and_the_merge_keeps_each_article_once(ctx: AppContext, estuary: ScholarlyServer) -> None:
    found = lookup_journal(ctx, ESTUARY, limit=30, page_size=10)
    assert len(estuary.params_of("crossref", "/works")) == 3
    openalex = estuary.params_of("openalex", "/works")
    assert len(openalex) == 3 and openalex[0]["cursor"] == "*" and openalex[1]["cursor"] != "*"
    assert [p["page"] for p in estuary.params_of("doaj", "/search/articles")] == ["1", "2", "3"]
    assert len(found.articles) == 30
    assert all(a.sources == ["Crossref", "OpenAlex", "DOAJ"] for a in found.articles)
    assert found.articles[0].title == "Field notes number 29 on tidal estuaries"  # newest first
    assert found.articles[-1].title == "Field notes number 0 on tidal estuaries"


def test_a_year_narrows_every_source(ctx: AppContext, estuary: ScholarlyServer) -> None:
    found = lookup_journal(ctx, ESTUARY, year=2001)
    assert [a.date[:7] for a in found.articles] == [f"2001-{m:02d}" for m in range(12, 0, -1)]
    assert estuary.params_of("crossref", "/works")[0]["filter"] == "from-pub-date:2001-01-01,until-pub-date:2001-12-31"
    assert "publication_year:2001" in estuary.params_of("openalex", "/works")[0]["filter"]
    assert any("bibjson.year:2001" in p for s, p, _q in estuary.requests if s == "doaj")


def test_a_query_that_matches_nothing(cli: Any, server: ScholarlyServer) -> None:
    r = cli("journal", FIRST_ISSN, "--query", "quantum chromodynamics")
    assert r.code == 0, r.err
    assert "No articles matching 'quantum chromodynamics'." in r.out
    assert "Publisher" in r.out  # the journal is still shown
    imp = cli("import", FIRST_ISSN, "--query", "quantum chromodynamics")
    assert imp.code == NotFoundError.exit_code
    assert "matches 'quantum chromodynamics'" in imp.err
    assert cli("list", "--json").json() == []


def test_import_without_query_takes_the_newest_and_says_how_many(cli: Any, estuary: ScholarlyServer) -> None:
    r = cli("import", ESTUARY)
    assert r.code == 0, r.err
    assert "Importing the 20 newest article(s) of Estuarine Field Notes (of 30 known)" in r.out
    titles = {x["title"] for x in cli("list", "--json").json()}
    assert len(titles) == 20 and "Field notes number 29 on tidal estuaries" in titles
    assert "Field notes number 9 on tidal estuaries" not in titles


def test_same_lookup_twice_is_answered_from_the_cache(cli: Any, server: ScholarlyServer) -> None:
    first = cli("journal", FIRST_ISSN, "--json").json()
    asked = len(server.requests)
    assert asked >= 6
    assert cli("journal", FIRST_ISSN, "--json").json() == first
    assert len(server.requests) == asked  # no network the second time
    assert cli("journal", FIRST_ISSN, "--refresh", "--json").json() == first
    assert len(server.requests) == 2 * asked


def test_cancel_stops_the_lookup(ctx: AppContext, estuary: ScholarlyServer) -> None:
    with pytest.raises(LookupCancelled):
        lookup_journal(ctx, ESTUARY, page_size=5, cancel=lambda: True)
    assert len(estuary.params_of("crossref", "/works")) == 0  # cancelled before the first page


def test_limit_caps_the_merged_list(ctx: AppContext, estuary: ScholarlyServer) -> None:
    found = lookup_journal(ctx, ESTUARY, limit=4, page_size=100)
    assert len(found.articles) == 4
    assert [int(p["rows"]) for p in estuary.params_of("crossref", "/works")] == [4]
    assert found.totals == {"Crossref": 30, "OpenAlex": 30, "DOAJ": 30}


def test_doaj_stops_at_its_1000_result_window(ctx: AppContext, server: ScholarlyServer) -> None:
    """DOAJ refuses pages past the first 1000 results; a 1200-article listing takes what DOAJ can give."""
    server.add(make_journal("Big Estuary Notes", ["2222-3339"], numbered_papers(1200, start_year=1900), in_sources=("doaj",)))
    found = lookup_journal(ctx, "2222-3339", limit=1200)
    assert found.failures == []
    assert len(found.articles) == 1000
    assert [p["page"] for p in server.params_of("doaj", "/search/articles")] == [str(n) for n in range(1, 11)]


def test_cancel_returns_without_waiting_for_a_slow_source(ctx: AppContext, server: ScholarlyServer) -> None:
    """The GUI's cancel button: the lookup gives up while DOAJ is still thinking (it answers 2 s later)."""
    server.fault("doaj", "slow", delay=2.0)
    progress: list[str] = []
    with pytest.raises(LookupCancelled):
        lookup_journal(ctx, FIRST_ISSN, say=progress.append, cancel=lambda: len(progress) >= 2)
    assert len(progress) >= 2
    assert not [p for s, p in server.answered if s == "doaj"]
