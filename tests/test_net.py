"""The shared HTTP client against a real local server: errors, retries, limits, redirects, cache."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from typing import Any

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refdesk import charset
from refdesk.config import Settings
from refdesk.errors import InvalidInputError, RefdeskError
from refdesk.net import HttpClient, NetworkError, RefusedURLError, retry_after_seconds

from tests.servers.web import Answer, Request, WebServer, drip, endless


def make_settings(**kw: Any) -> Settings:
    base: dict[str, Any] = {"retry_backoff": 0.01, "connect_timeout": 2.0, "read_timeout": 5.0, "contact_email": "me@example.org"}
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as s:
        yield s


@pytest.fixture
def http() -> Iterator[HttpClient]:
    client = HttpClient(make_settings())
    yield client
    client.close()


def test_get_sends_a_descriptive_user_agent_with_the_contact(server: WebServer, http: HttpClient) -> None:
    server.add("/a", body=b"<html>hi</html>")
    resp = http.get(server.url("/a"))
    assert resp.status == 200 and resp.text == "<html>hi</html>" and resp.content_type == "text/html"
    ua = server.requests[0].headers["user-agent"]
    assert ua.startswith("refdesk/") and "mailto:me@example.org" in ua


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org/x"])
def test_only_http_and_https_are_fetched(http: HttpClient, url: str) -> None:
    with pytest.raises(RefusedURLError) as err:
        http.get(url)
    scheme = url.split(":")[0]
    assert f"'{scheme}:'" in str(err.value) and "only http and https" in str(err.value)
    assert isinstance(err.value, NetworkError) and isinstance(err.value, InvalidInputError)


def test_http_errors_name_the_url_and_status(server: WebServer, http: HttpClient) -> None:
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/missing"))
    assert err.value.status == 404 and server.url("/missing") in str(err.value) and "404 not found" in str(err.value)


def test_5xx_is_retried_then_reported(server: WebServer) -> None:
    server.add("/boom", status=500, body=b"oops")
    client = HttpClient(make_settings(retries=2, http_cache=False))
    with pytest.raises(NetworkError) as err:
        client.get(server.url("/boom"))
    assert err.value.status == 500 and "500 internal server error" in str(err.value)
    assert server.hits["/boom"] == 3


def test_retry_after_is_honoured_on_503_and_429(server: WebServer, http: HttpClient) -> None:
    def flaky(req: Request) -> Answer:
        if req.hit == 1:
            return Answer(503, {"Retry-After": "0", "Content-Type": "text/plain"}, b"busy")
        if req.hit == 2:
            return Answer(429, {"Retry-After": "0", "Content-Type": "text/plain"}, b"slow down")
        return Answer(200, {"Content-Type": "application/json"}, b'{"ok": true}')

    server.add("/flaky", handler=flaky)
    assert http.get_json(server.url("/flaky")) == {"ok": True}
    assert server.hits["/flaky"] == 3


def test_a_long_retry_after_fails_at_once_with_the_wait(server: WebServer, http: HttpClient) -> None:
    server.add("/later", status=429, headers={"Retry-After": "3600"}, body=b"")
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/later"))
    assert "asks to wait 3600 s" in str(err.value) and server.hits["/later"] == 1


def test_retry_after_as_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("12") == 12.0 and retry_after_seconds("soon") is None


def test_a_dropped_connection_is_retried(server: WebServer, http: HttpClient) -> None:
    def cut(req: Request) -> Answer:
        if req.hit == 1:
            return Answer(200, {"Content-Type": "text/plain", "Content-Length": "1000"}, iter([b"partial"]))
        return Answer(200, {"Content-Type": "text/plain"}, b"whole")

    server.add("/cut", handler=cut)
    assert http.get(server.url("/cut")).text == "whole"


def test_connection_refused(http: HttpClient) -> None:
    with pytest.raises(NetworkError) as err:
        http.get("http://127.0.0.1:9/article")
    assert "connection refused" in str(err.value) and "127.0.0.1:9/article" in str(err.value)


def test_read_timeout(server: WebServer) -> None:
    server.add("/slow", handler=lambda req: Answer(200, {"Content-Type": "text/html"}, drip([b"a", b"b"], 1.0)))
    client = HttpClient(make_settings(read_timeout=0.2, retries=0))
    with pytest.raises(NetworkError) as err:
        client.get(server.url("/slow"))
    assert "timed out" in str(err.value)


def test_tls_failure_is_named(server: WebServer, http: HttpClient) -> None:
    server.add("/a", body=b"plain")
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/a").replace("http://", "https://"))
    assert "TLS/SSL" in str(err.value)


def test_body_cap_on_a_streamed_50_mb_answer(server: WebServer) -> None:
    server.add("/huge", handler=lambda req: Answer(200, {"Content-Type": "text/html"}, endless(total=50 * 1024 * 1024)))
    client = HttpClient(make_settings(max_body_bytes=2 * 1024 * 1024))
    with pytest.raises(NetworkError) as err:
        client.get(server.url("/huge"))
    assert "larger than the 2 MB limit" in str(err.value)


def test_body_cap_on_a_declared_length(server: WebServer, http: HttpClient) -> None:
    server.add("/big", handler=lambda req: Answer(200, {"Content-Length": str(50 * 1024 * 1024)}, iter([b"x"])))
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/big"))
    assert "the answer is 50 MB, over the 20 MB limit" in str(err.value)


def test_redirects_are_followed_and_recorded(server: WebServer, http: HttpClient) -> None:
    server.add("/old", status=301, headers={"Location": "/new"})
    server.add("/new", body=b"moved here")
    resp = http.get(server.url("/old"))
    assert resp.text == "moved here" and resp.url == server.url("/new") and resp.history == [server.url("/old")]


def test_redirect_loop_is_named_a_loop(server: WebServer, http: HttpClient) -> None:
    server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=302, headers={"Location": "/a"})
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/a"))
    assert "redirect loop" in str(err.value) and f"{server.url('/a')} -> {server.url('/b')} -> {server.url('/a')}" in str(err.value)


def test_too_many_redirects(server: WebServer, http: HttpClient) -> None:
    for n in range(15):
        server.add(f"/r{n}", status=302, headers={"Location": f"/r{n + 1}"})
    with pytest.raises(NetworkError) as err:
        http.get(server.url("/r0"))
    assert "too many redirects (more than 10)" in str(err.value) and server.hits["/r11"] == 0


def test_a_redirect_to_a_file_url_is_refused(server: WebServer, http: HttpClient) -> None:
    server.add("/evil", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(RefdeskError) as err:
        http.get(server.url("/evil"))
    assert "file:" in str(err.value)


def test_gzip_and_brotli(server: WebServer, http: HttpClient) -> None:
    page = "<html><body>Привет</body></html>".encode()
    server.add("/gz", body=gzip.compress(page), headers={"Content-Encoding": "gzip"})
    server.add("/br", body=brotli.compress(page), headers={"Content-Encoding": "br"})
    assert http.get(server.url("/gz")).text == page.decode()
    assert http.get(server.url("/br")).text == page.decode()
    assert "br" in server.requests[0].headers["accept-encoding"]


RUSSIAN = (
    "Вестник Московского университета. Серия XXV: Международные отношения и мировая политика. "
    "В статье рассматривается, как советские и британские дипломаты вели переговоры на международных "
    "конференциях накануне образования СССР, опираясь на документы российских и британских архивов."
)


@pytest.mark.parametrize(
    ("codec", "content_type", "meta"),
    [
        ("cp1251", "text/html; charset=windows-1251", ""),
        ("cp1251", "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
        ("koi8-r", "text/html", '<meta charset="koi8-r">'),
        ("cp1251", "text/html", ""),
        ("koi8-r", "text/html", ""),
        ("utf-8", "text/html", ""),
    ],
)
def test_charset_from_header_meta_or_detection(server: WebServer, http: HttpClient, codec: str, content_type: str, meta: str) -> None:
    html = f"<html><head>{meta}<title>{RUSSIAN[:40]}</title></head><body><p>{RUSSIAN}</p></body></html>"
    server.add("/ru", body=html.encode(codec), content_type=content_type)
    assert RUSSIAN in http.get(server.url("/ru")).text


def test_a_wrong_utf8_header_does_not_mangle_a_cp1251_page(server: WebServer, http: HttpClient) -> None:
    html = f'<html><head><meta charset="windows-1251"></head><body>{RUSSIAN}</body></html>'
    server.add("/liar", body=html.encode("cp1251"), content_type="text/html; charset=utf-8")
    assert RUSSIAN in http.get(server.url("/liar")).text


def test_the_same_page_twice_costs_one_request(server: WebServer, http: HttpClient) -> None:
    server.add("/page", body=b"<html>cached</html>")
    first = http.get(server.url("/page"))
    second = http.get(server.url("/page"))
    assert not first.from_cache and second.from_cache and second.text == "<html>cached</html>"
    assert server.hits["/page"] == 1
    assert http.get(server.url("/page"), refresh=True).from_cache is False
    assert server.hits["/page"] == 2


def test_the_cache_survives_a_new_client_and_keys_on_accept(server: WebServer) -> None:
    server.add("/doi", body=b"{}", content_type="application/json")
    HttpClient(make_settings()).get(server.url("/doi"), headers={"Accept": "application/json"})
    again = HttpClient(make_settings()).get(server.url("/doi"), headers={"Accept": "application/json"})
    assert again.from_cache and server.hits["/doi"] == 1
    HttpClient(make_settings()).get(server.url("/doi"), headers={"Accept": "text/html"})
    assert server.hits["/doi"] == 2


def test_params_are_part_of_the_cache_key(server: WebServer, http: HttpClient) -> None:
    server.add("/q", handler=lambda req: Answer(200, {"Content-Type": "text/plain"}, req.query.encode()))
    assert http.get(server.url("/q"), params={"a": "1"}).text == "a=1"
    assert http.get(server.url("/q"), params={"a": "2"}).text == "a=2"


def test_stale_entries_are_revalidated_with_etag(server: WebServer) -> None:
    def tagged(req: Request) -> Answer:
        if req.headers.get("if-none-match") == '"v1"':
            return Answer(304, {"ETag": '"v1"', "Cache-Control": "max-age=0"}, b"")
        return Answer(200, {"Content-Type": "text/html", "ETag": '"v1"', "Cache-Control": "max-age=0"}, b"etagged")

    server.add("/e", handler=tagged)
    client = HttpClient(make_settings())
    assert client.get(server.url("/e")).text == "etagged"
    again = client.get(server.url("/e"))
    assert again.text == "etagged" and again.from_cache and server.hits["/e"] == 2


def test_no_store_and_disabled_cache(server: WebServer) -> None:
    server.add("/private", body=b"x", headers={"Cache-Control": "no-store"})
    client = HttpClient(make_settings())
    client.get(server.url("/private"))
    client.get(server.url("/private"))
    assert server.hits["/private"] == 2
    server.add("/plain", body=b"y")
    off = HttpClient(make_settings(http_cache=False))
    off.get(server.url("/plain"))
    off.get(server.url("/plain"))
    assert server.hits["/plain"] == 2


def test_per_host_limit_holds_under_a_thread_pool(server: WebServer) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def counted(req: Request) -> Answer:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return Answer(200, {"Content-Type": "text/plain"}, req.path.encode())

    for n in range(12):
        server.add(f"/p{n}", handler=counted)
    client = HttpClient(make_settings(per_host_limit=2, http_cache=False))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        texts = list(pool.map(lambda n: client.get(server.url(f"/p{n}")).text, range(12)))
    assert texts == [f"/p{n}" for n in range(12)]
    assert peak == 2


def test_the_same_url_asked_at_once_is_fetched_once(server: WebServer, http: HttpClient) -> None:
    server.add("/popular", body=b"<html>once</html>", delay=0.2)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        texts = list(pool.map(lambda _: http.get(server.url("/popular")).text, range(6)))
    assert texts == ["<html>once</html>"] * 6 and server.hits["/popular"] == 1


def test_the_wait_is_the_servers_retry_after_else_exponential(server: WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("refdesk.net.time.sleep", waits.append)
    server.add("/busy", status=503, headers={"Retry-After": "7"}, body=b"")
    server.add("/down", status=502, body=b"")
    client = HttpClient(make_settings(retries=2, retry_backoff=1.0, http_cache=False))
    with pytest.raises(NetworkError):
        client.get(server.url("/busy"))
    assert waits == [7.0, 7.0]
    waits.clear()
    with pytest.raises(NetworkError):
        client.get(server.url("/down"))
    assert len(waits) == 2 and 1.0 <= waits[0] <= 1.25 and 2.0 <= waits[1] <= 2.5


def test_the_fragment_is_not_part_of_the_request(server: WebServer, http: HttpClient) -> None:
    server.add("/a", body=b"x")
    assert http.get(server.url("/a#abstract")).url == server.url("/a")
    assert http.get(server.url("/a#references")).from_cache and server.hits["/a"] == 1



@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["text/html", "text/html; charset=bogus", "text/html; charset=utf-16", "application/json", "", "text/xml"]),
       st.sampled_from([b"", b'<meta charset="koi8-r">', b'<?xml version="1.0" encoding="nope"?>', b'<meta charset="utf-16">']))
def test_charset_sniffing_never_fails(body: bytes, content_type: str, declaration: bytes) -> None:
    data = declaration + body
    name = charset.encoding_for(data, content_type)
    data.decode(name, errors="replace")


def test_a_429_holds_every_request_to_its_host_until_its_wait_passes(server: WebServer, http: HttpClient) -> None:
    """Retry-After on a 429 speaks for the client as a whole: the next request to that host, for any address,
    fails at once naming the wait instead of asking again (each record of an enrichment run would)."""
    server.add("/later", status=429, headers={"Retry-After": "3600"}, body=b"")
    server.add("/other", body=b"{}")
    with pytest.raises(NetworkError, match="asks to wait 3600 s"):
        http.get(server.url("/later"))
    with pytest.raises(NetworkError, match=r"429 too many requests; the server asks to wait 3\d\d\d s more") as err:
        http.get_json(server.url("/other"))
    assert err.value.status == 429 and server.hits.get("/other", 0) == 0 and server.hits["/later"] == 1


def test_a_short_429_wait_is_waited_once_then_asked_again(server: WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("refdesk.net.time.sleep", waits.append)

    def once(req: Request) -> Answer:
        if req.hit == 1:
            return Answer(429, {"Retry-After": "2", "Content-Type": "text/plain"}, b"slow down")
        return Answer(200, {"Content-Type": "application/json"}, b'{"ok": true}')

    server.add("/once", handler=once)
    client = HttpClient(make_settings(retries=2, http_cache=False))
    assert client.get_json(server.url("/once")) == {"ok": True}
    assert len(waits) == 1 and 1.9 <= waits[0] <= 2.0 and server.hits["/once"] == 2
