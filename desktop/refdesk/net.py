"""The one shared HTTP client of refdesk and its add-ons (httpx).

``HttpClient.get`` returns a ``Response`` with bytes and correctly decoded text,
or raises a ``NetworkError`` that names the URL and what went wrong. Around one
httpx client (thread-safe, pooled connections) it adds what every caller would
otherwise redo: http/https only, a body cap read as a stream, redirects
followed by hand (so a loop is named as a loop and every hop is checked),
retries with backoff that honour ``Retry-After`` (the policy of :mod:`refdesk.retry`,
shared with the Zotero transport), a concurrency limit and an optional minimum
interval per host (so a batch import stays polite), charset sniffing for
legacy-encoded pages, and an on-disk cache (:mod:`refdesk.httpcache`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from refdesk import charset
from refdesk.config import Settings
from refdesk.errors import InvalidInputError, RefdeskError
from refdesk.httpcache import Entry, HttpCache, cache_key, storable
from refdesk.retry import RETRY_STATUSES, Pacer, RetryPolicy, is_challenge, retry_after_seconds

__all__ = ["RETRY_STATUSES", "HttpClient", "NetworkError", "RefusedURLError", "Response", "check_fetchable",
           "retry_after_seconds"]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_REASONS = {
    400: "bad request", 401: "authentication required", 403: "access forbidden", 404: "not found",
    405: "method not allowed", 406: "no acceptable representation", 408: "request timeout", 410: "gone",
    429: "too many requests", 500: "internal server error", 502: "bad gateway", 503: "service unavailable",
    504: "gateway timeout",
}  # fmt: skip


class NetworkError(RefdeskError):
    """A request failed; the message names the URL and the reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class RefusedURLError(NetworkError, InvalidInputError):
    """An address refdesk will not fetch (not http/https, no host)."""


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    encoding: str = "utf-8"
    from_cache: bool = False
    history: list[str] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _Retry(Exception):
    """One attempt failed in a way worth retrying; carries the final error and the server's wish."""

    def __init__(self, error: NetworkError, wait: float | None = None) -> None:
        super().__init__(error.reason)
        self.error = error
        self.wait = wait


def check_fetchable(url: str) -> str:
    """Only http(s) with a host; ``file:``, ``data:``, ``javascript:`` are refused by name."""
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = text[:80] + ("…" if len(text) > 80 else "")
        what = f"'{scheme}:' addresses" if scheme else "addresses without http:// or https://"
        raise RefusedURLError(shown, f"refusing to fetch {what}; only http and https addresses are allowed")
    if not parts.hostname:
        raise RefusedURLError(text, "the address has no host name")
    return text


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


def _connect_reason(exc: Exception) -> str:
    text = str(exc)
    low = text.lower()
    if "ssl" in low or "certificate" in low or "tls" in low:
        return f"TLS/SSL handshake failed ({text[:160]})"
    if "refused" in low:
        return "connection refused (is the server running?)"
    if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo" in low:
        return "the host name could not be resolved"
    return f"could not connect ({text[:160] or exc.__class__.__name__})"


class HttpClient:
    """Thread-safe: one instance serves the GUI's thread pool, the CLI and every add-on.

    ``pacer`` spaces requests per host (``[min_interval]``); the ``AppContext`` passes the one it shares with
    the Zotero transport, so both stacks together keep a service's rate.
    """

    def __init__(self, settings: Settings, pacer: Pacer | None = None) -> None:
        self.settings = settings
        self.policy = RetryPolicy.from_settings(settings)
        self.pacer = pacer if pacer is not None else Pacer(settings.min_interval)
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={"User-Agent": settings.user_agent(), "Accept-Encoding": "gzip, deflate, br"},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        max_bytes = int(settings.http_cache_max_mb * 1024 * 1024) if settings.http_cache_max_mb > 0 else None
        self._cache = HttpCache(settings.cache_path() / "http", max_bytes) if settings.http_cache else None
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()
        self._inflight: dict[str, tuple[threading.Lock, int]] = {}
        self._paused: dict[str, tuple[float, str, float]] = {}  # host -> (monotonic end, URL that got the 429, wall-clock end)
        self.requests_sent = 0  # network requests actually made (the cache's savings show here)
        self._count_lock = threading.Lock()

    # -- public interface ----------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        refresh: bool = False,
        timeout: float | None = None,
    ) -> Response:
        """GET ``url``; a 2xx answer (after redirects) or a ``NetworkError`` naming the URL and the reason."""
        check_fetchable(url)
        full = url.strip().split("#", 1)[0]  # the fragment never reaches the server, so it is not part of the key
        full = str(httpx.URL(full, params=params)) if params else full
        headers = dict(headers or {})
        accept = next((v for k, v in headers.items() if k.lower() == "accept"), "")
        key = cache_key("GET", full, accept)
        if self._cache is None:
            return self._cached_get(key, full, headers, True, timeout)
        with self._inflight_lock(key):  # the same URL asked twice at once: the second waits and reads the cache
            return self._cached_get(key, full, headers, refresh, timeout)

    def _cached_get(self, key: str, full: str, headers: dict[str, str], refresh: bool, timeout: float | None) -> Response:
        stale: Entry | None = None
        if self._cache is not None and not refresh:
            cached = self._cache.load(key)
            if cached is not None and cached.fresh(self.settings.http_cache_ttl):
                return self._from_entry(cached)
            if cached is not None and cached.validators():
                stale = cached
                headers.update(cached.validators())
        resp = self._with_retries(full, headers, timeout)
        if resp.status == 304 and stale is not None and self._cache is not None:
            return self._from_entry(self._cache.touch(key, stale, resp.headers))
        if resp.status == 304:
            raise NetworkError(full, "the server answered 304 Not Modified to an unconditional request", 304)
        if self._cache is not None and storable(resp.status, resp.headers):
            self._cache.save(
                key, Entry(resp.url, resp.status, resp.headers, resp.content, resp.encoding, time.time(), resp.history)
            )
        return resp

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """The decoded JSON answer; a cached answer that is not JSON (a 200 error page) is asked for again."""
        resp = self.get(url, **kwargs)
        try:
            return resp.json()
        except ValueError:
            if not resp.from_cache:
                raise NetworkError(url, "the answer is not valid JSON") from None
        resp = self.get(url, **{**kwargs, "refresh": True})
        try:
            return resp.json()
        except ValueError:
            raise NetworkError(url, "the answer is not valid JSON") from None

    def close(self) -> None:
        self._client.close()
        if self._cache is not None:
            self._cache.close()

    # -- internals -------------------------------------------------------------------
    @staticmethod
    def _from_entry(entry: Entry) -> Response:
        return Response(entry.url, entry.status, dict(entry.headers), entry.content, entry.encoding, True, list(entry.history))

    @contextmanager
    def _inflight_lock(self, key: str) -> Iterator[None]:
        with self._hosts_lock:
            lock, users = self._inflight.get(key, (threading.Lock(), 0))
            self._inflight[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._hosts_lock:
                lock, users = self._inflight[key]
                if users <= 1:
                    del self._inflight[key]
                else:
                    self._inflight[key] = (lock, users - 1)

    def _host_slot(self, url: str) -> threading.BoundedSemaphore:
        key = _host_key(url)
        with self._hosts_lock:
            slot = self._hosts.get(key)
            if slot is None:
                slot = self._hosts[key] = threading.BoundedSemaphore(max(1, int(self.settings.per_host_limit)))
            return slot

    def _with_retries(self, url: str, headers: dict[str, str], timeout: float | None) -> Response:
        """With a ``timeout``, the call (retries included) fits in it: a wait that would not fails at once."""
        policy = self.policy
        attempts = policy.attempts
        deadline = time.monotonic() + timeout if timeout else None
        last: NetworkError | None = None
        for attempt in range(attempts):
            self._wait_for_host(url, deadline, last)
            try:
                return self._follow(url, headers, timeout)
            except _Retry as retry:
                last = retry.error
                if retry.error.status == 429 and retry.wait is not None:
                    self._pause_host(url, retry.wait)  # the next request to the host waits, whoever makes it
                    if attempt < attempts - 1 and retry.wait <= policy.max_wait:
                        continue
                if attempt == attempts - 1:
                    raise retry.error from None
                asked = retry.wait is not None
                wait = retry.wait if retry.wait is not None else policy.backoff_wait(attempt)
                too_late = deadline is not None and time.monotonic() + wait > deadline
                if wait > policy.max_wait or (asked and too_late):
                    raise NetworkError(
                        retry.error.url, f"{retry.error.reason}; the server asks to wait {wait:.0f} s before retrying", retry.error.status
                    ) from None
                if too_late:
                    raise retry.error from None
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause_host(self, url: str, seconds: float) -> None:
        """A 429 with ``Retry-After`` speaks for the whole client: no request goes to the host before it passes."""
        host = _host_key(url)
        until = time.monotonic() + seconds
        with self._hosts_lock:
            if until > self._paused.get(host, (0.0, "", 0.0))[0]:
                self._paused[host] = (until, url, time.time() + seconds)

    def _wait_for_host(self, url: str, deadline: float | None, last: NetworkError | None = None) -> None:
        """Wait out a pause the host asked for, or fail at once (without asking again) when it is too long.

        The failure says the request was not sent and which URL's 429 holds the host until when; a retry
        held so (``last`` is the answer it would repeat) keeps that answer's status and reason: a 500 stays a 500.
        """
        host = _host_key(url)
        with self._hosts_lock:
            held = self._paused.get(host)
        if held is None:
            return
        until, asker, wall = held
        remaining = until - time.monotonic()
        if remaining <= 0:
            return
        if remaining > self.policy.max_wait or (deadline is not None and time.monotonic() + remaining > deadline):
            wait = f"the server asks to wait {remaining:.0f} s more (until {time.strftime('%H:%M:%S', time.localtime(wall))})"
            if last is not None and last.status == 429 and asker == url:
                raise NetworkError(url, f"{last.reason}; {wait}; not asked again", 429)
            why = f"{asker} answered HTTP 429 {_REASONS[429]}; {wait}"
            if last is not None:
                raise NetworkError(last.url, f"{last.reason}; not asked again: {why}", last.status)
            raise NetworkError(url, f"not sent: {why}", 429)
        time.sleep(remaining)
        with self._hosts_lock:
            if self._paused.get(host) == held:
                del self._paused[host]

    def _follow(self, url: str, headers: dict[str, str], timeout: float | None) -> Response:
        """One attempt: follow redirects by hand, at most ``max_redirects``, naming a loop."""
        chain = [url]
        request = self._client.build_request("GET", url, headers=headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT)
        while True:
            status, resp_headers, content, next_request = self._send(request)
            if next_request is None:
                if status in _REDIRECTS:
                    raise NetworkError(chain[0], f"HTTP {status} redirect without a usable Location header", status)
                break
            target = str(next_request.url)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                raise NetworkError(chain[0], f"redirected to a non-http address ({target[:80]}); refused")
            if target in chain:
                loop = " -> ".join([*chain[chain.index(target) :], target])
                raise NetworkError(chain[0], f"redirect loop: {loop}")
            if len(chain) > self.settings.max_redirects:
                raise NetworkError(chain[0], f"too many redirects (more than {self.settings.max_redirects})")
            chain.append(target)
            request = next_request
        final = chain[-1]
        lower = {k.lower(): v for k, v in resp_headers.items()}
        if status == 304:
            return Response(final, status, lower, content, "utf-8", False, chain[:-1])
        if status >= 400:
            reason = f"HTTP {status} {_REASONS.get(status, '')}".rstrip()
            if len(chain) > 1:
                reason += f" (after redirects from {chain[0]})"
            if status in RETRY_STATUSES and is_challenge(lower, content):
                # a bot check ("Just a moment...") answers the same on every retry: final, so a caller's
                # fallback (an identifier in the address) starts at once
                raise NetworkError(final, f"{reason}: a bot check", status)
            error = NetworkError(final, reason, status)
            if self.policy.retryable(status, lower, content):
                raise _Retry(error, retry_after_seconds(lower.get("retry-after")))
            raise error
        encoding = charset.encoding_for(content, lower.get("content-type", ""))
        return Response(final, status, lower, content, encoding, False, chain[:-1])

    @staticmethod
    def _timeout_text(exc: Exception, request: httpx.Request) -> str:
        """'read timeout of 30 s': which phase and the limit that applied."""
        phase = exc.__class__.__name__.removesuffix("Timeout").lower() or "request"
        limits = request.extensions.get("timeout", {})
        seconds = limits.get(phase) if isinstance(limits, dict) else None
        return f"{phase} timeout of {seconds:g} s" if isinstance(seconds, int | float) else f"{phase} timeout"

    def _send(self, request: httpx.Request) -> tuple[int, httpx.Headers, bytes, httpx.Request | None]:
        """One request under the host's concurrency slot; the body is read as a stream up to the cap."""
        url = str(request.url)
        cap = int(self.settings.max_body_bytes)
        with self._host_slot(url):
            self.pacer.wait(url)  # a service's published rate: inside the slot, so starts stay spaced
            with self._count_lock:
                self.requests_sent += 1
            try:
                response = self._client.send(request, stream=True, follow_redirects=False)
            except httpx.TimeoutException as exc:
                raise NetworkError(url, f"timed out ({self._timeout_text(exc, request)})") from None
            except httpx.ConnectError as exc:
                raise NetworkError(url, _connect_reason(exc)) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                raise _Retry(NetworkError(url, f"the connection dropped ({exc.__class__.__name__})")) from None
            except httpx.UnsupportedProtocol:
                raise RefusedURLError(url, "only http and https addresses are allowed") from None
            except httpx.HTTPError as exc:
                raise NetworkError(url, f"request failed ({exc.__class__.__name__}: {str(exc)[:120]})") from None
            try:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap and response.status_code < 300:
                    raise NetworkError(url, f"the answer is {_mb(int(declared))}, over the {_mb(cap)} limit; not downloaded")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise NetworkError(url, f"the answer is larger than the {_mb(cap)} limit; download stopped")
                    chunks.append(chunk)
            except httpx.TimeoutException as exc:
                raise NetworkError(url, f"timed out while reading the answer ({self._timeout_text(exc, request)})") from None
            except httpx.DecodingError as exc:
                raise NetworkError(url, f"the answer could not be decompressed ({str(exc)[:120]})") from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                raise _Retry(NetworkError(url, f"the connection dropped while reading ({exc.__class__.__name__})")) from None
            except httpx.HTTPError as exc:
                raise NetworkError(url, f"reading the answer failed ({exc.__class__.__name__})") from None
            finally:
                response.close()
        return response.status_code, response.headers, b"".join(chunks), response.next_request
