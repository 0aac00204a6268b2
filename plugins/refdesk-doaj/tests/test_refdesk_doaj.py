from __future__ import annotations

from pytest_httpserver import HTTPServer
from refdesk.plugins.api import SUBJECT, PluginContext, RecordView
from refdesk_doaj import plugin


def _ctx(server: HTTPServer, **settings: object) -> PluginContext:
    return PluginContext.for_tests("doaj", services={"doaj": server.url_for("/api")}, settings=settings)


def _by_field(found: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in found or []:  # type: ignore[attr-defined]
        out.setdefault(s.field, []).append(s.value)
    return out


def test_article_by_doi_gives_abstract_keywords_and_journal_lcc(doaj: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.7717/peerj.14276", "ISSN": "2167-8359"})
    found = plugin.enrich(record=rec, context=_ctx(doaj))
    fields = _by_field(found)
    assert fields["abstractNote"][0].startswith("Terrestrial biomes in South America")
    assert "<i>" not in fields["abstractNote"][0] and "that fire reduces" in fields["abstractNote"][0]
    assert fields[SUBJECT] == ["Thermal ecology", "Climate change", "Fire", "Cerrado", "Biology (General)", "Medicine"]
    sources = {s.value: s.source for s in found or []}
    assert sources["Medicine"] == "DOAJ (journal, LCC)" and sources["Fire"] == "DOAJ"


def test_title_search_needs_the_same_journal(doaj: HTTPServer) -> None:
    title = "Thermal tolerance of a South American lizard facing warming and fire"
    same = RecordView.from_data({"itemType": "journalArticle", "title": title, "ISSN": "2167-8359"})
    assert "abstractNote" in _by_field(plugin.enrich(record=same, context=_ctx(doaj)))
    other = RecordView.from_data({"itemType": "journalArticle", "title": title, "ISSN": "20767404"})
    fields = _by_field(plugin.enrich(record=other, context=_ctx(doaj)))
    assert "abstractNote" not in fields
    assert fields[SUBJECT] == ["Political science", "International relations"]


def test_journal_subjects_can_be_switched_off_and_unknown_gives_none(doaj: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "title": "Unknown", "ISSN": "2076-7404"})
    assert plugin.enrich(record=rec, context=_ctx(doaj, journal_subjects=False)) is None
    assert plugin.enrich(record=RecordView.from_data({"itemType": "book", "title": "X"}), context=_ctx(doaj)) is None


def test_null_values_do_not_crash_or_give_garbage(httpserver: HTTPServer) -> None:
    """DOAJ's documented keys with null values, results without bibjson: what is usable is used, nothing made up."""
    httpserver.expect_request('/api/search/articles/doi:"10.1234/nulls"').respond_with_json({"total": 3, "results": [
        None, {"bibjson": None},
        {"bibjson": {"identifier": None, "title": None}},
        {"bibjson": {"identifier": [None, {"type": "doi", "id": None}, {"type": "doi", "id": "10.1234/nulls"}],
                     "abstract": None, "keywords": None, "journal": None}}]})
    httpserver.expect_request("/api/search/journals/issn:1234-5678").respond_with_json({"total": 2, "results": [
        {"bibjson": {"eissn": None, "pissn": "1234-5678", "subject": None}},
        {"bibjson": {"eissn": "1234-5678", "subject": [None, {"scheme": "LCC", "term": None}, {"scheme": "LCC", "term": "Ecology"}]}}]})
    httpserver.expect_request("/api/search/articles/bibjson.title:\"Null journal\"").respond_with_json({"results": [
        {"bibjson": {"title": "Null journal", "journal": {"issns": None}, "identifier": None, "abstract": "Text."}}]})
    httpserver.expect_request("/api/search/journals/issn:8765-4321").respond_with_json({"results": None})
    ctx = _ctx(httpserver)
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1234/nulls", "ISSN": "1234-5678"})
    assert _by_field(plugin.enrich(record=rec, context=ctx)) == {SUBJECT: ["Ecology"]}
    rec = RecordView.from_data({"itemType": "journalArticle", "title": "Null journal", "ISSN": "8765-4321"})
    assert plugin.enrich(record=rec, context=ctx) is None


def test_inline_markup_and_entities_become_plain_text(httpserver: HTTPServer) -> None:
    """<i>, <sup> inside words stay glued to them; paragraphs stay paragraphs; escaped markup is markup too."""
    abstract = ("<p>Growth of <i>Pinus</i>-stands rose by 10<sup>3</sup> m<sup>2</sup>, p &lt; 0.05 (caf&eacute;).</p>"
                "<p>&lt;b&gt;Second&lt;/b&gt; paragraph, q &amp;gt; 1.</p>")
    httpserver.expect_request('/api/search/articles/doi:"10.1234/markup"').respond_with_json({"results": [{"bibjson": {
        "identifier": [{"type": "doi", "id": "10.1234/markup"}], "abstract": abstract, "keywords": ["<i>Pinus</i>", "A &amp; B"]}}]})
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1234/markup"})
    fields = _by_field(plugin.enrich(record=rec, context=_ctx(httpserver, journal_subjects=False)))
    assert fields["abstractNote"] == ["Growth of Pinus-stands rose by 103 m2, p < 0.05 (café).\n\nSecond paragraph, q > 1."]
    assert fields[SUBJECT] == ["Pinus", "A & B"]
