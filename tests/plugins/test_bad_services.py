"""Services answering badly, as real ones do: the four real add-ons against local servers.

A bad answer from one service never crashes enrichment, never stores anything of it, never
holds up the other add-ons, and is reported once, naming the add-on and what went wrong.
"""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from refdesk.library import Library

from .conftest import DATA, SEED_CUT_ABSTRACT, seed_record

SEED = DATA / "seed"
DOI = "10.1234/fmp.2022.147"


@pytest.fixture
def bad_sources(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """OAI answers well; Crossref gives an HTML error page with status 200, OpenAlex a 429 asking to wait a minute (past the add-on timeout), DOAJ a 503."""
    xml = "text/xml; charset=utf-8"
    httpserver.expect_request("/jour/oai", query_string={"verb": "Identify"}).respond_with_data(
        (SEED / "oai-identify.xml").read_bytes(), content_type=xml)
    httpserver.expect_request("/jour/oai").respond_with_data((SEED / "oai-getrecord-147.xml").read_bytes(), content_type=xml)
    httpserver.expect_request("/crossref/works/" + DOI).respond_with_data(
        "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>", content_type="text/html")
    httpserver.expect_request("/openalex/works/doi:" + DOI).respond_with_data(
        '{"error": "rate limited"}', status=429, headers={"Retry-After": "60"}, content_type="application/json")
    httpserver.expect_request("/doaj/search/articles/doi:\"" + DOI + "\"").respond_with_data(
        "<html><body>Service Unavailable</body></html>", status=503, content_type="text/html")
    httpserver.expect_request("/doaj/search/journals/issn:2076-7404").respond_with_json({})
    monkeypatch.setenv("REFDESK_DOAJ_API_URL", httpserver.url_for("/doaj"))
    # OpenAlex on a host of its own, as in the world: the pause its 429 asks for holds back that host only
    monkeypatch.setenv("REFDESK_OPENALEX_API_URL", httpserver.url_for("/openalex").replace("//localhost:", "//127.0.0.1:"))
    monkeypatch.setenv("REFDESK_CROSSREF_API_URL", httpserver.url_for("/crossref"))
    return httpserver


def test_bad_answers_are_reported_once_each_and_the_good_service_still_counts(
        bad_sources: HTTPServer, library_path: object, cli: object) -> None:
    with Library.open(str(library_path)) as lib:
        rec = seed_record(url=bad_sources.url_for("/jour/article/view/147"))
        rec.set("DOI", DOI, "web:highwire")
        lib.add(rec, "web:highwire")
        key = rec.key

    started = time.monotonic()
    result = cli("enrich", key, "--json")  # type: ignore[operator]
    assert result.code == 0, result.err
    assert time.monotonic() - started < 20  # nobody sleeps through the minute OpenAlex asked for, nor times out
    report = result.json()
    problems = {p["plugin"]: p["message"] for p in report["problems"]}
    assert len(report["problems"]) == len(problems) == 3, report["problems"]
    assert "not valid JSON" in problems["crossref"]
    assert "429" in problems["openalex"] and "asks to wait 60 s" in problems["openalex"]
    assert "503" in problems["doaj"]
    assert {s["plugin"] for s in report["suggestions"]} == {"oai"}  # only what the good service said
    assert all("<" not in s["value"] for s in report["suggestions"])

    shown = cli("show", key, "--json").json()  # type: ignore[operator]
    assert shown["abstractNote"] == SEED_CUT_ABSTRACT and shown["DOI"] == DOI  # nothing in the library changed
    text = cli("enrich", key)  # type: ignore[operator]
    assert text.code == 0
    for name in ("crossref", "openalex", "doaj"):
        assert sum(line.strip().startswith(f"{name} on {key}") for line in text.err.splitlines()) == 1


def test_a_cut_short_oai_answer_is_not_served_again_from_the_cache(httpserver: HTTPServer) -> None:
    """A truncated GetRecord (status 200, so cached like any answer) must not keep failing once the endpoint is well."""
    from refdesk.config import Settings
    from refdesk.net import HttpClient
    from refdesk.plugins.api import PluginContext, RecordView
    from refdesk_oai import plugin

    xml = "text/xml; charset=utf-8"
    whole = (SEED / "oai-getrecord-147.xml").read_bytes()
    httpserver.expect_request("/jour/oai", query_string={"verb": "Identify"}).respond_with_data(
        (SEED / "oai-identify.xml").read_bytes(), content_type=xml)
    httpserver.expect_oneshot_request("/jour/oai").respond_with_data(whole[: len(whole) // 2], content_type=xml)
    httpserver.expect_oneshot_request("/jour/oai").respond_with_data(whole[: len(whole) // 3], content_type=xml)
    httpserver.expect_request("/jour/oai").respond_with_data(whole, content_type=xml)
    context = PluginContext(name="oai", http=HttpClient(Settings(http_cache=True, retries=0)), timeout=5.0)
    record = RecordView.from_data({"itemType": "journalArticle", "url": httpserver.url_for("/jour/article/view/147"), "language": "en"})
    with pytest.raises(plugin.OaiError, match="not well-formed XML"):
        plugin.enrich(record=record, context=context)
    found = plugin.enrich(record=record, context=context)
    assert found is not None and "Soviet diplomacy" in [s.value for s in found]
