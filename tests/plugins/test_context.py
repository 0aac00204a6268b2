"""The helpers the public API offers add-ons on their context: ``get_json`` and ``memo``."""

from __future__ import annotations

import threading

import pytest
from pytest_httpserver import HTTPServer
from refdesk.plugins.api import MEMO_SIZE, NetworkError, PluginContext


def test_get_json_answers_none_for_missing_and_raises_for_other_failures(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/works/known", query_string={"mailto": "me@example.org", "a": "1"}).respond_with_json({"ok": 1})
    httpserver.expect_request("/works/unknown").respond_with_data("no", status=404)
    httpserver.expect_request("/works/bad-query").respond_with_data("no", status=400)
    context = PluginContext(**{**vars(PluginContext.for_tests("t")), "contact_email": "me@example.org"})

    assert context.get_json(httpserver.url_for("/works/known"), params={"a": "1"}, mailto=True) == {"ok": 1}
    assert context.get_json(httpserver.url_for("/works/unknown")) is None
    assert context.get_json(httpserver.url_for("/works/bad-query"), missing=(400, 404)) is None
    with pytest.raises(NetworkError) as raised:
        context.get_json(httpserver.url_for("/works/bad-query"))
    assert raised.value.status == 400
    with pytest.raises(NetworkError) as raised:
        context.get_json(httpserver.url_for("/works/unknown"), missing=())
    assert raised.value.status == 404


def test_get_json_sends_no_mailto_without_an_address(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x", query_string="").respond_with_json([1])
    assert PluginContext.for_tests("t").get_json(httpserver.url_for("/x"), mailto=True) == [1]


def test_memo_computes_once_per_session_and_add_on() -> None:
    context = PluginContext.for_tests("one")
    same_session = PluginContext(**{**vars(context), "cancelled": lambda: True})  # a later call's context
    other_add_on = PluginContext(**{**vars(context), "name": "two"})
    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value

    assert context.memo("k", lambda: compute("a")) == "a"
    assert same_session.memo("k", lambda: compute("b")) == "a"
    assert other_add_on.memo("k", lambda: compute("c")) == "c"  # add-ons never see each other's values
    assert PluginContext.for_tests("one").memo("k", lambda: compute("d")) == "d"  # another session
    assert calls == ["a", "c", "d"]


def test_memo_forgets_failures_and_keeps_the_recently_used() -> None:
    context = PluginContext.for_tests("t")

    def fail() -> str:
        raise NetworkError("http://x", "down", 503)

    with pytest.raises(NetworkError):
        context.memo("k", fail)
    assert context.memo("k", lambda: "now") == "now"

    for i in range(MEMO_SIZE - 1):  # full: "k" and 0..MEMO_SIZE-2
        context.memo(i, lambda i=i: i)
    context.memo("k", lambda: "recomputed")  # "k" used again: it is now the most recent
    context.memo("new", lambda: "n")  # one too many: the least recently used (0) goes
    assert context.memo("k", lambda: "recomputed") == "now"
    assert context.memo(0, lambda: "again") == "again"


def test_memo_is_shared_across_threads() -> None:
    context = PluginContext.for_tests("t")
    calls = []
    lock = threading.Lock()

    def compute() -> int:
        with lock:
            calls.append(1)
        return 42

    context.memo("k", compute)
    threads = [threading.Thread(target=lambda: context.memo("k", compute)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]


def test_a_retry_after_longer_than_the_call_may_take_fails_at_once_saying_so(httpserver: HTTPServer) -> None:
    """A 429 asking to wait past the add-on's timeout is a plain failure now, not a sleep the host then times out."""
    import time

    from refdesk.config import Settings
    from refdesk.net import HttpClient

    httpserver.expect_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "20"})
    context = PluginContext(name="t", http=HttpClient(Settings(http_cache=False, retries=2)), timeout=2.0)
    started = time.monotonic()
    with pytest.raises(NetworkError) as raised:
        context.get_json(httpserver.url_for("/busy"))
    assert time.monotonic() - started < 2.0
    assert raised.value.status == 429 and "asks to wait 20 s" in str(raised.value)


def test_a_bad_answer_is_not_served_again_from_the_cache(httpserver: HTTPServer) -> None:
    """An HTML error page sent with status 200 is cached like any 200; once the service is back, the next
    call must get the real answer, not the cached page for the rest of the day."""
    from refdesk.config import Settings
    from refdesk.net import HttpClient

    httpserver.expect_oneshot_request("/works/1").respond_with_data("<html><body>Maintenance</body></html>", content_type="text/html")
    httpserver.expect_request("/works/1").respond_with_json({"ok": 1})
    context = PluginContext(name="t", http=HttpClient(Settings(http_cache=True, retries=0)), timeout=5.0)
    with pytest.raises(NetworkError, match="not valid JSON"):
        context.get_json(httpserver.url_for("/works/1"))
    assert context.get_json(httpserver.url_for("/works/1")) == {"ok": 1}
    assert context.get_json(httpserver.url_for("/works/1")) == {"ok": 1}
    assert len(httpserver.log) == 2  # the good answer is cached
