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
