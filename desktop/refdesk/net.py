"""The one shared HTTP client of refdesk and its add-ons (httpx).

Interface first: ``HttpClient.get`` returns a ``Response`` with bytes and decoded
text, or raises a ``NetworkError`` that names the URL and what went wrong.
Hardening (cache, retries, charset detection, per-host limits) is layered in here
without changing that interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from refdesk.config import Settings
from refdesk.errors import RefdeskError
from refdesk.identifiers import check_url


class NetworkError(RefdeskError):
    """A request failed; the message names the URL and the reason."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


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
        import json

        return json.loads(self.content)


class HttpClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = httpx.Client(
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={"User-Agent": settings.user_agent()},
        )

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        refresh: bool = False,
        timeout: float | None = None,
    ) -> Response:
        check_url(url)
        try:
            r = self._client.get(url, params=params, headers=headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT)
        except httpx.TooManyRedirects:
            raise NetworkError(url, f"redirect loop (more than {self.settings.max_redirects} redirects)") from None
        except httpx.TimeoutException:
            raise NetworkError(url, "timed out") from None
        except httpx.HTTPError as exc:
            raise NetworkError(url, f"connection failed ({exc.__class__.__name__})") from None
        if r.status_code >= 400:
            raise NetworkError(url, f"HTTP {r.status_code}", r.status_code)
        return Response(str(r.url), r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content, r.encoding or "utf-8")

    def get_json(self, url: str, **kwargs: Any) -> Any:
        resp = self.get(url, **kwargs)
        try:
            return resp.json()
        except ValueError:
            raise NetworkError(url, "the answer is not valid JSON") from None

    def close(self) -> None:
        self._client.close()
