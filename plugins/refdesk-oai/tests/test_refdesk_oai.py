from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from refdesk.plugins.api import SUBJECT, PluginContext, RecordView
from refdesk_oai import plugin


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
