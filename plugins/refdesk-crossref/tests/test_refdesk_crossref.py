from __future__ import annotations

from pytest_httpserver import HTTPServer
from refdesk.plugins.api import SUBJECT, PluginContext, RecordView
from refdesk_crossref import plugin


def _ctx(server: HTTPServer) -> PluginContext:
    return PluginContext.for_tests("crossref", services={"crossref": server.url_for("/").rstrip("/")})


def test_jats_to_plain_text() -> None:
    jats = ("<jats:title>Abstract</jats:title><jats:sec><jats:title>Background</jats:title>"
            "<jats:p>Spiders <jats:italic>Meta bourneti</jats:italic> live in caves &amp; mines.</jats:p></jats:sec>"
            "<jats:p>Second   paragraph.</jats:p>")
    assert plugin.markup_to_text(jats) == "Background\n\nSpiders Meta bourneti live in caves & mines.\n\nSecond paragraph."


def test_recorded_work_gives_its_abstract_and_the_journal_subjects(crossref: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.7717/peerj.14276"})
    found = plugin.enrich(record=rec, context=_ctx(crossref))
    assert found is not None
    (abstract,) = [s for s in found if s.field == "abstractNote"]
    assert abstract.value.startswith("Background\n\nTerrestrial biomes in South America are likely to experience")
    assert "<" not in abstract.value and "jats" not in abstract.value
    assert abstract.source == "Crossref" and abstract.evidence_url.endswith("/works/10.7717/peerj.14276")
    subjects = [s.value for s in found if s.field == SUBJECT]
    assert subjects == ["General Agricultural and Biological Sciences", "General Biochemistry, Genetics and Molecular Biology",
                        "General Medicine", "General Neuroscience"]
    assert {s.source for s in found if s.field == SUBJECT} == {"Crossref (journal)"}


def test_recorded_work_without_abstract_or_subjects_gives_none(crossref: HTTPServer) -> None:
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1371/journal.pone.0033693"})
    assert plugin.enrich(record=rec, context=_ctx(crossref)) is None


def test_recorded_journal_without_subjects(crossref: HTTPServer) -> None:
    assert plugin.journal_subjects(_ctx(crossref), "1803-2427")[0] == []


def test_unknown_doi_and_no_doi(crossref: HTTPServer) -> None:
    ctx = _ctx(crossref)
    assert plugin.enrich(record=RecordView.from_data({"itemType": "journalArticle", "DOI": "10.9999/nope"}), context=ctx) is None
    assert plugin.enrich(record=RecordView.from_data({"itemType": "journalArticle", "title": "x"}), context=ctx) is None


def test_null_and_empty_values_give_no_garbled_subjects(httpserver: HTTPServer) -> None:
    """Crossref's documented keys with null members: no "None" subject, no crash, nothing made up."""
    httpserver.expect_request("/works/10.1234/nulls").respond_with_json(
        {"status": "ok", "message-type": "work", "message": {"abstract": None, "subject": [None, "", "Ecology"], "ISSN": [None, "1234-5678"]}})
    httpserver.expect_request("/works/10.1234/null-journal").respond_with_json(
        {"status": "ok", "message-type": "work", "message": {"abstract": None, "subject": None, "ISSN": None}})
    httpserver.expect_request("/journals/1234-5678").respond_with_json(
        {"status": "ok", "message-type": "journal", "message": {"subjects": [{"ASJC": 1105, "name": None}, None, {"ASJC": 2303, "name": "Ecology"}]}})
    ctx = _ctx(httpserver)
    found = plugin.enrich(record=RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1234/nulls"}), context=ctx)
    assert [s.value for s in found or []] == ["Ecology"]
    rec = RecordView.from_data({"itemType": "journalArticle", "DOI": "10.1234/null-journal", "ISSN": "1234-5678"})
    assert [s.value for s in plugin.enrich(record=rec, context=ctx) or []] == ["Ecology"]


def test_escaped_markup_and_cdata_become_plain_text() -> None:
    """Some deposits hold their abstract's HTML entity-escaped, or in CDATA: still plain text, nothing lost."""
    assert plugin.markup_to_text("&lt;p&gt;We study &lt;i&gt;Pinus&lt;/i&gt; at p &amp;lt; 0.05.&lt;/p&gt;&lt;p&gt;Second.&lt;/p&gt;") == (
        "We study Pinus at p < 0.05.\n\nSecond.")
    assert plugin.markup_to_text("<jats:p><![CDATA[Spiders & caves]]></jats:p>") == "Spiders & caves"
    assert plugin.markup_to_text("<jats:p>Growth of 10<jats:sup>3</jats:sup> when p &lt; 0.05 and q &gt; 1.</jats:p>") == (
        "Growth of 103 when p < 0.05 and q > 1.")
