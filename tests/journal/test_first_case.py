"""The first case: ISSN 2076-7404, "Soviet and British diplomacy" -> E. Yu. Sergeev's 2022 article, found and imported."""

from __future__ import annotations

from typing import Any

import pytest
from refdesk.app import AppContext
from refdesk.importers.journal import lookup_journal, records_for

from tests.journal.conftest import FIRST_ISSN, RU_JOURNAL, SERGEEV_TITLE
from tests.servers.scholarly import ScholarlyServer

QUERY = "Soviet and British diplomacy"


def test_journal_shows_the_journal_once_with_facts_from_all_three(cli: Any, server: ScholarlyServer) -> None:
    r = cli("journal", FIRST_ISSN)
    assert r.code == 0, r.err
    first, *rest = r.out.splitlines()
    assert first == "Vestnik Moskovskogo Universiteta. Seriâ XXV, Meždunarodnye Otnošeniâ i Mirovaâ Politika"
    text = " ".join("\n".join(rest).split())  # labels are padded; compare with single spaces
    assert f"Original title: {RU_JOURNAL}" in text
    assert "Lomonosov World Politics Journal" in text
    assert "Publisher: Lomonosov Moscow State University" in text
    assert "ISSN: 2076-7404 (print, linking)" in text
    assert "International relations" in text and "Diplomacy and International Relations History" in text
    assert "Homepage: https://fmp.elpub.ru/jour" in text
    assert "Open access: yes" in text
    assert "Sources: Crossref, OpenAlex, DOAJ" in text
    assert "Failed" not in text
    assert text.count("Soviet and British diplomacy") == 1  # merged across the three sources
    assert "6 article(s), newest first:" in text
    for source in ("crossref", "openalex", "doaj"):
        assert server.count(source) >= 2  # journal facts and works, from each source


def test_query_finds_the_article_merged_from_every_source(ctx: AppContext) -> None:
    found = lookup_journal(ctx, FIRST_ISSN, QUERY)
    assert not found.failures
    top = found.articles[0]
    assert top.title == SERGEEV_TITLE
    assert top.authors == ["Sergeev, E. Yu."]
    assert top.sources == ["Crossref", "OpenAlex", "DOAJ"]  # DOAJ has no DOI: merged by its title
    assert top.date == "2022-11-01"  # Crossref says only 2022; OpenAlex has the day
    assert top.url == "https://fmp.elpub.ru/jour/article/view/147"
    assert top.doi == "10.48015/2076-7404-2022-14-4-37-62"
    assert top.abstract.startswith("The article examines how Soviet and British diplomats negotiated")
    # Weaker matches follow; articles matching no word of the query are not listed.
    titles = [a.title for a in found.articles]
    assert "Arctic cooperation in the twenty-first century" not in titles
    assert "Soviet foreign policy in Central Asia in the 1920s" in titles[1:]


def test_import_by_issn_and_query_stores_the_full_record(cli: Any, server: ScholarlyServer) -> None:
    r = cli("import", FIRST_ISSN, "--query", QUERY, "--limit", "1", "--json")
    assert r.code == 0, r.err
    (rec,) = r.json()
    assert rec["itemType"] == "journalArticle"
    assert rec["title"] == SERGEEV_TITLE
    assert rec["creators"] == [{"creatorType": "author", "lastName": "Sergeev", "firstName": "E. Yu."}]
    assert rec["date"] == "2022-11-01"
    assert rec["publicationTitle"] == RU_JOURNAL
    assert rec["ISSN"] == FIRST_ISSN
    assert rec["url"] == "https://fmp.elpub.ru/jour/article/view/147"
    assert rec["DOI"] == "10.48015/2076-7404-2022-14-4-37-62"
    assert (rec["volume"], rec["issue"], rec["pages"]) == ("14", "4", "37-62")
    assert rec["language"] == "ru"
    assert rec["publisher"] == "Lomonosov Moscow State University"
    assert rec["journalAbbreviation"] == "Vestn. Mosk. univ., Ser. 25 Mezhdunar. otnos. mirov. polit."
    assert "Lausanne" in rec["abstractNote"] and "<jats" not in rec["abstractNote"]
    assert "matching 'Soviet and British diplomacy'" in r.err
    listed = cli("list", "--json").json()
    assert [x["title"] for x in listed] == [SERGEEV_TITLE]
    again = cli("import", FIRST_ISSN, "--query", QUERY, "--limit", "1")
    assert "Already in the library" in again.out or "Updated" in again.out
    assert len(cli("list", "--json").json()) == 1


def test_show_names_the_source_of_each_field(cli: Any, server: ScholarlyServer) -> None:
    key = cli("import", FIRST_ISSN, "--query", QUERY, "--limit", "1", "--json").json()[0]["key"]
    shown = cli("show", key).out
    assert "[import:issn:OpenAlex]" in shown.split("Date", 1)[1].splitlines()[0]


def test_records_for_chosen_hits(ctx: AppContext) -> None:
    found = lookup_journal(ctx, FIRST_ISSN)
    chosen = [a for a in found.articles if a.year == "2022"]
    records = records_for(ctx, chosen)
    assert {r.title for r in records} == {SERGEEV_TITLE, "ASEAN between great powers", "Soviet foreign policy in Central Asia in the 1920s"}
    assert all(r.get("ISSN") == FIRST_ISSN and r.get("publicationTitle") == RU_JOURNAL for r in records)


def test_polite_pool_mailto_and_parallel_requests(monkeypatch: pytest.MonkeyPatch, cli: Any, server: ScholarlyServer) -> None:
    monkeypatch.setenv("REFDESK_CONTACT_EMAIL", "librarian@example.org")
    assert cli("journal", FIRST_ISSN, "--query", QUERY).code == 0
    for source in ("crossref", "openalex"):
        assert all(p.get("mailto") == "librarian@example.org" for p in server.params_of(source)), source
    works = server.params_of("crossref", "/works")[0]
    assert works["query"] == QUERY and works["offset"] == "0"
    assert server.params_of("openalex", "/works")[0]["search"] == QUERY
    doaj_paths = [p for s, p, _q in server.requests if s == "doaj"]
    assert "/search/articles/issn:2076-7404 AND (Soviet and British diplomacy)" in doaj_paths


def test_progress_lines_for_the_gui(ctx: AppContext, server: ScholarlyServer) -> None:
    server.fault("doaj", "garbage")
    lines: list[str] = []
    found = lookup_journal(ctx, FIRST_ISSN, say=lines.append)
    assert "Crossref: 6 article(s)" in lines and "OpenAlex: 6 article(s)" in lines
    assert "DOAJ failed: the answer is not valid JSON" in lines
    assert [(f.source, f.reason) for f in found.failures] == [("DOAJ", "the answer is not valid JSON")]


def test_journal_json_shape(cli: Any, server: ScholarlyServer) -> None:
    out = cli("journal", FIRST_ISSN, "--year", "2022", "--json").json()
    assert set(out) == {"issn", "query", "year", "journal", "articles", "failures", "totals"}
    assert out["year"] == 2022 and out["failures"] == []
    assert out["journal"]["original_title"] == RU_JOURNAL and out["journal"]["issn_linking"] == FIRST_ISSN
    first = out["articles"][0]
    assert {"title", "authors", "creators", "date", "year", "doi", "url", "volume", "issue", "pages", "abstract",
            "language", "journal_title", "issns", "sources"} <= set(first)
    assert [a["year"] for a in out["articles"]] == ["2022"] * 3
