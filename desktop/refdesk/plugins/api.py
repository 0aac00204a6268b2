"""The public plugin API of refdesk: the only module an add-on may import.

An add-on is an ordinary Python distribution that declares an entry point in the
group ``refdesk.plugins`` pointing at a module (or object) with

* ``REFDESK_API_VERSION = "1.3"``: the API version it was written for, and
* one or more ``@hookimpl`` functions named after the hookspecs below.

Everything an add-on needs reaches it through its arguments: a read-only
``RecordView`` of the record and a ``PluginContext`` (the shared HTTP client, its
own settings, a logger, service base URLs). Nothing else of refdesk is public, so
refdesk can change its insides without breaking add-ons; this module changes only
with ``API_VERSION``.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import pluggy

from refdesk import net as _net
from refdesk import text as _text
from refdesk.text import markup_to_text

#: MAJOR.MINOR. An add-on written for X.Y runs on a host with the same X and a minor >= Y.
#: 1.1 added ``PluginContext.get_json`` and ``PluginContext.memo``; 1.2 ``markup_to_text``;
#: 1.3 ``NetworkError`` defined here, ``title_key``, and ``PluginContext.for_tests``'s ``retries``;
#: 1.4 site add-ons: the ``refdesk.sites`` entry-point group, ``SitePage``, ``SITE_FIELDS``.
API_VERSION = "1.4"

PROJECT = "refdesk"
ENTRY_POINT_GROUP = "refdesk.plugins"
#: Site add-ons: a module with ``REFDESK_API_VERSION``, ``match(url) -> bool`` and ``extract(page, context) -> fields``.
SITES_ENTRY_POINT_GROUP = "refdesk.sites"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The pseudo-field of a subject: accepted subjects become automatic Zotero tags (``type: 1``).
SUBJECT = "subject"

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "MEMO_SIZE",
    "SITES_ENTRY_POINT_GROUP",
    "SITE_FIELDS",
    "SUBJECT",
    "Enrichment",
    "HttpClient",
    "HttpResponse",
    "NetworkError",
    "PluginContext",
    "RecordView",
    "SitePage",
    "Suggestion",
    "hookimpl",
    "hookspec",
    "markup_to_text",
    "suggestions_of",
    "title_key",
]


class NetworkError(Exception):
    """A request through ``PluginContext.http`` or ``PluginContext.get_json`` failed.

    ``url`` is the address asked for, ``reason`` a sentence saying what went wrong, ``status`` the HTTP
    status for an HTTP error (404, 500...; 429 also for a request not sent because the host asked
    refdesk to wait), else None (a timeout, a refused connection, an answer that is not JSON).
    Let it through: refdesk reports it with the add-on's name.
    """

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


def title_key(title: str) -> str:
    """A title reduced for comparing two titles: case, accents, punctuation and spaces ignored
    (``title_key("The Cell.") == title_key("the  cell")``); the key refdesk itself finds duplicates by."""
    return _text.title_key(title)


# -- what a plugin returns ------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """One proposed value: for a Zotero field (``"abstractNote"``, ``"language"``...) or ``SUBJECT``.

    ``source`` names the service the value was read from ("Crossref", "OpenAlex"),
    ``evidence_url`` where a person can check it, ``confidence`` is 0..1.
    Values are plain text: the host rejects markup, control characters and oversized values.
    """

    field: str
    value: str
    source: str
    evidence_url: str = ""
    confidence: float = 0.5


@dataclass
class Enrichment:
    """What one add-on found for one record: a list of suggestions (possibly empty)."""

    suggestions: list[Suggestion] = field(default_factory=list)

    def add(self, field: str, value: str, source: str, evidence_url: str = "", confidence: float = 0.5) -> None:
        self.suggestions.append(Suggestion(field, value, source, evidence_url, confidence))

    def __len__(self) -> int:
        return len(self.suggestions)

    def __iter__(self) -> Iterator[Suggestion]:
        return iter(self.suggestions)


# -- what a plugin receives ------------------------------------------------------


class HttpResponse(Protocol):
    url: str
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class HttpClient(Protocol):
    """The shared HTTP client: timeouts, size caps, retries, cache and a polite User-Agent.

    ``get`` raises ``NetworkError`` (with ``.status`` for HTTP errors, e.g. 404).
    """

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        refresh: bool = False,
        timeout: float | None = None,
    ) -> HttpResponse: ...

    def get_json(self, url: str, **kwargs: Any) -> Any: ...


class _HostHttp:
    """refdesk's shared client as an add-on sees it: failures raise this module's ``NetworkError``, an answer
    that is not JSON says what it is (an HTML page, an empty answer), and ``refresh`` (``refdesk enrich
    --refresh``) asks every request past the cache, storing the fresh answers."""

    def __init__(self, client: _net.HttpClient, refresh: bool = False) -> None:
        self.client = client
        self.refresh = refresh

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        refresh: bool = False,
        timeout: float | None = None,
    ) -> HttpResponse:
        try:
            return self.client.get(url, params=params, headers=headers, refresh=refresh or self.refresh, timeout=timeout)
        except _net.NetworkError as exc:
            raise NetworkError(exc.url, exc.reason, exc.status) from None

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """The decoded JSON answer; a cached answer that is not JSON (a 200 error page) is asked for once more."""
        resp = self.get(url, **kwargs)
        try:
            return resp.json()
        except ValueError:
            if getattr(resp, "from_cache", False):
                resp = self.get(url, **{**kwargs, "refresh": True})
                try:
                    return resp.json()
                except ValueError:
                    pass
        raise NetworkError(resp.url, _not_json(resp))


def _not_json(resp: HttpResponse) -> str:
    """Why an answer is not JSON, in words: an HTML page (with its title), nothing at all, or other text."""
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    where = f"HTTP {resp.status}" + (f", {ctype}" if ctype else "")
    head = resp.content[:4096].lstrip().lower()
    if "html" in ctype or head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        found = re.search(r"<title[^>]*>(.*?)</title>", resp.text[:65536], re.IGNORECASE | re.DOTALL)
        title = " ".join(found.group(1).split())[:80] if found else ""
        return f"the answer is not valid JSON: it is an HTML page, not JSON ({where}{f', titled {title!r}' if title else ''})"
    if not resp.content.strip():
        return f"the answer is not valid JSON: it is empty ({where})"
    start = " ".join(resp.text[:60].split())
    return f"the answer is not valid JSON ({where}; it starts {start!r})"


class RecordView(Mapping[str, Any]):
    """A read-only view of a record's Zotero item data (plus ``key``).

    Mapping access gives the raw Zotero JSON values (copies are never needed:
    nested lists and dicts are frozen into tuples and read-only mappings).
    """

    def __init__(self, data: Mapping[str, Any], key: str = "") -> None:
        self._data: Mapping[str, Any] = MappingProxyType({k: _freeze(v) for k, v in data.items()})
        self.key = key or str(data.get("key", ""))

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RecordView:
        """Build a view from Zotero item data, e.g. in an add-on's own tests."""
        return cls(data, str(data.get("key", "")))

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def field(self, name: str) -> str:
        """A string field, or "" when absent."""
        value = self._data.get(name, "")
        return value if isinstance(value, str) else ""

    @property
    def item_type(self) -> str:
        return self.field("itemType")

    @property
    def title(self) -> str:
        return self.field("title")

    @property
    def doi(self) -> str:
        return self.field("DOI").strip()

    @property
    def url(self) -> str:
        return self.field("url").strip()

    @property
    def abstract(self) -> str:
        return self.field("abstractNote")

    @property
    def language(self) -> str:
        return self.field("language").strip()

    @property
    def year(self) -> str:
        import re

        m = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", self.field("date"))
        return m.group(1) if m else ""

    @property
    def issns(self) -> list[str]:
        """The record's ISSNs (Zotero keeps them in one field, separated by commas or spaces)."""
        import re

        found = (m.replace("-", "").upper() for m in re.findall(r"\b\d{4}-?\d{3}[\dXx]\b", self.field("ISSN")))
        return list(dict.fromkeys(f"{d[:4]}-{d[4:]}" for d in found))

    @property
    def creators(self) -> tuple[Mapping[str, str], ...]:
        creators = self._data.get("creators", ())
        return creators if isinstance(creators, tuple) else ()

    def creator_last_names(self) -> list[str]:
        return [c.get("lastName") or c.get("name", "") for c in self.creators]

    @property
    def tags(self) -> list[str]:
        return [str(t.get("tag", "")) for t in self._data.get("tags", ()) if isinstance(t, Mapping)]


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


T = TypeVar("T")

#: How many values ``PluginContext.memo`` keeps per add-on and session (the least recently used go first).
MEMO_SIZE = 1000

#: Per HTTP client (one per refdesk session) and add-on name, the values ``PluginContext.memo`` keeps.
_MEMOS: weakref.WeakKeyDictionary[Any, dict[str, OrderedDict[Hashable, Any]]] = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


@dataclass(frozen=True)
class PluginContext:
    """Everything a hook may use; never reach for globals or environment variables.

    ``settings`` is the add-on's own table (``[plugin_settings.<name>]`` in refdesk's
    settings); ``services`` maps a service name ("crossref", "openalex", "doaj") to
    its base URL as configured in refdesk (settings or REFDESK_*_API_URL);
    ``timeout`` is what the host allows one call; ``cancelled()`` turns True when the
    host gives up on the call (timeout or user cancel): long loops should check it.
    """

    name: str
    http: HttpClient
    settings: Mapping[str, Any] = field(default_factory=dict)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("refdesk.plugins"))
    services: Mapping[str, str] = field(default_factory=dict)
    contact_email: str = ""
    timeout: float = 30.0
    cancelled: Callable[[], bool] = field(default=lambda: False)

    def __post_init__(self) -> None:
        if isinstance(self.http, _net.HttpClient):  # add-ons see this module's NetworkError, never refdesk.net's
            object.__setattr__(self, "http", _HostHttp(self.http))

    def service_url(self, name: str) -> str:
        """The configured base URL of a service, without a trailing slash (KeyError if unknown)."""
        return self.services[name].rstrip("/")

    def get_json(
        self, url: str, *, params: Mapping[str, str] | None = None, mailto: bool = False, missing: Iterable[int] = (404,)
    ) -> Any:
        """The decoded JSON answer to ``GET url`` within ``timeout``, or None when the service answers a status
        in ``missing`` (by default 404: it does not know what was asked for).

        ``mailto=True`` adds ``mailto=<contact_email>`` to the query when the user gave an address (Crossref's
        and OpenAlex's polite pools). Any other failure raises ``NetworkError``.
        """
        query = dict(params or {})
        if mailto and self.contact_email:
            query["mailto"] = self.contact_email
        try:
            return self.http.get_json(url, params=query or None, timeout=self.timeout)
        except NetworkError as exc:
            if exc.status is not None and exc.status in set(missing):
                return None
            raise

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key``, computed once per refdesk session for this add-on.

        For what many records share (a journal's subjects, an endpoint's identity): other threads see the
        value too. An exception is not remembered (the next call computes again); two threads asking for a
        new key at once may both compute it. At most ``MEMO_SIZE`` keys are kept, the least recently used dropped first.
        """
        with _MEMOS_LOCK:
            session = self.http.client if isinstance(self.http, _HostHttp) else self.http
            memo = _MEMOS.setdefault(session, {}).setdefault(self.name, OrderedDict())
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
        value = compute()
        with _MEMOS_LOCK:
            memo[key] = value
            while len(memo) > MEMO_SIZE:
                memo.popitem(last=False)
        return value

    @classmethod
    def for_tests(
        cls,
        name: str = "test",
        *,
        services: Mapping[str, str] | None = None,
        settings: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        retry_backoff: float = 0.5,
        contact_email: str = "",
        cancelled: Callable[[], bool] | None = None,
    ) -> PluginContext:
        """A context for an add-on's own tests against a local server, with refdesk's real HTTP client.

        The client behaves as in refdesk (``retries`` 3: a 500, 502, 503, 504, 429 or a dropped connection is
        asked up to 4 times, waiting ``retry_backoff`` seconds, doubled each time, or the server's
        ``Retry-After``; all within ``timeout``), but keeps no cache. ``retries=0`` makes a failure test quick.
        """
        from refdesk.config import Settings

        app_settings = Settings(http_cache=False, retries=retries, retry_backoff=retry_backoff, read_timeout=timeout,
                                connect_timeout=timeout, contact_email=contact_email)
        return cls(
            name=name,
            http=_HostHttp(_net.HttpClient(app_settings)),
            settings=dict(settings or {}),
            log=logging.getLogger(f"refdesk.plugins.{name}"),
            services=dict(services or {}),
            contact_email=contact_email,
            timeout=timeout,
            cancelled=cancelled or (lambda: False),
        )


# -- the hooks --------------------------------------------------------------


class EnrichSpec:
    """The hooks an add-on may implement (as module-level functions decorated with ``@hookimpl``)."""

    @hookspec
    def enrich(self, record: RecordView, context: PluginContext) -> Enrichment | None:
        """Propose values for ``record``: an ``Enrichment`` (possibly empty) or None when nothing applies.

        Called off the GUI thread, concurrently with other add-ons and other records,
        with a timeout. Raise on failure (e.g. let ``NetworkError`` through): the host
        reports it with the add-on's name and carries on with the others.
        """


# -- site add-ons (1.4) -----------------------------------------------------------

#: What a site add-on's ``extract`` may return, beside any Zotero field of the item type (``title``, ``publicationTitle``,
#: ``volume``, ``DOI``, ``abstractNote``…): ``itemType``, ``creators`` (a list of "Family, Given" strings or
#: ``{"lastName", "firstName"[, "creatorType"]}`` / ``{"name"}`` mappings) and ``tags`` (a list of strings).
SITE_FIELDS = ("itemType", "creators", "tags")


@dataclass(frozen=True)
class SitePage:
    """The article page a site add-on reads: its final address, its decoded text and its parsed tree.

    ``tree`` is an ``lxml.html`` element (``tree.xpath(...)``, ``tree.iter("script")``); ``meta(name)`` gives
    the contents of every ``<meta name|property=name>`` in order; ``json_scripts()`` the parsed JSON of every
    ``<script type="application/json">`` (and ``application/ld+json``), skipping those that are not JSON.
    """

    url: str
    text: str
    tree: Any = field(repr=False)

    def meta(self, name: str) -> list[str]:
        wanted = name.lower()
        return [str(el.get("content") or "") for el in self.tree.iter("meta")
                if (el.get("name") or el.get("property") or "").lower() == wanted and el.get("content")]  # fmt: skip

    def json_scripts(self) -> list[Any]:
        import json

        out = []
        for el in self.tree.iter("script"):
            kind = (el.get("type") or "").strip().lower()
            if kind in ("application/json", "application/ld+json") and (el.text or "").strip():
                try:
                    out.append(json.loads(el.text))
                except ValueError:
                    continue
        return out


def suggestions_of(result: Enrichment | Iterable[Suggestion] | None) -> list[Suggestion]:
    """The suggestions in a hook result (helper for add-on tests)."""
    if result is None:
        return []
    return list(result)
