"""The runner's invariant (issue 17 item 7): every record × add-on pair is accounted exactly once — answered,
failed, refused, timed out, skipped, cancelled or never started — under timeouts, errors and a cancel, and a record
reaches ``on_record`` once, when its last add-on is accounted."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from refdesk.plugins import runner
from refdesk.plugins.api import Enrichment, PluginContext, RecordView
from refdesk.plugins.host import _make_manager

from .conftest import FnPlugin

RECORDS = [RecordView.from_data({"itemType": "journalArticle", "title": f"Record {n}", "key": f"K{n:03d}"}) for n in range(12)]


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Hanging add-ons wait on this; set at the end so their abandoned threads finish."""
    event = threading.Event()
    yield event
    event.set()


def answers(record: RecordView, context: PluginContext) -> Enrichment:
    found = Enrichment()
    found.add("language", "en", source="Test")
    return found


def raises_on_odd(record: RecordView, context: PluginContext) -> Enrichment | None:
    if int(record.key[1:]) % 2:
        raise RuntimeError("odd record")
    return None


def refuses(record: RecordView, context: PluginContext) -> object:
    return "not an enrichment"


def hangs_after(n: int, release: threading.Event) -> Callable[[RecordView, PluginContext], Any]:
    def fn(record: RecordView, context: PluginContext) -> None:
        if int(record.key[1:]) >= n:
            release.wait(30)
        return None

    return fn


def _run(plugins: dict[str, Callable[..., Any]], **options: Any) -> tuple[runner.RunResult, list[str]]:
    seen: list[str] = []

    def on_record(key: str, outcomes: list[runner.Outcome]) -> None:
        seen.append(key)

    managers = [(name, _make_manager(name, FnPlugin(fn))) for name, fn in plugins.items()]
    result = runner.run(RECORDS, managers, lambda name, cancelled: PluginContext.for_tests(name, cancelled=cancelled),
                        on_record=on_record, **options)
    return result, seen


def assert_every_pair_once(result: runner.RunResult, plugins: list[str]) -> None:
    assert set(result.ended) == {(r.key, p) for r in RECORDS for p in plugins}
    assert len(result.ended) == len(RECORDS) * len(plugins)
    # What the user reads adds up to the same: an outcome, or a problem naming the record, or a record counted in
    # one "not run for N more record(s)" line — per pair, once.
    by_pair = Counter((o.key, o.plugin) for o in result.outcomes)
    by_pair.update((p.key, p.plugin) for p in result.problems if p.key and p.kind != "invalid")
    by_pair.update((p.key, p.plugin) for p in result.problems if p.kind == "invalid" and p.message.startswith("output rejected"))
    for p in result.problems:
        if not p.key:
            by_pair[("", p.plugin)] += int(p.message.split("not run for ")[1].split()[0])
    never_started = Counter(p for (_, p), how in result.ended.items() if how == "not started")
    assert {k: v for k, v in by_pair.items() if k[0]} == {pair: 1 for pair, how in result.ended.items() if how != "not started"}
    assert {p: n for (k, p), n in by_pair.items() if not k} == dict(never_started)


def test_answers_errors_refusals_and_timeouts_account_every_pair_once(release: threading.Event) -> None:
    plugins = {"good": answers, "odd": raises_on_odd, "refuses": refuses, "hangs": hangs_after(2, release)}
    result, seen = _run(plugins, timeout=0.3, lane_width=2, max_timeouts=3)
    assert_every_pair_once(result, list(plugins))
    assert sorted(seen) == [r.key for r in RECORDS]  # each record reached on_record exactly once
    endings = Counter(result.ended.values())
    assert Counter(how for (_, p), how in result.ended.items() if p == "good") == {"answered": 12}
    assert Counter(how for (_, p), how in result.ended.items() if p == "odd") == {"answered": 6, "error": 6}
    assert Counter(how for (_, p), how in result.ended.items() if p == "refuses") == {"invalid": 12}
    hung = Counter(how for (_, p), how in result.ended.items() if p == "hangs")
    assert hung["answered"] == 2 and hung["timeout"] == 3  # exactly max_timeouts count as timeouts
    assert sum(hung.values()) == 12 and endings["timeout"] == 3
    assert result.gave_up == {"hangs"} and set(result.plugin_seconds) == set(plugins)


def test_a_cancel_accounts_every_pair_once_and_ends_the_run(release: threading.Event) -> None:
    started = threading.Event()

    def slow(record: RecordView, context: PluginContext) -> None:
        if int(record.key[1:]) >= 3:
            started.set()
            release.wait(30)

    plugins = {"good": answers, "slow": slow}
    result, seen = _run(plugins, timeout=30, lane_width=2, cancel=started.is_set)
    assert result.cancelled
    assert_every_pair_once(result, list(plugins))
    slow_ends = Counter(how for (_, p), how in result.ended.items() if p == "slow")
    assert slow_ends["cancelled"] >= 1 and slow_ends["cancelled"] + slow_ends["answered"] + slow_ends["not started"] == 12
    assert len(seen) == len(set(seen)) and set(seen) <= {f"K{n:03d}" for n in range(3)}  # never a record twice


def test_a_pair_is_never_counted_twice(caplog: pytest.LogCaptureFixture) -> None:
    result = runner.RunResult(records=1)
    calls: list[str] = []
    tally = runner._Tally(RECORDS[:1], ["a"], result, 0.0, lambda key, outcomes: calls.append(key), None)
    tally.account("K000", "a", "answered")
    tally.account("K000", "a", "timeout")
    assert calls == ["K000"] and tally.ended == {("K000", "a"): "answered"} and tally.finished
    assert "accounted twice" in caplog.text
