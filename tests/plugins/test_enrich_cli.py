"""`refdesk enrich` through the CLI: its exit status, the problems it shows and hides, and --refresh."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from refdesk.app import AppContext
from refdesk.model import Record
from refdesk.plugins import manager
from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView
from refdesk.plugins.host import PluginHost

from .conftest import FnPlugin


def _use(monkeypatch: pytest.MonkeyPatch, **plugins: object) -> None:
    """Every AppContext the CLI makes runs exactly these in-process add-ons."""
    monkeypatch.setattr(manager, "host_for", lambda ctx: PluginHost(ctx.settings, entry_points=[], objects=plugins))


def _records(ctx: AppContext, n: int) -> list[str]:
    keys = []
    for i in range(n):
        rec = Record.new("journalArticle", source="test", title=f"Article {i}", DOI=f"10.1234/{i}")
        ctx.library.add(rec, "import")
        keys.append(rec.key)
    return keys


def broken(record: RecordView, context: PluginContext) -> None:
    raise RuntimeError(f"no luck with {record.doi}")


def test_enrich_exits_1_when_every_call_failed_and_says_where_the_hidden_problems_are(
    ctx: AppContext, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _records(ctx, 7)
    _use(monkeypatch, broken=FnPlugin(broken))
    out = cli("enrich", "--all")
    assert out.code == 1 and "No new suggestions" not in out.out
    assert "Problems (7; every call failed):" in out.err
    assert "... and 2 more from broken" in out.err and "`refdesk -v enrich ...` lists every problem" in out.err
    assert out.err.count("RuntimeError: no luck with") == 5 and f"(at {__file__}:" in out.err

    verbose = cli("-v", "enrich", "--all")
    assert verbose.code == 1 and verbose.err.count("RuntimeError: no luck with") >= 7 + 7  # the line and its traceback
    assert "Traceback (most recent call last)" in verbose.err and "more from broken" not in verbose.err

    report = cli("enrich", "--all", "--json")
    assert report.code == 1
    data = report.json()
    assert data["succeeded"] == 0 and len(data["problems"]) == 7 and "Traceback" in data["problems"][0]["traceback"]


def test_enrich_exits_0_when_some_calls_answered(ctx: AppContext, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _records(ctx, 2)

    def half(record: RecordView, context: PluginContext) -> Enrichment:
        if record.key == keys[0]:
            raise RuntimeError("down")
        return Enrichment()

    _use(monkeypatch, half=FnPlugin(half))
    out = cli("enrich", "--all")
    assert out.code == 0 and "Problems (1; 1 call(s) answered):" in out.err


def test_refresh_asks_the_service_again_past_the_cache(ctx: AppContext, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                      httpserver: HTTPServer) -> None:
    httpserver.expect_request("/subjects").respond_with_json({"subjects": ["Ecology"]})

    def ask(record: RecordView, context: PluginContext) -> Enrichment:
        found = Enrichment()
        for term in context.get_json(httpserver.url_for("/subjects"))["subjects"]:
            found.add(SUBJECT, term, "Local")
        return found

    (key,) = _records(ctx, 1)
    _use(monkeypatch, local=FnPlugin(ask))
    assert cli("enrich", key).code == 0
    assert cli("enrich", key).code == 0
    assert len(httpserver.log) == 1  # the second run was answered from the HTTP cache
    out = cli("enrich", key, "--refresh")
    assert out.code == 0, out.err
    assert len(httpserver.log) == 2
