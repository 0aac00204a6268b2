"""The add-on facade used by the CLI and the GUI: list, enable, enrich, review, apply.

Everything here is synchronous: ``enrich`` blocks its caller while add-ons run on
worker threads, so the GUI calls it from a worker and passes ``progress`` and
``cancel`` callbacks. See docs/plugins-host.md.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from refdesk.app import AppContext
from refdesk.errors import InvalidInputError, NotFoundError
from refdesk.plugins import install as _install
from refdesk.plugins import runner
from refdesk.plugins.api import PluginContext, RecordView, _HostHttp
from refdesk.plugins.host import PluginHost, PluginInfo
from refdesk.plugins.install import InstallSummary
from refdesk.plugins.suggestions import ApplyReport, StoredSuggestion, SuggestionStore
from refdesk.plugins.suggestions import accept as _accept
from refdesk.plugins.suggestions import apply_safe as _apply_safe
from refdesk.plugins.suggestions import reject as _reject

__all__ = [
    "ApplyReport",
    "EnrichReport",
    "PluginInfo",
    "StoredSuggestion",
    "accept",
    "apply_safe",
    "context_factory",
    "enrich",
    "host_for",
    "install",
    "list_plugins",
    "reject",
    "set_enabled",
    "suggestions",
    "tag_provenance",
    "uninstall",
    "use_host",
]


@dataclass
class EnrichReport:
    """What one ``enrich`` run did: suggestions stored, what the policy accepted, problems by add-on."""

    records: int = 0
    plugins: list[str] = field(default_factory=list)
    suggestions: list[StoredSuggestion] = field(default_factory=list)
    applied: ApplyReport = field(default_factory=ApplyReport)
    problems: list[runner.Problem] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    plugin_seconds: dict[str, float] = field(default_factory=dict)
    #: calls (one add-on on one record) that returned a result, possibly empty; 0 with problems = everything failed
    succeeded: int = 0

    @property
    def all_failed(self) -> bool:
        """Every call failed (raised, timed out, was refused): nothing was learnt from any add-on."""
        return self.succeeded == 0 and any(p.kind in ("error", "timeout", "invalid", "skipped") for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "plugins": self.plugins,
            "suggestions": [s.to_json() for s in self.suggestions],
            "applied": [s.to_json() for s in self.applied.accepted],
            "changed": self.applied.changed,
            "problems": [{"plugin": p.plugin, "key": p.key, "kind": p.kind, "message": p.message}
                         | ({"traceback": p.detail} if p.detail else {}) for p in self.problems],
            "succeeded": self.succeeded,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "plugin_seconds": {k: round(v, 3) for k, v in self.plugin_seconds.items()},
        }


#: Records per run of the runner: a whole large library is enriched in batches of this size.
BATCH = 1000

_HOSTS: weakref.WeakKeyDictionary[AppContext, PluginHost] = weakref.WeakKeyDictionary()


def host_for(ctx: AppContext) -> PluginHost:
    """The add-ons of this environment, discovered once per AppContext."""
    host = _HOSTS.get(ctx)
    if host is None:
        host = _HOSTS[ctx] = PluginHost(ctx.settings)
    return host


def use_host(ctx: AppContext, host: PluginHost) -> None:
    """Make ``ctx`` use ``host`` (tests and benchmarks register in-process add-ons this way)."""
    _HOSTS[ctx] = host


def list_plugins(ctx: AppContext) -> list[PluginInfo]:
    return host_for(ctx).infos()


def set_enabled(ctx: AppContext, name: str, enabled: bool) -> PluginInfo:
    return host_for(ctx).set_enabled(name, enabled)


def install(ctx: AppContext, spec: str, **options: Any) -> InstallSummary:
    """pip-install an add-on (folder, wheel, sdist) into refdesk's environment, then rediscover add-ons.

    Slow (pip may build the project): call it off the GUI thread. ``options`` go to ``install.install``.
    """
    summary = _install.install(spec, **options)
    if not summary.dry_run:
        use_host(ctx, PluginHost(ctx.settings))
    return summary


def uninstall(ctx: AppContext, name: str) -> str:
    """Remove an add-on by its name or distribution name (pip uninstall), then rediscover add-ons."""
    distribution = host_for(ctx).find(name).info.distribution
    message = _install.uninstall(distribution)
    use_host(ctx, PluginHost(ctx.settings))
    return message


def services_of(ctx: AppContext) -> dict[str, str]:
    """Service base URLs an add-on may use, from refdesk's settings (and so REFDESK_*_API_URL)."""
    s = ctx.settings
    return {"crossref": s.crossref_api_url, "openalex": s.openalex_api_url, "doaj": s.doaj_api_url, "doi": s.doi_resolver_url}


def context_factory(ctx: AppContext, *, refresh: bool = False) -> runner.ContextFactory:
    """Contexts for the add-ons of one run; ``refresh`` sends their requests past the HTTP cache."""
    http = _HostHttp(ctx.http, refresh=refresh)  # created here, on the caller's thread, and shared by every add-on
    services = MappingProxyType(services_of(ctx))
    settings = ctx.settings

    def make(name: str, cancelled: Callable[[], bool]) -> PluginContext:
        own = MappingProxyType(settings.plugin_settings_for(name))
        return PluginContext(
            name=name,
            http=http,
            settings=own,
            log=logging.getLogger(f"refdesk.plugins.{name}"),
            services=services,
            contact_email=settings.contact_email,
            timeout=settings.plugin_timeout,
            cancelled=cancelled,
        )

    return make


def enrich(
    ctx: AppContext,
    keys: Sequence[str] | None,
    plugin: str | None = None,
    progress: runner.Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    apply: bool = False,
    timeout: float | None = None,
    lane_width: int | None = None,
    refresh: bool = False,
) -> EnrichReport:
    """Run the enabled add-ons (or just ``plugin``) on ``keys`` (None: every record); store suggestions.

    With ``apply`` the safe policy accepts what it may, record by record as they finish; with ``refresh``
    the add-ons' requests go past the HTTP cache (the fresh answers are stored).
    """
    library = ctx.library
    store = SuggestionStore(library)
    plugins = host_for(ctx).runnable(plugin)
    if not plugins:
        raise InvalidInputError("No enrichment add-on is enabled (site add-ons read pages on import, they do not enrich); "
                                "see `refdesk plugins list`")
    wanted = list(dict.fromkeys(keys)) if keys is not None else library.keys(trash=False)
    missing = [k for k in wanted if not library.exists(k)] if keys is not None else []
    if missing:
        raise NotFoundError(f"No record with key {', '.join(missing[:5])} in the library")
    report = EnrichReport(records=len(wanted), plugins=[name for name, _ in plugins])
    make_context = context_factory(ctx, refresh=refresh)
    started = time.monotonic()

    def on_record(key: str, outcomes: list[runner.Outcome]) -> None:
        report.succeeded += len(outcomes)
        for outcome in outcomes:
            if outcome.suggestions:
                stored = store.add(key, outcome.plugin, outcome.suggestions)
                report.suggestions.extend(s for s in stored if s.status == "pending")
        if apply:
            report.applied.merge(_apply_safe(library, [key], store))

    active = list(plugins)
    done = 0
    for first in range(0, len(wanted), BATCH):  # batches bound the memory a whole large library would take
        batch = [library.get(k) for k in wanted[first : first + BATCH]]
        records = [RecordView(rec.to_json(), rec.key) for rec in batch]
        offset, before = time.monotonic() - started, done

        def batch_progress(d: int, total: int, key: str, before: int = before) -> None:
            if progress is not None:
                progress(before + d, len(wanted), key)

        result = runner.run(
            records,
            active,
            make_context,
            timeout=timeout if timeout is not None else ctx.settings.plugin_timeout,
            lane_width=lane_width if lane_width is not None else max(1, ctx.settings.per_host_limit),
            on_record=on_record,
            progress=batch_progress,
            cancel=cancel,
        )
        done += len(records)
        report.problems.extend(result.problems)
        report.plugin_seconds.update({name: offset + secs for name, secs in result.plugin_seconds.items()})
        if result.cancelled:
            report.cancelled = True
            break
        if result.gave_up and done < len(wanted):
            for name in sorted(result.gave_up):
                report.problems.append(runner.Problem(name, "", "skipped", f"gave up after timeouts; not run for "
                                                                           f"{len(wanted) - done} more record(s)"))
            active = [(name, pm) for name, pm in active if name not in result.gave_up]
            if not active:
                break
    if apply and report.suggestions:  # keep only what the policy left pending
        still = {s.id for s in store.query(None, "pending")}
        report.suggestions = [s for s in report.suggestions if s.id in still]
    report.seconds = time.monotonic() - started
    return report


def suggestions(ctx: AppContext, key: str | None = None, status: str | None = "pending") -> list[StoredSuggestion]:
    if key is not None:
        ctx.library.get(key)  # a clear NotFoundError for a wrong key
    return SuggestionStore(ctx.library).query(key, status)


def accept(ctx: AppContext, ids: Sequence[int]) -> ApplyReport:
    return _accept(ctx.library, ids)


def reject(ctx: AppContext, ids: Sequence[int]) -> list[StoredSuggestion]:
    return _reject(ctx.library, ids)


def apply_safe(ctx: AppContext, keys: Sequence[str] | None = None) -> ApplyReport:
    return _apply_safe(ctx.library, keys)


def tag_provenance(ctx: AppContext, key: str) -> dict[str, list[StoredSuggestion]]:
    """Each tag of the record -> the accepted suggestions it came from (empty: the user's own or imported)."""
    return SuggestionStore(ctx.library).tag_provenance(ctx.library.get(key))
