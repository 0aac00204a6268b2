"""A 429 holds its host for the run; the requests it holds say they were not sent, and whose 429 holds them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from refdesk.config import Settings
from refdesk.net import HttpClient, NetworkError

from tests.servers.web import WebServer


@pytest.fixture
def server() -> Iterator[WebServer]:
    with WebServer() as s:
        yield s


def test_requests_held_by_another_urls_429_say_they_were_not_sent(server: WebServer) -> None:
    server.add("/busy", status=429, headers={"Retry-After": "120"}, body=b"")
    server.add("/other", body=b"{}")
    client = HttpClient(Settings(http_cache=False, retries=3, retry_backoff=0.01))
    with pytest.raises(NetworkError):
        client.get(server.url("/busy"), timeout=5)
    with pytest.raises(NetworkError) as held:
        client.get_json(server.url("/other"), timeout=5)
    message = str(held.value)
    assert server.hits.get("/other", 0) == 0
    assert message.startswith(server.url("/other") + ": not sent: ")
    assert f"{server.url('/busy')} answered HTTP 429 too many requests" in message
    assert re.search(r"wait 1[12]\d s more \(until \d\d:\d\d:\d\d\)", message), message
    assert held.value.status == 429  # the host's 429 is why; documented in plugin-authoring.md


def test_a_500_retried_while_the_host_is_held_stays_a_500(server: WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.add("/busy", status=429, headers={"Retry-After": "120"}, body=b"")
    server.add("/broken", status=500, body=b"broken")
    client = HttpClient(Settings(http_cache=False, retries=3, retry_backoff=0.01))
    slept: list[float] = []

    def meanwhile(seconds: float) -> None:  # while /broken waits to be retried, /busy answers 429
        slept.append(seconds)
        with pytest.raises(NetworkError):
            client.get(server.url("/busy"), timeout=1)

    monkeypatch.setattr("refdesk.net.time.sleep", meanwhile)
    with pytest.raises(NetworkError) as failed:
        client.get(server.url("/broken"), timeout=30)
    assert failed.value.status == 500, str(failed.value)
    assert "HTTP 500 internal server error; not asked again: " in str(failed.value)
    assert f"{server.url('/busy')} answered HTTP 429" in str(failed.value)
    assert server.hits["/broken"] == 1 and len(slept) == 1
