"""A thin layer over pyzotero: endpoint override, version and write-token headers, retries and backoff.

pyzotero makes every API call. This module gives it an ``httpx2`` client whose transport
- sends extra per-request headers the engine asks for (``If-Modified-Since-Version``) and
  replaces pyzotero's random ``Zotero-Write-Token`` with the one the engine journaled,
  so a batch resent after a crash carries the same token;
- waits out ``Backoff`` and ``Retry-After`` (429, 503) and retries 5xx answers and dropped
  connections with exponential backoff, so pyzotero only sees final answers (the policy of
  :mod:`refdesk.retry`, which ``net.HttpClient`` follows too: the same statuses, ``Retry-After``
  as seconds or an HTTP date, ``max_retry_wait``, and the host's ``[min_interval]``);
- counts requests (for the sync report and the benchmark), honours a cancel event, and
  lets tests inject a failure before or after any request (a simulated ``kill -9``).
The API key travels only in the ``Authorization`` header and is scrubbed from every error.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import certifi
import httpx2
from pyzotero import zotero as pz
from pyzotero import zotero_errors as ze
from pyzotero.zotero import retrieve

from refdesk.retry import Pacer, RetryPolicy, retry_after_seconds
from refdesk.zotero.errors import SyncCancelledError, ZoteroAuthError, ZoteroError, ZoteroPausedError, ZoteroUnavailableError

log = logging.getLogger(__name__)
# httpx2 logs every URL at INFO; URLs carry no key, but keep the sync log about sync.
logging.getLogger("httpx2").setLevel(logging.WARNING)

DEFAULT_API_URL = "https://api.zotero.org"

FaultHook = Callable[[httpx2.Request, str], None]


def describe_failure(failure: BaseException | int) -> str:
    """A failed attempt in words: a dropped connection or a status the transport retries."""
    if isinstance(failure, int):
        try:
            return f"the server answered {failure} {HTTPStatus(failure).phrase}"
        except ValueError:
            return f"the server answered {failure}"
    if isinstance(failure, httpx2.RemoteProtocolError):
        return "the connection was closed before an answer"
    if isinstance(failure, httpx2.TimeoutException):
        return "no answer in time"
    if isinstance(failure, httpx2.ConnectError):
        return "no connection could be made"
    if isinstance(failure, httpx2.ReadError | httpx2.WriteError):
        return "the connection broke"
    return f"a network error ({type(failure).__name__})"


def describe_failures(failures: list[BaseException | int]) -> str:
    """The mix of failed attempts, most frequent first: 'the connection was closed before an answer (3 times), ...'."""
    counts: dict[str, int] = {}
    for f in failures:
        text = describe_failure(f)
        counts[text] = counts.get(text, 0) + 1
    parts = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{text} ({'once' if n == 1 else f'{n} times'})" for text, n in parts)


def give_up_message(failures: list[BaseException | int]) -> str:
    """Why the transport stopped retrying, naming every kind of failure, not only the last."""
    n = len(failures)
    attempts = f"{n} attempt{'' if n == 1 else 's'}"
    if all(isinstance(f, int) for f in failures) and len(set(failures)) == 1:
        return f"The Zotero server kept answering {describe_failure(failures[0])[len('the server answered '):]} after {attempts}"
    if not any(isinstance(f, int) for f in failures):
        return f"Cannot reach the Zotero server after {attempts}: {describe_failures(failures)}"
    return f"The Zotero server failed {attempts}: {describe_failures(failures)}"


def api_url(settings_url: str | None) -> str:
    """REFDESK_ZOTERO_API_URL (already folded into settings by config) or the public API."""
    return (os.environ.get("REFDESK_ZOTERO_API_URL") or settings_url or DEFAULT_API_URL).rstrip("/")


def library_parts(library_id: str, user_id: str) -> tuple[str, str]:
    """'user' -> (user_id, 'user'); 'group:123' -> ('123', 'group')."""
    if library_id == "user":
        return user_id, "user"
    if library_id.startswith("group:") and library_id[6:].isdigit():
        return library_id[6:], "group"
    raise ZoteroError(f"Unknown library id '{library_id}': use 'user' or 'group:<group id>'")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle costs ~50 ms)."""
    return ssl.create_default_context(cafile=certifi.where())


class RefdeskZotero(pz.Zotero):
    """pyzotero's client plus the one read it lacks: ``/keys/current`` (the key stays out of the URL)."""

    @retrieve
    def key_current(self, **kwargs: Any) -> str:
        return self._build_query("/keys/current")


class ResilientTransport(httpx2.BaseTransport):
    """Retries, waits and pauses under ``policy`` (refdesk/retry.py); ``pacer`` spaces requests per host."""

    def __init__(
        self,
        inner: httpx2.BaseTransport,
        *,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cancel: threading.Event | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.pacer = pacer or Pacer()
        self.sleep = sleep
        self.cancel = cancel
        self.fault_hook: FaultHook | None = None
        self.requests = 0
        self.waited = 0.0
        self._backoff_until = 0.0
        self.pause_until = 0.0  # wall clock: when Zotero allows requests again (kept across runs by the engine)
        self.last_attempts = 0  # attempts the last request took (> 1: an earlier one may have been applied)
        self.last_status: int | None = None  # status and headers of the last answer handed to pyzotero
        self.last_headers: httpx2.Headers = httpx2.Headers()
        self._local = threading.local()

    # -- per-request context set by the engine ---------------------------
    @contextmanager
    def headers(self, **headers: str) -> Iterator[None]:
        """Send these headers (e.g. a journaled write token) with the requests made inside the block."""
        old = getattr(self._local, "headers", {})
        self._local.headers = {**old, **{k.replace("_", "-"): v for k, v in headers.items()}}
        try:
            yield
        finally:
            self._local.headers = old

    @property
    def retries(self) -> int:
        return self.policy.retries

    @property
    def max_wait(self) -> float:
        """The longest wait made in place; a longer pause stops the sync (``ZoteroPausedError``)."""
        return self.policy.max_wait

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (at most ``max_wait``) before the next request, counted in ``waited``."""
        seconds = min(max(seconds, 0.0), self.max_wait)
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def pause(self, seconds: float) -> None:
        """Honour a server-requested pause: wait when short, otherwise stop here (state is consistent)."""
        self.hold_until(time.time() + seconds, seconds)

    def hold_until(self, until: float, asked: float | None = None) -> None:
        """Make no request before ``until`` (epoch): wait when it is close, otherwise stop with ZoteroPausedError."""
        self.pause_until = max(self.pause_until, until)
        seconds = self.pause_until - time.time()
        if seconds > self.max_wait:
            at = time.strftime("%H:%M:%S", time.localtime(self.pause_until))
            raise ZoteroPausedError(f"Zotero asked clients to pause for {asked if asked is not None else seconds:.0f} s",
                                    self.pause_until, f"nothing was lost, sync again after {at}")
        self._backoff_until = max(self._backoff_until, time.monotonic() + seconds)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        for name, value in getattr(self._local, "headers", {}).items():
            request.headers[name] = value
        attempt = 0
        failures: list[BaseException | int] = []
        while True:
            if self.cancel is not None and self.cancel.is_set():
                raise SyncCancelledError("Sync cancelled; it resumes where it stopped next time")
            pause = self._backoff_until - time.monotonic()
            if pause > self.max_wait:
                self.pause(pause)
            if pause > 0:
                self.wait(pause)
            self.pacer.wait(str(request.url))  # the host's [min_interval], shared with ctx.http
            if self.fault_hook is not None:
                self.fault_hook(request, "send")
            self.requests += 1
            self.last_attempts = attempt + 1
            try:
                response = self.inner.handle_request(request)
                response.read()
            except httpx2.TransportError as exc:
                failures.append(exc)
                if attempt >= self.retries:
                    raise ZoteroUnavailableError(give_up_message(failures)) from None
                log.info("connection problem (%s), retrying", describe_failure(exc))
                self.wait(self.policy.backoff_wait(attempt))
                attempt += 1
                continue
            if self.policy.retryable(response.status_code, response.headers, response.content):
                failures.append(response.status_code)
                if attempt >= self.retries:
                    response.close()
                    raise ZoteroUnavailableError(give_up_message(failures))
                delay, _asked = self.policy.wait(attempt, response.headers)
                log.info("server answered %s, retrying in %.1fs", response.status_code, delay)
                response.close()
                if delay > self.max_wait:
                    self.pause(delay)
                self.wait(delay)
                attempt += 1
                continue
            backoff = response.headers.get("backoff")
            if backoff and response.status_code < 400:
                # The transport owns the waiting (before the next request); pyzotero would otherwise sleep again.
                del response.headers["backoff"]
                seconds = retry_after_seconds(backoff)
                if seconds is not None:
                    self.pause_until = max(self.pause_until, time.time() + seconds)
                    self._backoff_until = max(self._backoff_until, time.monotonic() + seconds)
            self.last_status, self.last_headers = response.status_code, response.headers
            if self.fault_hook is not None:
                self.fault_hook(request, "received")
            return response

    def close(self) -> None:
        self.inner.close()


class ZoteroClient:
    """One account's connection: pyzotero objects per library over one resilient transport."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        user_id: str,
        *,
        timeout: float = 30.0,
        retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        cancel: threading.Event | None = None,
        inner: httpx2.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        """``policy`` (default: ``retries`` and the defaults of ``RetryPolicy``) and ``pacer`` as the settings give them:
        ``sync.open_client`` passes ``RetryPolicy.from_settings`` and the ``AppContext``'s pacer."""
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.user_id = user_id
        self.transport = ResilientTransport(inner or httpx2.HTTPTransport(verify=_ssl_context()),
                                            policy=policy or RetryPolicy(retries=retries), pacer=pacer, sleep=sleep,
                                            cancel=cancel)
        self.http = httpx2.Client(transport=self.transport, timeout=timeout, follow_redirects=True, trust_env=False)
        self._libs: dict[str, RefdeskZotero] = {}

    def __repr__(self) -> str:  # never show the key
        return f"ZoteroClient({self.base_url!r}, user_id={self.user_id!r})"

    def library(self, library_id: str) -> RefdeskZotero:
        if library_id not in self._libs:
            lib, kind = library_parts(library_id, self.user_id)
            zot = RefdeskZotero(lib, kind, self._api_key, client=self.http)
            zot.endpoint = self.base_url
            self._libs[library_id] = zot
        return self._libs[library_id]

    @property
    def requests(self) -> int:
        return self.transport.requests

    # The last answer, read from the transport rather than pyzotero's ``zot.request`` (its own mutable
    # attribute, not part of its API). Libraries sync one after another, so the last answer is the last call's.
    def last_status(self) -> int | None:
        """The status of the last answer (304 when nothing changed since the version asked about)."""
        return self.transport.last_status

    def last_header(self, name: str) -> str:
        return self.transport.last_headers.get(name, "")

    def last_version(self) -> int:
        """``Last-Modified-Version`` of the last answer (0 when it had none)."""
        value = self.last_header("last-modified-version")
        return int(value) if value.isdigit() else 0

    def close(self) -> None:
        self.http.close()

    def redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn pyzotero's exceptions into ZoteroErrors whose message never holds the key."""
        try:
            yield
        except ze.UserNotAuthorisedError as exc:
            raise ZoteroAuthError(
                f"Zotero refused the API key while {what}: {self._reason(exc)}. Check the key's permissions at "
                "https://www.zotero.org/settings/keys and run `refdesk zotero login` again"
            ) from None
        except (ze.TooManyRetriesError, ze.TooManyRequestsError):
            raise ZoteroUnavailableError(f"Zotero kept asking to slow down while {what}", "try again later") from None
        except ze.PyZoteroError as exc:
            if isinstance(exc, ze.PreConditionFailedError | ze.PreConditionRequiredError):
                raise
            raise ZoteroError(self._answered(exc, what)) from None
        except (ValueError, httpx2.HTTPError) as exc:  # e.g. a proxy's HTML page where JSON was expected
            raise ZoteroError(f"Unexpected answer from the Zotero server while {what} ({type(exc).__name__}); "
                              f"is {self.base_url} a Zotero API?") from None

    @staticmethod
    def _parts(exc: BaseException) -> tuple[int | None, str]:
        """The status code and the response text of a pyzotero error (its message has 'Code:' and 'Response:')."""
        text = str(exc)
        code: int | None = None
        for line in text.splitlines():
            if line.startswith("Code:") and line[5:].strip().isdigit():
                code = int(line[5:].strip())
        body = text.split("\nResponse:", 1)[1].strip() if "\nResponse:" in text else ""
        return code, body

    def _answered(self, exc: BaseException, what: str) -> str:
        """'Zotero answered 413 Request Entity Too Large while uploading items[: its plain-text reason]'.

        Zotero's errors are short plain text; a proxy's or load balancer's HTML page is not shown at all.
        """
        code, body = self._parts(exc)
        if code is None:
            return f"Zotero answered an error while {what}: {self._reason(exc)}"
        try:
            status = f"{code} {HTTPStatus(code).phrase}"
        except ValueError:
            status = str(code)
        if not body or body.lstrip().startswith("<"):
            return f"Zotero answered {status} while {what}"
        return f"Zotero answered {status} while {what}: {self.redact(body.splitlines()[0].strip())[:300]}"

    def _reason(self, exc: BaseException) -> str:
        code, body = self._parts(exc)
        if code is not None and (not body or body.lstrip().startswith("<")):  # an HTML page: its status says it
            try:
                return f"{code} {HTTPStatus(code).phrase}"
            except ValueError:
                return f"HTTP {code}"
        text = body or str(exc)
        return self.redact(text.strip().splitlines()[0] if text.strip() else "")[:300] or type(exc).__name__

    def expect(self, value: Any, kind: type, what: str) -> Any:
        """The decoded answer, if it has the documented shape (a proxy or captive portal may answer HTML)."""
        if not isinstance(value, kind):
            raise ZoteroError(f"Unexpected answer from the Zotero server while {what}; is {self.base_url} a Zotero API?")
        return value

    def key_info(self) -> dict[str, Any]:
        with self.errors("checking the API key"):
            info: dict[str, Any] = self.expect(self.library("user").key_current(), dict, "checking the API key")
        info.pop("key", None)
        return info
