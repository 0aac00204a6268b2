"""One retry policy for refdesk's two HTTP stacks: ``net.HttpClient`` (pages, DOIs, add-ons) and the Zotero transport.

Both ask the same questions of an answer, so they get the same answers here: which statuses are worth asking
again (rate limits, overload, transient server failures, but never a bot check, whose page does not change on
retry), how long the server asks us to wait (``Retry-After`` as seconds or as an HTTP date; Zotero's
``Backoff``), how long to wait when it does not say (exponential, with a little jitter so that clients that
failed together do not retry together), and the longest wait worth making (``max_retry_wait``; a longer one
fails at once, or pauses a sync, with a message naming the wait).

``Pacer`` spaces the requests to one host at least a minimum interval apart: a service's published rate, set as
``[min_interval]`` in the settings (as beets' ``RateLimitAdapter`` and Picard's ``ratecontrol`` do). It is
thread-safe and shared by every caller of the process, so 16 import threads together stay within the rate.

No HTTP library is imported: callers pass a status, headers (any mapping with case-insensitive or lower-case
keys) and the first bytes of the body.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

#: Answers worth asking again: rate limits, overload and transient server failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: How far into a body a bot check is looked for: its markers sit in the head and the first script.
_CHALLENGE_SCAN = 64 * 1024
#: Markup only a bot check (Cloudflare, Incapsula/Imperva, PerimeterX, DataDome, Akamai) carries, lower case.
_CHALLENGE_MARKUP = (
    b"<title>just a moment", b"<title>attention required", b"<title>checking your browser", b"cf_chl_opt",
    b"/cdn-cgi/challenge-platform/", b"_incapsula_resource", b"px-captcha", b"captcha-delivery.com",
    b"<title>pardon our interruption", b"ddos protection by",
)  # fmt: skip


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` (or Zotero's ``Backoff``) as seconds: a number, or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value or ""


def is_challenge(headers: Mapping[str, str], body: bytes = b"") -> bool:
    """The answer is a bot check ("Just a moment...") rather than the service's own answer.

    Cloudflare says so in a header (``cf-mitigated: challenge``); other shields are known by their markup.
    Asking again gets the same page, so such an answer is final whatever its status.
    """
    if _header(headers, "cf-mitigated").strip().lower() == "challenge":
        return True
    head = body[:_CHALLENGE_SCAN].lower()
    return any(marker in head for marker in _CHALLENGE_MARKUP)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, how long, and which answers; made from the settings by ``from_settings``."""

    retries: int = 3  # attempts after the first
    backoff: float = 0.5  # seconds before the first retry when the server names no wait, doubled each time
    max_backoff: float = 30.0  # an exponential wait never grows past this
    max_wait: float = 120.0  # a server's wait longer than this is not waited out: the caller fails or pauses
    jitter: float = 0.25  # up to this fraction is added to an exponential wait

    @classmethod
    def from_settings(cls, settings: Any) -> RetryPolicy:
        """``retries``, ``retry_backoff`` and ``max_retry_wait`` of a ``Settings``."""
        return cls(retries=max(0, int(settings.retries)), backoff=max(0.0, float(settings.retry_backoff)),
                   max_wait=max(0.0, float(settings.max_retry_wait)))

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def retryable(self, status: int, headers: Mapping[str, str], body: bytes = b"") -> bool:
        """A rate limit, overload or transient failure; a bot check with such a status is not one."""
        return status in RETRY_STATUSES and not is_challenge(headers, body)

    def server_wait(self, headers: Mapping[str, str], now: float | None = None) -> float | None:
        """The wait the answer asks for (``Retry-After``, else ``Backoff``), or None when it names none."""
        for name in ("retry-after", "backoff"):
            seconds = retry_after_seconds(_header(headers, name), now)
            if seconds is not None:
                return seconds
        return None

    def backoff_wait(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """The wait before retry number ``attempt + 1`` when the server names none: exponential, capped, jittered."""
        base = min(self.backoff * (2 ** max(0, attempt)), self.max_backoff)
        return base * (1 + self.jitter * rng())

    def wait(self, attempt: int, headers: Mapping[str, str] | None = None) -> tuple[float, bool]:
        """(seconds, whether the server asked for them) before the next attempt."""
        asked = self.server_wait(headers) if headers is not None else None
        if asked is not None:
            return asked, True
        return self.backoff_wait(attempt), False


def host_key(url: str) -> str:
    """``host:port`` (lower case) of an address, port only when it names one: the unit of limits and pauses."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


class Pacer:
    """Starts the requests to one host at least its minimum interval apart, across every thread of the process.

    ``intervals`` maps a host name (``api.crossref.org``) or ``host:port`` to seconds; hosts not named are not
    paced. Each caller reserves the next free moment under a lock and sleeps outside it, so waiting callers
    are served in turn without holding anyone else up.
    """

    def __init__(self, intervals: Mapping[str, float] | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.intervals = {k.strip().lower(): float(v) for k, v in (intervals or {}).items() if float(v) > 0}
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def interval_for(self, url: str) -> float:
        key = host_key(url)
        if key in self.intervals:
            return self.intervals[key]
        return self.intervals.get(key.rsplit(":", 1)[0] if ":" in key else key, 0.0)

    def reserve(self, url: str) -> float:
        """Take the next free moment for ``url``'s host; the seconds until it (0 when it is now)."""
        interval = self.interval_for(url)
        if interval <= 0:
            return 0.0
        key = host_key(url)
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(key, now))
            self._next[key] = start + interval
        return start - now

    def wait(self, url: str) -> float:
        """Sleep until ``url``'s host may be asked again; the seconds slept."""
        seconds = self.reserve(url)
        if seconds > 0:
            self._sleep(seconds)
        return seconds
