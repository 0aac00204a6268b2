"""Site add-ons (entry-point group ``refdesk.sites``): a platform's own rules for reading its article pages.

A site add-on is a module with ``REFDESK_API_VERSION``, ``match(url) -> bool`` and
``extract(page, context) -> fields`` (see ``refdesk.plugins.api.SitePage``). For each page the
URL import runs the add-ons whose ``match`` says yes, before the generic extractors; their
fields are merged by the same precedence (first of all, provenance "site add-on NAME").

Found and checked by the add-on host (``host.PluginHost``, kind "site"), so they are listed, enabled,
disabled and installed as enrichment add-ons are. Isolated as they are: an add-on that fails to load,
declares another major API version or lacks the two functions is never run; ``match`` and ``extract`` run on a worker
thread within ``plugin_timeout``; the output is validated (known fields, plain text, sizes); a
failing add-on is named in the import's problems and the generic result is kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from refdesk import schema
from refdesk.config import Settings
from refdesk.plugins.api import SITE_FIELDS, SITES_ENTRY_POINT_GROUP, PluginContext, SitePage
from refdesk.plugins.host import LoadedPlugin, PluginHost
from refdesk.plugins.validation import DEFAULT_MAX_CHARS, MAX_CHARS

if TYPE_CHECKING:
    from refdesk.app import AppContext

log = logging.getLogger(__name__)

#: At most this many creators and tags from one add-on for one page.
MAX_CREATORS = 500
MAX_TAGS = 100


@dataclass
class SiteAddon:
    name: str
    match: Callable[[str], Any] | None = None
    extract: Callable[[SitePage, PluginContext], Any] | None = None
    problem: str = ""  # why it cannot run ("" when it can)
    enabled: bool = True


@dataclass
class SiteResult:
    """What one add-on said about a page: validated fields (Zotero base names), creators, tags; problems in words."""

    name: str
    item_type: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    creators: list[dict[str, str] | str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _addon(plugin: LoadedPlugin) -> SiteAddon:
    """The host's view of a site add-on as the import runs it (one that cannot run keeps its reason)."""
    obj, info = plugin.obj, plugin.info
    match, extract = getattr(obj, "match", None), getattr(obj, "extract", None)
    return SiteAddon(info.name, match if callable(match) else None, extract if callable(extract) else None,
                     "" if info.compatible else info.message, info.enabled)


def load(settings: Settings, entry_points: Iterable[metadata.EntryPoint] | None = None) -> list[SiteAddon]:
    """Every installed site add-on, checked by the add-on host as enrichment add-ons are (an unloadable one is
    kept with its problem)."""
    eps = list(entry_points) if entry_points is not None else sorted(metadata.entry_points(group=SITES_ENTRY_POINT_GROUP), key=lambda e: e.name)
    return [_addon(p) for p in PluginHost(settings, entry_points=eps).of_kind("site")]


def from_objects(objects: Mapping[str, object]) -> list[SiteAddon]:
    """Site add-ons given as modules or objects (tests, benchmarks), checked as installed ones are."""
    return [_addon(p) for p in PluginHost(Settings(), entry_points=[], sites=objects).of_kind("site")]


def installed(ctx: AppContext) -> list[SiteAddon]:
    """The site add-ons of ``ctx``'s add-on host: the ones ``refdesk plugins list`` shows, enabled as last set
    (``plugins enable|disable``, the Add-ons dialog), rediscovered after an install."""
    from refdesk.plugins.manager import host_for

    return [_addon(p) for p in host_for(ctx).of_kind("site")]


class _Timeout(Exception):
    pass


def _call(fn: Callable[..., Any], args: tuple[Any, ...], timeout: float, name: str) -> Any:
    """``fn(*args)`` on a worker thread; ``_Timeout`` when it overruns (Python cannot stop it: it is left behind)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # even SystemExit: anything an add-on raises is reported with its name
            box["error"] = exc if isinstance(exc, Exception) else RuntimeError(f"it raised {type(exc).__name__}")

    worker = threading.Thread(target=work, name=f"refdesk-site-{name}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _Timeout()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is {type(value).__name__}, not text")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValueError(f"{what} holds control characters")
    limit = MAX_CHARS.get(what, DEFAULT_MAX_CHARS)
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value):,} characters long (at most {limit:,})")
    return value.strip()


def validate(name: str, raw: object) -> SiteResult:
    """The add-on's answer checked: a mapping of known Zotero fields to text, ``creators`` and ``tags`` lists."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"extract returned {type(raw).__name__}, not a mapping of fields")
    result = SiteResult(name)
    for key, value in raw.items():
        if value in (None, "", [], ()):
            continue
        if key == "itemType":
            if not schema.is_item_type(str(value)):
                raise ValueError(f"itemType {value!r} is not a Zotero item type")
            result.item_type = str(value)
        elif key == "creators":
            if not isinstance(value, list | tuple) or len(value) > MAX_CREATORS:
                raise ValueError(f"creators must be a list of at most {MAX_CREATORS} names")
            for c in value:
                if isinstance(c, str):
                    result.creators.append(_text(c, "a creator"))
                elif isinstance(c, Mapping) and ({"lastName", "name"} & set(c)):
                    result.creators.append({k: _text(v, f"a creator's {k}") for k, v in c.items() if k in ("lastName", "firstName", "name", "creatorType")})
                else:
                    raise ValueError("a creator must be 'Family, Given' or a mapping with lastName/firstName or name")
        elif key == "tags":
            if not isinstance(value, list | tuple) or len(value) > MAX_TAGS:
                raise ValueError(f"tags must be a list of at most {MAX_TAGS} strings")
            result.tags = [t for t in (_text(v, "a tag") for v in value) if t]
        elif key in SITE_FIELDS:
            continue
        elif not isinstance(key, str) or not _is_field(key):
            raise ValueError(f"{key!r} is not a Zotero field")
        else:
            result.fields[key] = _text(value, key)
    return result


def _is_field(name: str) -> bool:
    """A Zotero field of some item type (``publicationTitle``, ``volume``…), not ``extra`` or an invented name."""
    return name not in ("extra", "creators", "tags") and any(schema.has_field(t, name) for t in schema.item_types())


def run(addons: list[SiteAddon], page: SitePage, context_for: Callable[[str], PluginContext], timeout: float) -> tuple[list[SiteResult], list[str]]:
    """The results of the add-ons whose ``match`` takes ``page.url``, and the problems met (each naming its add-on)."""
    results: list[SiteResult] = []
    problems: list[str] = []
    for addon in addons:
        if not addon.enabled or addon.problem or addon.match is None or addon.extract is None:
            continue
        where = f"site add-on {addon.name}"
        try:
            if not _call(addon.match, (page.url,), timeout, addon.name):
                continue
            raw = _call(addon.extract, (page, context_for(addon.name)), timeout, addon.name)
            if raw is None:
                continue
            results.append(validate(addon.name, raw))
        except _Timeout:
            problems.append(f"{where} was stopped after {timeout:g} s; the generic extractors' result is kept")
        except ValueError as exc:
            problems.append(f"{where} returned something refdesk cannot use ({exc}); the generic extractors' result is kept")
        except Exception as exc:
            problems.append(f"{where} failed ({exc.__class__.__name__}: {exc}); the generic extractors' result is kept")
    return results, problems
