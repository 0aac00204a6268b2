"""Finding add-ons, checking they fit, enabling them: both kinds, in one list.

Enrichment add-ons (entry-point group ``refdesk.plugins``, pluggy hooks) and site add-ons
(``refdesk.sites``, a module with ``match`` and ``extract``) share one list, one namespace of
names and one ``disabled_plugins`` setting, so ``refdesk plugins list|enable|disable|uninstall``,
the install check and the app's Add-ons dialog treat them alike; ``PluginInfo.kind`` tells them
apart. An add-on that fails to import, declares another major API version or does not fit its
kind's API is listed with a message and never run; nothing it does can stop refdesk from starting.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from typing import Any

import pluggy

from refdesk.config import Settings, save_setting
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.plugins.api import API_VERSION, ENTRY_POINT_GROUP, PROJECT, SITES_ENTRY_POINT_GROUP, EnrichSpec

log = logging.getLogger(__name__)

#: The kinds of add-on, by entry-point group: "enrich" proposes values for records, "site" reads one platform's pages.
KINDS = {ENTRY_POINT_GROUP: "enrich", SITES_ENTRY_POINT_GROUP: "site"}
#: What each kind does, in words (``refdesk plugins list``, the Add-ons dialog).
KIND_WORDS = {"enrich": "enrichment", "site": "site"}


@dataclass(frozen=True)
class PluginInfo:
    """One add-on as ``refdesk plugins list`` shows it."""

    name: str
    distribution: str
    version: str
    enabled: bool
    origin: str  # where from: "editable: /path", "file:///x.whl", "package index", "built in (tests)"
    compatible: bool
    message: str = ""
    api_version: str = ""
    module: str = ""
    kind: str = "enrich"  # "enrich" (group refdesk.plugins) or "site" (group refdesk.sites)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedPlugin:
    info: PluginInfo
    manager: pluggy.PluginManager | None = field(default=None, repr=False)  # an enrichment add-on's hooks
    obj: object | None = field(default=None, repr=False)  # a site add-on's module (its match and extract)

    @property
    def runnable(self) -> bool:
        """An enrichment add-on that is enabled and can run (``enrich`` runs it)."""
        return self.manager is not None and self.info.enabled and self.info.compatible


def check_api_version(declared: object) -> str:
    """"" when an add-on written for ``declared`` runs on this host, else the reason it does not."""
    if not isinstance(declared, str) or not declared.strip():
        return f"does not declare REFDESK_API_VERSION (this refdesk offers plugin API {API_VERSION})"
    try:
        want_major, want_minor = (int(p) for p in [*declared.strip().split("."), "0"][:2])
    except ValueError:
        return f"declares an unreadable plugin API version '{declared}'"
    have_major, have_minor = (int(p) for p in API_VERSION.split("."))
    if want_major != have_major or want_minor > have_minor:
        return f"needs plugin API {declared}, this refdesk offers {API_VERSION}; update the add-on or refdesk"
    return ""


def check_refdesk_requirement(dist: metadata.Distribution | None) -> str:
    """"" when the add-on's ``refdesk>=X,<Y`` admits this refdesk (or it declares none), else why not.

    pip enforces this at install time; re-checking catches add-ons installed with ``--no-deps``
    or left behind by a refdesk upgrade.
    """
    if dist is None:
        return ""
    from packaging.requirements import InvalidRequirement, Requirement

    from refdesk import __version__

    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.name.lower() != "refdesk" or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        if not req.specifier.contains(__version__, prereleases=True):
            return f"needs {req}, this is refdesk {__version__}; update the add-on"
    return ""


def origin_of(dist: metadata.Distribution | None) -> str:
    """Where an installed distribution came from, read from its PEP 610 ``direct_url.json``."""
    if dist is None:
        return "built in"
    raw = dist.read_text("direct_url.json")
    if not raw:
        return "package index"
    try:
        info = json.loads(raw)
    except ValueError:
        return "unknown"
    url = str(info.get("url", ""))
    if info.get("dir_info", {}).get("editable"):
        return "editable: " + url.removeprefix("file://")
    return url.removeprefix("file://") if url.startswith("file://") else url


#: How the message of an add-on that cannot run begins (``refdesk plugins list`` shows it beside the add-on).
CANNOT_RUN = "cannot run: "


def load_error(exc: BaseException) -> str:
    """An import failure in one line, with the add-on's file and line for a syntax error."""
    if isinstance(exc, SyntaxError):
        where = f" ({exc.filename}, line {exc.lineno})" if exc.filename else ""
        return f"SyntaxError: {exc.msg}{where}"
    return " ".join(f"{exc.__class__.__name__}: {exc}".split())


def _signature(fn: object) -> tuple[str, list[str]]:
    try:
        params = list(inspect.signature(fn).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        params = []
    return f"{getattr(fn, '__name__', '?')}({', '.join(params)})", params


def check_hooks(obj: object) -> str:
    """"" when every ``@hookimpl`` of ``obj`` names a hook of the specification with parameters it passes,
    else one readable sentence (pluggy says the same in several lines, meant for a plugin system's developer)."""
    specs = {name: fn for name, fn in vars(EnrichSpec).items() if hasattr(fn, f"{PROJECT}_spec")}
    for attr in dir(obj):
        try:
            fn = getattr(obj, attr)
        except Exception:  # a property of an add-on object that raises: pluggy reports it
            continue
        if not callable(fn) or not hasattr(fn, f"{PROJECT}_impl"):
            continue
        shown, params = _signature(fn)
        if attr not in specs:
            offered = ", ".join(_signature(spec)[0].replace("(self, ", "(") for spec in specs.values())
            return f"does not fit the plugin API: @hookimpl {shown} is not a refdesk hook; the hooks are {offered}"
        spec_params = [p for p in _signature(specs[attr])[1] if p != "self"]
        extra = [p for p in params if p not in spec_params and p != "self"]
        if extra:
            return (f"does not fit the plugin API: the hook {shown} asks for {', '.join(extra)}, which refdesk does not pass: "
                    f"its parameters must be among {attr}({', '.join(spec_params)})")
    return ""


def check_site(obj: object) -> str:
    """"" when ``obj`` has the two functions of a site add-on, else why it does not fit."""
    if callable(getattr(obj, "match", None)) and callable(getattr(obj, "extract", None)):
        return ""
    return "does not fit the plugin API: a site add-on defines match(url) and extract(page, context)"


def _make_manager(name: str, obj: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(EnrichSpec)
    pm.register(obj, name=name)
    pm.check_pending()
    return pm


class PluginHost:
    """The add-ons of this environment (both kinds), loaded once.

    ``entry_points`` replaces discovery (each entry point's group says its kind); ``objects`` adds in-process
    enrichment add-ons and ``sites`` in-process site add-ons (tests, benchmarks).
    """

    def __init__(
        self,
        settings: Settings,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
        objects: Mapping[str, object] | None = None,
        sites: Mapping[str, object] | None = None,
    ) -> None:
        self.settings = settings
        self._entry_points = entry_points
        self._objects = dict(objects or {})
        self._sites = dict(sites or {})
        self._loaded: dict[str, LoadedPlugin] | None = None
        self._lock = threading.Lock()  # URL imports may ask for the site add-ons from several threads at once

    # -- discovery --------------------------------------------------------
    def _eps(self) -> list[metadata.EntryPoint]:
        if self._entry_points is not None:
            return list(self._entry_points)
        return sorted((ep for group in KINDS for ep in metadata.entry_points(group=group)), key=lambda ep: ep.name)

    def _load(self, name: str, obj: object | None, dist: metadata.Distribution | None, error: str,
              kind: str = "enrich") -> LoadedPlugin:
        enabled = name not in self.settings.disabled_plugins
        info = PluginInfo(
            name=name,
            distribution=dist.metadata["Name"] if dist is not None else name,
            version=dist.version if dist is not None else "",
            enabled=enabled,
            origin=origin_of(dist) if dist is not None else "built in",
            compatible=False,
            message=error,
            module=getattr(obj, "__name__", type(obj).__name__) if obj is not None else "",
            kind=kind,
        )
        if obj is None:
            return LoadedPlugin(info)
        declared = getattr(obj, "REFDESK_API_VERSION", None)
        info = replace(info, api_version=str(declared or ""))
        if kind == "site":
            problem = check_refdesk_requirement(dist) or check_api_version(declared) or check_site(obj)
            if problem:
                return LoadedPlugin(replace(info, message=f"{CANNOT_RUN}{problem}"))
            return LoadedPlugin(replace(info, compatible=True, message="" if enabled else "disabled in settings"), obj=obj)
        problem = check_refdesk_requirement(dist) or check_api_version(declared) or check_hooks(obj)
        if problem:
            return LoadedPlugin(replace(info, message=f"{CANNOT_RUN}{problem}"))
        try:
            manager = _make_manager(name, obj)
        except Exception as exc:  # pluggy validation errors, or anything a broken add-on does
            detail = " ".join(str(exc).split())  # one line: pluggy's text spans several
            return LoadedPlugin(replace(info, message=f"{CANNOT_RUN}does not fit the plugin API: {detail}"))
        if not manager.hook.enrich.get_hookimpls():
            return LoadedPlugin(replace(info, message=f"{CANNOT_RUN}implements no hook (expected @hookimpl def enrich)"))
        return LoadedPlugin(replace(info, compatible=True, message="" if enabled else "disabled in settings"), manager)

    def loaded(self) -> dict[str, LoadedPlugin]:
        """Every add-on by name. One namespace for both kinds: ``disabled_plugins`` and ``plugin_settings`` name them."""
        with self._lock:
            if self._loaded is None:
                self._loaded = self._discover()
            return self._loaded

    def _discover(self) -> dict[str, LoadedPlugin]:
        found: dict[str, LoadedPlugin] = {}
        for ep in self._eps():
            kind = KINDS.get(ep.group, "enrich")
            dist = getattr(ep, "dist", None)
            if ep.name in found:
                other = found[ep.name].info.distribution
                log.warning("add-on name %s is used by %s and %s; the second is ignored", ep.name, other, dist)
                continue
            try:
                obj: object | None = ep.load()
                error = ""
            except Exception as exc:
                obj, error = None, f"{CANNOT_RUN}failed to load {ep.value}: {load_error(exc)}"
            found[ep.name] = self._load(ep.name, obj, dist, error, kind)
        for name, obj in self._objects.items():
            found[name] = self._load(name, obj, None, "")
        for name, obj in self._sites.items():
            found[name] = self._load(name, obj, None, "", "site")
        return found

    def infos(self) -> list[PluginInfo]:
        return [p.info for p in self.loaded().values()]

    def of_kind(self, kind: str) -> list[LoadedPlugin]:
        """The add-ons of one kind ("enrich" or "site"), in name order, whether or not they can run."""
        return [p for p in self.loaded().values() if p.info.kind == kind]

    def find(self, name: str) -> LoadedPlugin:
        """An add-on by its plugin name or its distribution name."""
        loaded = self.loaded()
        if name in loaded:
            return loaded[name]
        for p in loaded.values():
            if p.info.distribution.lower().replace("_", "-") == name.lower().replace("_", "-"):
                return p
        known = ", ".join(sorted(loaded)) or "none installed"
        raise NotFoundError(f"No add-on named '{name}' (known: {known})")

    def runnable(self, only: str | None = None) -> list[tuple[str, pluggy.PluginManager]]:
        """(name, manager) of each enabled, compatible add-on; ``only`` picks one (even if disabled)."""
        if only is not None:
            p = self.find(only)
            if p.info.kind == "site":
                raise InvalidInputError(f"'{p.info.name}' is a site add-on: it reads pages when you import a URL "
                                        "(`refdesk import URL`), it does not enrich records")
            if p.manager is None or not p.info.compatible:
                raise NotFoundError(f"The add-on '{p.info.name}' {p.info.message}")
            return [(p.info.name, p.manager)]
        return [(name, p.manager) for name, p in self.loaded().items() if p.runnable and p.manager is not None]

    # -- enable / disable -----------------------------------------------------
    def set_enabled(self, name: str, enabled: bool) -> PluginInfo:
        """Enable or disable an add-on; kept in settings (``disabled_plugins``)."""
        plugin = self.find(name)
        real = plugin.info.name
        disabled = [n for n in self.settings.disabled_plugins if n != real]
        if not enabled:
            disabled.append(real)
        save_setting("disabled_plugins", sorted(disabled))
        self.settings.disabled_plugins = sorted(disabled)
        message = plugin.info.message
        if plugin.info.compatible:
            message = "" if enabled else "disabled in settings"
        plugin.info = replace(plugin.info, enabled=enabled, message=message)
        return plugin.info
