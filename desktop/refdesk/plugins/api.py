"""The public plugin API of refdesk: the only module an add-on may import.

An add-on is an ordinary Python distribution that declares an entry point in the
group ``refdesk.plugins`` pointing at a module (or object) with

* ``REFDESK_API_VERSION = "1.2"``: the API version it was written for, and
* one or more ``@hookimpl`` functions named after the hookspecs below.

Everything an add-on needs reaches it through its arguments: a read-only
``RecordView`` of the record and a ``PluginContext`` (the shared HTTP client, its
own settings, a logger, service base URLs). Nothing else of refdesk is public, so
refdesk can change its insides without breaking add-ons; this module changes only
with ``API_VERSION``.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import pluggy

from refdesk.net import NetworkError
from refdesk.text import markup_to_text

#: MAJOR.MINOR. An add-on written for X.Y runs on a host with the same X and a minor >= Y.
#: 1.1 added ``PluginContext.get_json`` and ``PluginContext.memo``; 1.2 ``markup_to_text``.
API_VERSION = "1.2"

PROJECT = "refdesk"
ENTRY_POINT_GROUP = "refdesk.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The pseudo-field of a subject: accepted subjects become automatic Zotero tags (``type: 1``).
SUBJECT = "subject"

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "MEMO_SIZE",
    "SUBJECT",
    "Enrichment",
    "HttpClient",
    "HttpResponse",
    "NetworkError",
    "PluginContext",
    "RecordView",
    "Suggestion",
    "hookimpl",
    "hookspec",
    "markup_to_text",
    "suggestions_of",
]


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
            memo = _MEMOS.setdefault(self.http, {}).setdefault(self.name, OrderedDict())
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
    ) -> PluginContext:
        """A context with a real refdesk HTTP client, for an add-on's own tests against a local server."""
        from refdesk.config import Settings
        from refdesk.net import HttpClient as _Client

        app_settings = Settings(http_cache=False, retries=0, read_timeout=timeout, connect_timeout=timeout)
        return cls(
            name=name,
            http=_Client(app_settings),
            settings=dict(settings or {}),
            log=logging.getLogger(f"refdesk.plugins.{name}"),
            services=dict(services or {}),
            timeout=timeout,
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


def suggestions_of(result: Enrichment | Iterable[Suggestion] | None) -> list[Suggestion]:
    """The suggestions in a hook result (helper for add-on tests)."""
    if result is None:
        return []
    return list(result)
