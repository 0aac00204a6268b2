"""Pages that refuse a program (issue 15): identifiers in the address, the record's provenance, one clear sentence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from refdesk.app import AppContext
from refdesk.errors import ImporterError, RefdeskError
from refdesk.importers.address import AddressId, identifiers_in
from refdesk.importers.doi import import_doi
from refdesk.importers.web import import_url
from refdesk.net import NetworkError

from tests.servers.scholarly import Journal, Paper, ScholarlyServer, crossref_work
from tests.servers.web import WebServer, json_route
from tests.web.corpus import load_cases, mount, service_urls, serving

REFUSING = [c for c in load_cases() if c.spec.get("class") == "refusing"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.tandfonline.com/doi/full/10.1080/00268976.2013.788745", [("doi", "10.1080/00268976.2013.788745")]),
        ("https://www.tandfonline.com/doi/abs/10.1080/00268976.2013.788745?journalCode=tmph20", [("doi", "10.1080/00268976.2013.788745")]),
        ("https://onlinelibrary.wiley.com/doi/10.1111/j.1467-8624.2010.01499.x/full", [("doi", "10.1111/j.1467-8624.2010.01499.x")]),
        ("https://journals.sagepub.com/doi/epdf/10.1177/0956797620916782", [("doi", "10.1177/0956797620916782")]),
        ("https://link.springer.com/article/10.1007/s00214-020-02651-3", [("doi", "10.1007/s00214-020-02651-3")]),
        ("https://pubs.acs.org/action/showCitFormats?doi=10.1021%2Facs.jpca.9b01234", [("doi", "10.1021/acs.jpca.9b01234")]),
        ("https://www.sciencedirect.com/science/article/pii/S0009261497040141", [("pii", "S0009261497040141")]),
        ("https://www.sciencedirect.com/science/article/abs/pii/S0009-2614(97)04014-1?via%3Dihub", [("pii", "S0009261497040141")]),
        ("https://arxiv.org/abs/2403.01234v2", [("arxiv", "2403.01234")]),
        ("https://arxiv.org/pdf/hep-th/9901001v1", [("arxiv", "hep-th/9901001")]),
        ("https://pubmed.ncbi.nlm.nih.gov/38012345/", [("pmid", "38012345")]),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC10654321/", [("pmcid", "PMC10654321")]),
        ("https://europepmc.org/article/MED/38012345", [("pmid", "38012345")]),
        ("https://www.nature.com/articles/s41586-020-2649-2", []),
        ("https://journal.example.org/abs/1234.5678", []),
    ],
)
def test_identifiers_in_the_address(url: str, expected: list[tuple[str, str]]) -> None:
    assert identifiers_in(url) == [AddressId(k, v) for k, v in expected]


@pytest.mark.parametrize("case", [c for c in REFUSING if c.spec.get("doi") and c.expected.get("DOI")], ids=lambda c: c.name)
def test_a_refused_page_with_an_identifier_imports_as_its_doi_does(case: object, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(case) as server:  # type: ignore[arg-type]
        for name, value in service_urls(server).items():
            monkeypatch.setenv(f"REFDESK_{name.upper()}", value)
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        with AppContext() as ctx:
            [by_url] = import_url(ctx, server.url(case.spec["start"]))  # type: ignore[attr-defined]
            [by_doi] = import_doi(ctx, case.expected["DOI"])  # type: ignore[attr-defined]
    assert {k: v for k, v in by_url.data.items()} == by_doi.data
    assert {f: p.source for f, p in by_url.provenance.items() if f != "import"} == {f: p.source for f, p in by_doi.provenance.items()}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    with WebServer() as s:
        for name, value in service_urls(s).items():
            monkeypatch.setenv(f"REFDESK_{name.upper()}", value)
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        yield s


def _error(url: str) -> RefdeskError:
    with AppContext() as ctx, pytest.raises(RefdeskError) as err:
        import_url(ctx, url)
    return err.value


@pytest.mark.parametrize("status", [401, 403, 429, 503])
def test_a_refusal_without_an_identifier_is_one_sentence(server: WebServer, status: int) -> None:
    server.add("/article/view/water-vendors", status=status, body=b"<html><head><title>Access Denied</title></head><body></body></html>")
    err = _error(server.url("/article/view/water-vendors"))
    assert isinstance(err, NetworkError) and err.status == status
    text = str(err)
    assert text.startswith(server.url("/article/view/water-vendors") + ": the site refused the request (HTTP ")
    assert "paste the article's DOI" in text and "refdesk import 10." in text
    assert text.count(". ") == 0  # one sentence


def test_a_bot_check_without_an_identifier_is_one_sentence(server: WebServer) -> None:
    body = (b"<html><head><title>Just a moment...</title></head><body><div id='challenge-running'>Checking</div>"
            b"<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script></body></html>")  # fmt: skip
    server.add("/articles/water-vendors", body=body)
    err = _error(server.url("/articles/water-vendors"))
    assert isinstance(err, ImporterError)
    assert "the site refused the request (a bot check instead of the article)" in str(err) and "paste the article's DOI" in str(err)


def test_a_missing_page_without_an_identifier_fails_as_before(server: WebServer) -> None:
    err = _error(server.url("/gone"))
    assert isinstance(err, NetworkError) and str(err) == f"{server.url('/gone')}: HTTP 404 not found"


def test_an_identifier_that_leads_nowhere_is_named(server: WebServer) -> None:
    server.add("/science/article/pii/S0009261497049999", status=403, body=b"<html></html>")
    server.add("/crossref/works", json_route({"status": "ok", "message-type": "work-list", "message": {"total-results": 0, "items": []}}))
    err = _error(server.url("/science/article/pii/S0009261497049999"))
    assert "the page refused the request (403)" in str(err)
    assert "the Elsevier PII S0009261497049999: Crossref knows no work with this PII" in str(err)


def test_an_article_page_that_mentions_a_captcha_is_still_read(server: WebServer) -> None:
    body = (b'<html><head><title>Verify you are human: CAPTCHA studies</title><meta name="citation_title" content="CAPTCHA studies">'
            b'<meta name="citation_author" content="Lee, Ann"><meta name="citation_journal_title" content="J"></head>'
            b'<body><div class="g-recaptcha"></div></body></html>')  # fmt: skip
    server.add("/article/7", body=body)
    with AppContext() as ctx:
        [rec] = import_url(ctx, server.url("/article/7"))
    assert rec.title == "CAPTCHA studies" and "import" not in rec.provenance


def test_crossref_alternative_id_filter_on_the_scholarly_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PII lookup as Crossref answers it: ``/works?filter=alternative-id:<PII>``."""
    from refdesk.importers.address import doi_for_pii

    paper = Paper("Water dimer", [("Lars", "Bergström")], "1997-12-12", doi="10.1016/S0009-2614(97)04014-1")
    work = crossref_work(paper, "Chemical Physics Letters", ["0009-2614"], "Elsevier BV") | {"alternative-id": ["S0009261497040141"]}
    with ScholarlyServer() as scholarly:
        scholarly.add(Journal(issns=["0009-2614"], crossref={"title": "Chemical Physics Letters"}, crossref_works=[work]))
        scholarly.env(monkeypatch)
        with AppContext() as ctx:
            assert doi_for_pii(ctx, "S0009261497040141") == "10.1016/S0009-2614(97)04014-1"
            with pytest.raises(ImporterError, match="Crossref knows no work with this PII"):
                doi_for_pii(ctx, "S0009261497049999")
        assert scholarly.params_of("crossref", "/works")[0]["filter"] == "alternative-id:S0009261497040141"


def test_show_says_where_the_record_came_from(server: WebServer, cli: object) -> None:
    case = next(c for c in REFUSING if c.name == "refused-403-tandf-doi")
    mount(server, case)
    result = cli("import", server.url(case.spec["start"]), "--json")  # type: ignore[operator]
    assert result.code == 0, result.err
    shown = cli("show", result.json()[0]["key"])  # type: ignore[operator]
    assert shown.code == 0, shown.err
    note = "the page refused the request (403); from the DOI 10.1080/00268976.2013.788745 in the address via the DOI resolver"
    assert f"Imported           {note}" in shown.out
