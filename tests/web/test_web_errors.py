"""Bad input: each failure is one clear error naming the URL and what was tried, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from refdesk.app import AppContext
from refdesk.errors import ImporterError, InvalidInputError, RefdeskError
from refdesk.importers.web import import_url, import_urls
from refdesk.net import NetworkError

from tests.servers.web import Answer, Route, WebServer, drip, endless


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebServer]:
    with WebServer() as s:
        monkeypatch.setenv("REFDESK_DOI_RESOLVER_URL", s.url("/doi"))
        monkeypatch.setenv("REFDESK_RETRY_BACKOFF", "0.01")
        monkeypatch.setenv("REFDESK_READ_TIMEOUT", "0.5")
        yield s


def _error(url: str) -> RefdeskError:
    with AppContext() as ctx, pytest.raises(RefdeskError) as err:
        import_url(ctx, url)
    return err.value


def test_404(server: WebServer) -> None:
    err = _error(server.url("/gone"))
    assert isinstance(err, NetworkError) and err.status == 404
    assert str(err) == f"{server.url('/gone')}: HTTP 404 not found"


def test_500_after_retries(server: WebServer) -> None:
    server.add("/broken", status=500, body=b"<h1>Internal Server Error</h1>")
    err = _error(server.url("/broken"))
    assert isinstance(err, NetworkError) and "HTTP 500 internal server error" in str(err) and server.url("/broken") in str(err)
    assert server.hits["/broken"] == 4  # the first try and 3 retries


def test_timeout(server: WebServer) -> None:
    server.add("/slow", handler=lambda req: Answer(200, {"Content-Type": "text/html"}, drip([b"<html>", b"</html>"], 2.0)))
    err = _error(server.url("/slow"))
    assert "timed out" in str(err) and server.url("/slow") in str(err)


def test_connection_refused() -> None:
    err = _error("http://127.0.0.1:9/article/1")
    assert "http://127.0.0.1:9/article/1" in str(err) and "connection refused" in str(err)


def test_tls_failure(server: WebServer) -> None:
    server.add("/a", body=b"<html></html>")
    url = server.url("/a").replace("http://", "https://")
    err = _error(url)
    assert url in str(err) and "TLS/SSL handshake failed" in str(err)


def test_pdf_offers_the_doi_route(server: WebServer) -> None:
    server.add("/content/pdf/10.5555/juel.2023.0042.pdf", body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", content_type="application/pdf")
    err = _error(server.url("/content/pdf/10.5555/juel.2023.0042.pdf"))
    assert isinstance(err, ImporterError)
    assert "serves a PDF file, not an article page" in str(err)
    assert "DOI 10.5555/juel.2023.0042" in str(err) and "refdesk import 10.5555/juel.2023.0042" in str(err)


def test_pdf_without_doi_and_other_non_html(server: WebServer) -> None:
    server.add("/paper.pdf", body=b"%PDF-1.4 ...", content_type="application/octet-stream")
    assert "serves a PDF file" in str(_error(server.url("/paper.pdf")))
    server.add("/figure.png", body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
    assert "serves image/png, not a web page" in str(_error(server.url("/figure.png")))


def test_a_50_mb_page_is_refused(server: WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFDESK_MAX_BODY_BYTES", str(4 * 1024 * 1024))  # the same code path as 20 MB, 5x faster
    server.add("/huge", handler=lambda req: Answer(200, {"Content-Type": "text/html"}, endless(total=50 * 1024 * 1024)))
    err = _error(server.url("/huge"))
    assert "larger than the 4 MB limit" in str(err) and server.url("/huge") in str(err)


def test_redirect_loop(server: WebServer) -> None:
    server.add("/a", status=301, headers={"Location": "/b"})
    server.add("/b", status=302, headers={"Location": "/a"})
    err = _error(server.url("/a"))
    assert "redirect loop" in str(err)


def test_page_without_metadata_says_what_was_tried(server: WebServer) -> None:
    server.add("/plain", body=b"<html><head><title>Welcome</title></head><body><p>Hello.</p></body></html>")
    err = _error(server.url("/plain"))
    assert isinstance(err, ImporterError)
    msg = str(err)
    assert msg.startswith(server.url("/plain") + ": no citation metadata found")
    for tried in ("Highwire", "Dublin Core", "JSON-LD", "COinS", "OpenGraph", "unAPI", "VuFind", "DOI"):
        assert tried in msg


def test_malformed_html(server: WebServer) -> None:
    server.add("/junk", body=b"\x00\x01<<<>>>\xff\xfe<meta name=<citation_title content=\"\"\"></html></head>", content_type="text/html")
    err = _error(server.url("/junk"))
    assert isinstance(err, ImporterError) and server.url("/junk") in str(err) and "no citation metadata" in str(err)


def test_malformed_json_ld_is_named(server: WebServer) -> None:
    page = b'<html><head><script type="application/ld+json">{"@type": "ScholarlyArticle", "headline": "Broken</script></head></html>'
    server.add("/badld", body=page)
    err = _error(server.url("/badld"))
    assert isinstance(err, ImporterError) and "JSON-LD block 1 is not valid JSON" in str(err)


def test_refused_schemes_are_invalid_input() -> None:
    with AppContext() as ctx:
        for url in ("file:///etc/passwd", "javascript:alert(1)", "data:text/html,<p>x</p>"):
            with pytest.raises(InvalidInputError, match="only http and https"):
                import_url(ctx, url)


def test_cli_reports_one_line_and_stores_nothing(server: WebServer, cli: object) -> None:
    server.add("/plain", body=b"<html><title>Nothing</title></html>")
    for path in ("/plain", "/missing"):
        result = cli("import", server.url(path))  # type: ignore[operator]
        assert result.code != 0 and "Traceback" not in result.err
        assert result.err.count("\n") == 1 and server.url(path) in result.err
    assert cli("list", "--json").json() == []  # type: ignore[operator]


def test_batch_import_keeps_order_and_reports_each_failure(server: WebServer) -> None:
    page = '<html><head><meta name="citation_title" content="Paper {n}"><meta name="citation_journal_title" content="J"></head></html>'
    for n in range(6):
        server.add(f"/p/{n}", Route(body=page.format(n=n).encode()))
    urls = [server.url(f"/p/{n}") for n in range(6)] + [server.url("/missing")]
    done: list[str] = []
    with AppContext() as ctx:
        results = import_urls(ctx, urls, max_workers=4, on_done=lambda r: done.append(r.url))
    assert [r.url for r in results] == urls and sorted(done) == sorted(urls)
    assert [r.records[0].title for r in results[:6]] == [f"Paper {n}" for n in range(6)]
    assert isinstance(results[6].error, NetworkError) and results[6].records == []
    json.dumps([r.records[0].to_json() for r in results[:6]])


def test_a_meta_refresh_shell_is_followed(server: WebServer) -> None:
    server.add("/resolve", body=b'<html><head><meta http-equiv="refresh" content="0; URL=\'/article/9\'"></head><body>Redirecting</body></html>')
    server.add("/article/9", body=b'<html><head><meta name="citation_title" content="Found it"><meta name="citation_journal_title" content="J"></head></html>')
    with AppContext() as ctx:
        [rec] = import_url(ctx, server.url("/resolve"))
    assert rec.title == "Found it" and rec.get("url") == server.url("/article/9")


def test_no_metadata_after_a_redirect_names_both_addresses(server: WebServer) -> None:
    server.add("/short", status=302, headers={"Location": "/long/landing"})
    server.add("/long/landing", body=b"<html><title>Landing</title></html>")
    msg = str(_error(server.url("/short")))
    assert msg.startswith(f"{server.url('/short')} (reached {server.url('/long/landing')}): no citation metadata found")
