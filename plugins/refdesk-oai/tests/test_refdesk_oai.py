from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from refdesk.plugins.api import SUBJECT, PluginContext, RecordView
from refdesk_oai import plugin

DATA = Path(__file__).resolve().parent / "data"


def _record(url: str, **fields: str) -> RecordView:
    return RecordView.from_data({"itemType": "journalArticle", "url": url, **fields})


def test_endpoint_is_found_from_the_article_url() -> None:
    t = plugin.target_of("https://fmp.elpub.ru/jour/article/view/147")
    assert t is not None and (t.endpoint, t.article_id, t.host) == ("https://fmp.elpub.ru/jour/oai", "147", "fmp.elpub.ru")
    t = plugin.target_of("https://example.org/index.php/jour/article/view/52/40")
    assert t is not None and t.endpoint == "https://example.org/index.php/jour/oai" and t.article_id == "52"
    assert plugin.target_of("https://example.org/some/page") is None
    t = plugin.target_of("https://a.org/j/article/view/1", {"a.org": "https://oai.a.org/oai"})
    assert t is not None and t.endpoint == "https://oai.a.org/oai"


def test_get_record_gives_subjects_and_the_abstract_in_the_records_language(ojs: HTTPServer) -> None:
    ctx = PluginContext.for_tests("oai")
    rec = _record(ojs.url_for("/jour/article/view/147"), language="en", abstractNote="The article examines how Soviet … In the…")
    found = plugin.enrich(record=rec, context=ctx)
    assert found is not None
    subjects = [s.value for s in found if s.field == SUBJECT]
    assert subjects == ["Soviet diplomacy", "British diplomacy", "Genoa conference", "Lausanne conference", "G.V. Chicherin"]
    (abstract,) = [s for s in found if s.field == "abstractNote"]
    assert abstract.value.startswith("The article examines how Soviet and British diplomats")
    assert "<p>" not in abstract.value and abstract.value.endswith("for years to come.")
    assert abstract.source == "OAI-PMH fmp.elpub.ru"
    assert "identifier=oai%3Afmp.elpub.ru%3Aarticle%2F147" in abstract.evidence_url


def test_russian_record_gets_russian_keywords(ojs: HTTPServer) -> None:
    ctx = PluginContext.for_tests("oai")
    found = plugin.enrich(record=_record(ojs.url_for("/jour/article/view/147"), language="ru"), context=ctx)
    assert found is not None
    assert "советская дипломатия" in [s.value for s in found if s.field == SUBJECT]
    assert next(s.value for s in found if s.field == "abstractNote").startswith("В статье")


@pytest.mark.parametrize("article", ["148", "999"])
def test_deleted_or_unknown_record_gives_nothing(ojs: HTTPServer, article: str) -> None:
    ctx = PluginContext.for_tests("oai")
    assert plugin.enrich(record=_record(ojs.url_for(f"/jour/article/view/{article}")), context=ctx) is None


def test_other_urls_are_not_asked() -> None:
    ctx = PluginContext.for_tests("oai")
    assert plugin.enrich(record=_record("https://example.org/paper.pdf"), context=ctx) is None


def test_identify_is_asked_once_per_endpoint(ojs: HTTPServer) -> None:
    ctx = PluginContext.for_tests("oai")
    for _ in range(3):
        assert plugin.enrich(record=_record(ojs.url_for("/jour/article/view/147"), language="en"), context=ctx)
    verbs = [req.args.get("verb") for req, _ in ojs.log]
    assert verbs.count("Identify") <= 1 and verbs.count("GetRecord") == 3


def _serve(server: HTTPServer, getrecord: str | bytes, content_type: str = "text/xml; charset=utf-8") -> None:
    server.expect_request("/jour/oai", query_string={"verb": "Identify"}).respond_with_data(
        (DATA / "identify.xml").read_bytes(), content_type=content_type)
    server.expect_request("/jour/oai").respond_with_data(getrecord, content_type=content_type)


def _getrecord(drop: str = "", add: str = "") -> str:
    text = (DATA / "getrecord-147.xml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not (drop and drop in line)]
    return "\n".join(lines).replace("<dc:date>", add + "<dc:date>")


def _values(found: object, field: str) -> list[str]:
    return [s.value for s in found or [] if s.field == field]  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_without_descriptions_the_records_language_picks_the_subjects(httpserver: HTTPServer, language: str) -> None:
    _serve(httpserver, _getrecord(drop="dc:description"))
    found = plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147"), language=language), context=PluginContext.for_tests("oai"))
    subjects = _values(found, SUBJECT)
    assert len(subjects) == 5
    assert ("Soviet diplomacy" in subjects) == (language == "en") and ("советская дипломатия" in subjects) == (language == "ru")


def test_the_records_language_wins_over_the_language_of_the_abstract_it_continues(httpserver: HTTPServer) -> None:
    _serve(httpserver, _getrecord())
    rec = _record(httpserver.url_for("/jour/article/view/147"), language="ru", abstractNote="The article examines how Soviet…")
    found = plugin.enrich(record=rec, context=PluginContext.for_tests("oai"))
    assert _values(found, "abstractNote")[0].startswith("The article examines")  # completes what is there
    assert "советская дипломатия" in _values(found, SUBJECT) and "Soviet diplomacy" not in _values(found, SUBJECT)


def test_no_abstract_in_another_language_than_the_records(httpserver: HTTPServer) -> None:
    _serve(httpserver, _getrecord(drop='dc:description xml:lang="en-US"'))
    found = plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147"), language="en"), context=PluginContext.for_tests("oai"))
    assert _values(found, "abstractNote") == []
    assert "Soviet diplomacy" in _values(found, SUBJECT) and "советская дипломатия" not in _values(found, SUBJECT)


def test_duplicate_subjects_differing_in_case_or_trailing_punctuation_are_one(httpserver: HTTPServer) -> None:
    extra = "".join(f'<dc:subject xml:lang="en-US">{t}</dc:subject>' for t in ("soviet diplomacy;", "Soviet Diplomacy,", "British diplomacy.", "GENOA CONFERENCE:"))
    _serve(httpserver, _getrecord(add=extra))
    found = plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147"), language="en"), context=PluginContext.for_tests("oai"))
    assert _values(found, SUBJECT) == ["Soviet diplomacy", "British diplomacy", "Genoa conference", "Lausanne conference", "G.V. Chicherin"]


def test_windows_1251_record_is_read(httpserver: HTTPServer) -> None:
    body = _getrecord().replace('encoding="UTF-8"', 'encoding="windows-1251"').encode("cp1251")
    _serve(httpserver, body, "text/xml")
    found = plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147"), language="ru"), context=PluginContext.for_tests("oai"))
    assert "советская дипломатия" in _values(found, SUBJECT)


def _error(code: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f'<responseDate>2024-05-14T09:13:02Z</responseDate><error code="{code}">Said by the server</error></OAI-PMH>')


def test_no_records_match_is_nothing_to_say(httpserver: HTTPServer) -> None:
    _serve(httpserver, _error("noRecordsMatch"))
    assert plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147")), context=PluginContext.for_tests("oai")) is None


@pytest.mark.parametrize(("body", "said"), [
    (_error("badArgument"), "badArgument: Said by the server"),
    (_error("cannotDisseminateFormat"), "cannotDisseminateFormat: Said by the server"),
    ((DATA / "getrecord-147.xml").read_text(encoding="utf-8")[:900], "not well-formed XML"),
    ("<html><body><h1>Maintenance</h1></body></html>", "not an OAI-PMH answer"),
])
def test_bad_answers_are_errors_naming_the_endpoint(httpserver: HTTPServer, body: str, said: str) -> None:
    _serve(httpserver, body)
    with pytest.raises(plugin.OaiError) as caught:
        plugin.enrich(record=_record(httpserver.url_for("/jour/article/view/147")), context=PluginContext.for_tests("oai"))
    assert said in str(caught.value) and httpserver.url_for("/jour/oai") in str(caught.value)


def test_html_descriptions_become_plain_text_without_stray_spaces() -> None:
    """OJS keeps abstracts as HTML: inline tags vanish where they stand, block tags end paragraphs, escaped HTML too."""
    assert plugin.markup_to_text("<p>Growth of <em>Pinus</em>-stands by 10<sup>3</sup> m<sup>2</sup>, p &lt; 0.05.</p><p>Second.</p>") == (
        "Growth of Pinus-stands by 103 m2, p < 0.05.\n\nSecond.")
    assert plugin.markup_to_text("&lt;p&gt;Escaped &lt;i&gt;twice&lt;/i&gt;, p &amp;lt; 0.05.&lt;/p&gt;") == "Escaped twice, p < 0.05."
