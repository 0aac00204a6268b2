"""One retry policy for both HTTP stacks (issue 17 item 6): refdesk/retry.py, as net.HttpClient and the Zotero transport use it.

No test here measures time: clocks and sleeps are recorded or faked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx2
import pytest
from refdesk.app import AppContext
from refdesk.config import Settings, load_settings
from refdesk.errors import InvalidInputError
from refdesk.importers.web import import_url
from refdesk.net import HttpClient, NetworkError
from refdesk.retry import RETRY_STATUSES, Pacer, RetryPolicy, host_key, is_challenge, retry_after_seconds
from refdesk.zotero.client import ZoteroClient
from refdesk.zotero.errors import ZoteroError, ZoteroUnavailableError

from tests.servers.web import Answer, Request, WebServer
from tests.web.corpus import load_cases, service_urls, serving

CHALLENGE = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id='challenge-running'></div>"
             b"<script>window._cf_chl_opt={cType: 'managed'}</script></body></html>")  # fmt: skip


class FakeClock:
    """A clock that moves only when slept on: waits are recorded, never made."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as s:
        yield s


def _settings(**kw: Any) -> Settings:
    return Settings(**{"retry_backoff": 0.01, "connect_timeout": 2.0, "read_timeout": 5.0, "http_cache": False, **kw})


# -- the policy -----------------------------------------------------------------------------------------------
def test_retry_after_as_seconds_decimal_or_http_date() -> None:
    assert retry_after_seconds("12") == 12.0 and retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0  # already past
    for unreadable in (None, "", "soon", "-3", "nan", "inf"):
        assert retry_after_seconds(unreadable) is None


def test_a_bot_check_is_known_by_its_header_or_markup_and_a_plain_error_is_not() -> None:
    assert is_challenge({"cf-mitigated": "challenge"}, b"")
    assert is_challenge({"Content-Type": "text/html"}, CHALLENGE)
    assert is_challenge({}, b"<html><script src='/_Incapsula_Resource?SWJIYLWA=1'></script></html>")
    assert not is_challenge({"content-type": "text/plain"}, b"Service Unavailable: back in a minute")
    assert not is_challenge({}, b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>")


def test_which_answers_are_retried() -> None:
    policy = RetryPolicy()
    assert all(policy.retryable(s, {}) for s in RETRY_STATUSES)
    assert not policy.retryable(403, {}) and not policy.retryable(404, {}) and not policy.retryable(200, {})
    assert not policy.retryable(503, {"cf-mitigated": "challenge"})
    assert not policy.retryable(503, {}, CHALLENGE) and not policy.retryable(429, {}, CHALLENGE)


def test_the_wait_is_the_servers_else_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=30.0, jitter=0.25)
    assert policy.wait(0, {"Retry-After": "7"}) == (7.0, True)
    assert policy.wait(3, {"backoff": "4"}) == (4.0, True)  # Zotero's Backoff
    assert [policy.backoff_wait(a, rng=lambda: 0.0) for a in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.backoff_wait(2, rng=lambda: 1.0) == 2.5
    wait, asked = policy.wait(1, {})
    assert not asked and 1.0 <= wait <= 1.25


def test_the_policy_comes_from_the_settings() -> None:
    policy = RetryPolicy.from_settings(Settings(retries=2, retry_backoff=0.2, max_retry_wait=45.0))
    assert (policy.retries, policy.attempts, policy.backoff, policy.max_wait) == (2, 3, 0.2, 45.0)


# -- pacing -----------------------------------------------------------------------------------------------------
def test_requests_to_a_paced_host_start_its_interval_apart() -> None:
    clock = FakeClock()
    pacer = Pacer({"api.crossref.org": 0.5, "127.0.0.1:8080": 2}, clock=clock, sleep=clock.sleep)
    waits = [pacer.reserve("https://api.crossref.org/works?x=1") for _ in range(3)]
    assert waits == [0.0, 0.5, 1.0]
    assert pacer.reserve("https://api.openalex.org/works") == 0.0  # a host not named is not paced
    assert pacer.reserve("http://127.0.0.1:8080/a") == 0.0 and pacer.reserve("http://127.0.0.1:8080/b") == 2.0
    assert pacer.reserve("http://127.0.0.1:9090/a") == 0.0  # another port is another service
    clock.now += 10  # long after: no wait
    assert pacer.reserve("https://API.Crossref.org/works") == 0.0
    assert host_key("https://API.crossref.org:443/x") == "api.crossref.org:443" and host_key("http://a.org/") == "a.org"


def test_threads_asking_at_once_are_each_given_their_own_slot() -> None:
    clock = FakeClock()
    pacer = Pacer({"api.zotero.org": 1.0}, clock=clock, sleep=clock.sleep)
    start = threading.Barrier(12)
    got: list[float] = []
    lock = threading.Lock()

    def one() -> None:
        start.wait()
        w = pacer.reserve("https://api.zotero.org/users/1/items")
        with lock:
            got.append(w)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [float(n) for n in range(12)]


def test_the_http_client_keeps_the_min_interval_setting(server: WebServer) -> None:
    server.add("/a", body=b"a").add("/b", body=b"b")
    clock = FakeClock()
    host = server.base.removeprefix("http://")
    settings = _settings(min_interval={host: 3.0})
    client = HttpClient(settings, Pacer(settings.min_interval, clock=clock, sleep=clock.sleep))
    try:
        client.get(server.url("/a"))
        client.get(server.url("/b"))
        client.get(server.url("/a"))
    finally:
        client.close()
    assert clock.slept == [3.0, 6.0]  # the clock stood still: each later request waited for its slot


def test_min_interval_in_the_settings_file_and_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('[min_interval]\n"API.Crossref.org" = 0.02\n"api.zotero.org" = 1\n', encoding="utf-8")
    assert load_settings(file, environ={}).min_interval == {"api.crossref.org": 0.02, "api.zotero.org": 1.0}
    env = {"REFDESK_MIN_INTERVAL": "api.crossref.org=0.1, 127.0.0.1:8000=2"}
    assert load_settings(file, environ=env).min_interval == {"api.crossref.org": 0.1, "127.0.0.1:8000": 2.0}
    file.write_text('[min_interval]\n"api.crossref.org" = "fast"\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"min_interval must be host = seconds pairs"):
        load_settings(file, environ={})
    file.write_text("min_interval = 3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"min_interval must be a table"):
        load_settings(file, environ={})
    with pytest.raises(InvalidInputError, match=r"REFDESK_MIN_INTERVAL must be host = seconds pairs.*got 'x=-1'"):
        load_settings(tmp_path / "none.toml", environ={"REFDESK_MIN_INTERVAL": "x=-1"})


# -- bot checks are final in net.HttpClient ----------------------------------------------------------------------
@pytest.mark.parametrize(("status", "headers", "body"), [
    (503, {"Server": "cloudflare", "cf-mitigated": "challenge"}, CHALLENGE),
    (503, {}, CHALLENGE),
    (429, {}, CHALLENGE),
])  # fmt: skip
def test_a_bot_check_is_asked_once(server: WebServer, status: int, headers: dict[str, str], body: bytes) -> None:
    server.add("/article", status=status, headers=headers, body=body)
    client = HttpClient(_settings(retries=3))
    try:
        with pytest.raises(NetworkError) as err:
            client.get(server.url("/article"))
    finally:
        client.close()
    assert server.hits["/article"] == 1
    assert err.value.status == status and err.value.reason.endswith(": a bot check")


def test_a_transient_503_is_still_retried(server: WebServer) -> None:
    def flaky(req: Request) -> Answer:
        if req.hit < 3:
            return Answer(503, {"Content-Type": "text/html"}, b"<html><title>503 Service Unavailable</title></html>")
        return Answer(200, {"Content-Type": "text/plain"}, b"ok")

    server.add("/busy", handler=flaky)
    client = HttpClient(_settings(retries=3))
    try:
        assert client.get(server.url("/busy")).text == "ok"
    finally:
        client.close()
    assert server.hits["/busy"] == 3


def test_a_challenged_page_falls_back_to_the_doi_in_its_address_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    case = next(c for c in load_cases() if c.name == "refused-503-challenge-doi-param")
    with serving(case) as server:
        for name, value in service_urls(server).items():
            monkeypatch.setenv(f"REFDESK_{name.upper()}", value)
        monkeypatch.setenv("REFDESK_HTTP_CACHE", "false")
        with AppContext() as ctx:
            [rec] = import_url(ctx, server.url(case.spec["start"]))
    assert rec.get("DOI") == case.expected["DOI"]
    assert server.hits["/action/showCitFormats"] == 1  # the challenge was not asked again
    assert "the page refused the request (503)" in rec.provenance["import"].source


# -- AppContext.http from any thread -----------------------------------------------------------------------------
def test_the_shared_client_is_created_once_whichever_threads_ask_first(tmp_path: Path) -> None:
    ctx = AppContext(_settings(), tmp_path / "lib.sqlite")
    start = threading.Barrier(16)
    seen: list[int] = []
    lock = threading.Lock()

    def ask() -> None:
        start.wait()
        client = ctx.http
        with lock:
            seen.append(id(client))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len(seen) == 16 and len(set(seen)) == 1 and ctx.http.pacer is ctx.pacer
    finally:
        ctx.close()


# -- the Zotero transport follows the same policy ----------------------------------------------------------------
def _zotero(handler: Any, **kw: Any) -> tuple[ZoteroClient, list[float]]:
    waits: list[float] = []
    client = ZoteroClient("https://zotero.test", "k" * 24, "1", sleep=waits.append, inner=httpx2.MockTransport(handler), **kw)
    return client, waits


KEY_INFO = {"key": "k" * 24, "userID": 1, "username": "u", "access": {"user": {"library": True}}}


def test_the_zotero_transport_reads_retry_after_as_an_http_date() -> None:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx2.Response(503, headers={"Retry-After": formatdate(time.time() + 30, usegmt=True)})
        return httpx2.Response(200, json=KEY_INFO)

    client, waits = _zotero(handler)
    try:
        assert client.key_info()["userID"] == 1
    finally:
        client.close()
    assert len(calls) == 2 and len(waits) == 1 and 25 <= waits[0] <= 30  # not the exponential 0.5 s


def test_the_zotero_transport_does_not_retry_a_bot_check() -> None:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return httpx2.Response(503, headers={"cf-mitigated": "challenge", "Content-Type": "text/html"}, content=CHALLENGE)

    client, waits = _zotero(handler)
    try:
        with pytest.raises(ZoteroError) as err:
            client.key_info()
    finally:
        client.close()
    assert len(calls) == 1 and waits == []
    assert not isinstance(err.value, ZoteroUnavailableError) and "503 Service Unavailable" in str(err.value)


def test_the_zotero_transport_keeps_the_hosts_min_interval_and_the_max_wait_setting() -> None:
    clock = FakeClock()
    pacer = Pacer({"zotero.test": 1.5}, clock=clock, sleep=clock.sleep)
    policy = RetryPolicy.from_settings(Settings(retries=1, max_retry_wait=45.0))
    client, _ = _zotero(lambda request: httpx2.Response(200, json=KEY_INFO), policy=policy, pacer=pacer)
    try:
        client.key_info()
        client.key_info()
    finally:
        client.close()
    assert clock.slept == [1.5]
    assert client.transport.retries == 1 and client.transport.max_wait == 45.0
