"""The pieces without a network: abstracts rebuilt, the merge's dedupe and order, journal titles by script."""

from __future__ import annotations

from refdesk.importers.journal_sources.common import is_latin
from refdesk.importers.journal_sources.crossref import hit_from_work, jats_to_text
from refdesk.importers.journal_sources.doaj import words_query
from refdesk.importers.journal_sources.merge import merge_hits, merge_journals
from refdesk.importers.journal_sources.openalex import rebuild_abstract
from refdesk.importers.journal_sources.records import record_from_hit
from refdesk.importers.journal_sources.types import ArticleHit, JournalInfo

from tests.journal.conftest import RECORDED, _load


def hit(source: str, title: str, date: str = "2022", doi: str = "", **kw: str) -> ArticleHit:
    return ArticleHit(title=title, date=date, doi=doi, sources=[source], **kw)  # type: ignore[arg-type]


def test_openalex_inverted_index_back_to_text() -> None:
    index = {"diplomacy": [1, 5], "Soviet": [0], "at": [2], "conferences,": [3], "British": [4]}
    assert rebuild_abstract(index) == "Soviet diplomacy at conferences, British diplomacy"
    assert rebuild_abstract(None) == ""


def test_crossref_jats_abstract_to_plain_text() -> None:
    jats = ("<jats:title>Abstract</jats:title><jats:sec><jats:p>First &amp; <jats:italic>second</jats:italic>, "
            "H<jats:sub>2</jats:sub>O.</jats:p>\n  <jats:p>Third\n line.</jats:p></jats:sec>")
    assert jats_to_text(jats) == "First & second, H2O.\n\nThird line."
    assert jats_to_text("<p>Plain <i>HTML</i> too</p>") == "Plain HTML too"


def test_recorded_crossref_work_becomes_a_hit() -> None:
    items = _load(RECORDED / "journal-works-2.json")["message"]["items"]
    h = hit_from_work(items[0])
    assert h.doi == "10.7717/peerj.616" and h.journal_title == "PeerJ"
    assert h.authors == ["Harrison, Xavier A."]
    assert h.date == "2014-10-09" and (h.volume, h.pages) == ("2", "e616")
    assert h.url == "https://peerj.com/articles/616" and h.issns == ["2167-8359"]
    with_abstract = hit_from_work(next(i for i in items if "abstract" in i))
    assert with_abstract.abstract and "<" not in with_abstract.abstract and "jats" not in with_abstract.abstract


def test_same_doi_is_one_article_and_the_best_facts_win() -> None:
    merged = merge_hits({
        "DOAJ": [hit("DOAJ", "Peat", "2021-05", "10.1/ABC", url="https://j.example/peat", abstract="Long abstract " * 10)],
        "Crossref": [hit("Crossref", "Peat", "2021", "10.1/abc", url="https://doi.org/10.1/abc", abstract="Short")],
    }, None, 10)  # fmt: skip
    (one,) = merged
    assert one.sources == ["Crossref", "DOAJ"]
    assert one.date == "2021-05" and one.origin["date"] == "DOAJ"  # more precise
    assert one.url == "https://j.example/peat"  # a landing page beats a DOI link
    assert one.abstract.startswith("Long") and one.origin["abstract"] == "DOAJ"


def test_title_dedupe_needs_agreeing_years_and_no_conflicting_dois() -> None:
    merged = merge_hits({
        "Crossref": [hit("Crossref", "Editorial", "2021", "10.1/e1"), hit("Crossref", "Editorial", "2022", "10.1/e2")],
        "OpenAlex": [hit("OpenAlex", "EDITORIAL.", "2022", "10.1/e3")],
        "DOAJ": [hit("DOAJ", "editorial", "2022"), hit("DOAJ", "A Study of Peat", "2022")],
    }, None, 10)  # fmt: skip
    assert [(h.title, h.year, h.sources) for h in merged] == [
        ("Editorial", "2022", ["Crossref", "DOAJ"]),
        ("EDITORIAL.", "2022", ["OpenAlex"]),  # its own DOI: another article with the same title
        ("A Study of Peat", "2022", ["DOAJ"]),
        ("Editorial", "2021", ["Crossref"]),
    ]


def test_best_match_first_for_a_query() -> None:
    merged = merge_hits({
        "Crossref": [hit("Crossref", "Soviet foreign policy", "2023"), hit("Crossref", "Soviet and British diplomacy", "2020")],
        "OpenAlex": [hit("OpenAlex", "British diplomacy in the Arctic", "2024")],
    }, "Soviet and British diplomacy", 10)  # fmt: skip
    assert [h.title for h in merged] == ["Soviet and British diplomacy", "British diplomacy in the Arctic", "Soviet foreign policy"]


def test_journal_titles_by_script() -> None:
    j = merge_journals([
        JournalInfo(title="Вестник МГУ", sources=["Crossref"], issn_print="2076-7404"),
        JournalInfo(title="Vestnik MGU", other_titles=["Lomonosov Journal"], sources=["DOAJ"], open_access=True),
        JournalInfo(title="Вестник МГУ", issn_linking="2076-7404", sources=["OpenAlex"], open_access=False),
    ])  # fmt: skip
    assert j is not None
    assert (j.title, j.original_title, j.other_titles) == ("Vestnik MGU", "Вестник МГУ", ["Lomonosov Journal"])
    assert j.sources == ["Crossref", "OpenAlex", "DOAJ"] and j.open_access is True
    assert merge_journals([]) is None
    assert is_latin("Meždunarodnye Otnošeniâ") and not is_latin("Международные отношения")


def test_doaj_query_words_cannot_inject_operators() -> None:
    assert words_query('soviet AND "british" OR (diplomacy) issn:1234-5678') == "soviet british diplomacy issn 1234 5678"
    assert words_query("war and peace") == "war and peace"


def test_record_from_hit_names_each_fields_source() -> None:
    h = hit("Crossref", "Peat", "2021", "10.1/x", issns=["1234-5679"], language="en")  # type: ignore[arg-type]
    h.origin = {"title": "Crossref", "date": "OpenAlex"}
    rec = record_from_hit(h)
    assert rec.item_type == "journalArticle"
    assert rec.get("url") == "https://doi.org/10.1/x" and rec.get("ISSN") == "1234-5679"
    assert rec.provenance["date"].source == "import:issn:OpenAlex"
    assert rec.provenance["title"].source == "import:issn:Crossref"
    assert rec.get("libraryCatalog") == "Crossref"


def test_recorded_works_with_missing_dates_and_authors() -> None:
    """The recorded deep-paging answer mixes types, ``issued: [[null]]`` and works with no author."""
    items = _load(RECORDED / "works-cursor.json")["message"]["items"]
    hits = [hit_from_work(i) for i in items]
    assert len(hits) == 20 and all(h.title for h in hits)
    assert hits[0].date == "" and hits[0].creators == []
    merged = merge_hits({"Crossref": hits}, None, 50)
    assert len(merged) == 20
    assert merged[0].date == max(h.date for h in hits)
    assert [h.date for h in merged[-2:]] == ["", ""]  # undated last
