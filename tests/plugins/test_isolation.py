"""Add-ons that raise, hang, return the wrong thing, HTML or 10 MB are stopped or rejected, by name."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from refdesk.app import AppContext
from refdesk.plugins import manager
from refdesk.plugins.api import SUBJECT, Enrichment, PluginContext, RecordView, Suggestion

from .conftest import SEED_CUT_ABSTRACT, FnPlugin, seed_record


def good(record: RecordView, context: PluginContext) -> Enrichment:
    found = Enrichment()
    found.add(SUBJECT, "Diplomacy", "Good service", "https://good.example/1", 0.9)
    found.add("abstractNote", SEED_CUT_ABSTRACT.removesuffix("In the…") + "In the end, it all worked out.", "Good service")
    return found


class Hanging(FnPlugin):
    """An add-on that hangs on every call until the test ends; ``calls`` lists the keys it was given."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []
        super().__init__(self._hang)

    def _hang(self, record: RecordView, context: PluginContext) -> None:
        self.calls.append(record.key)
        self.release.wait(30)


@pytest.fixture
def hangs() -> Iterator[Hanging]:
    plugin = Hanging()
    yield plugin
    plugin.release.set()


def _add(app: AppContext, n: int = 1) -> list[str]:
    keys = []
    for i in range(n):
        rec = seed_record(url=f"https://fmp.elpub.ru/jour/article/view/{i}")
        rec.set("title", f"Article {i}", "web:highwire")
        app.library.add(rec, "import")
        keys.append(rec.key)
    return keys


def test_misbehaving_add_ons_are_reported_and_the_good_one_still_applies(
    with_plugins: Callable[..., AppContext], hangs: Hanging
) -> None:
    def raises(record: RecordView, context: PluginContext) -> None:
        raise RuntimeError("service exploded")

    def html(record: RecordView, context: PluginContext) -> Enrichment:
        return Enrichment([Suggestion("abstractNote", "<html><body><p>Full text</p></body></html>", "X")])

    def huge(record: RecordView, context: PluginContext) -> Enrichment:
        return Enrichment([Suggestion("abstractNote", "word " * 2_000_000, "X")])

    app = with_plugins(
        good=FnPlugin(good), hangs=hangs, raises=FnPlugin(raises), html=FnPlugin(html), huge=FnPlugin(huge),
        wrongtype=FnPlugin(lambda r, c: "subjects: a, b"),
        badfield=FnPlugin(lambda r, c: Enrichment([Suggestion("numPages", "12", "X"), Suggestion("creators", "x", "X"),
                                                     Suggestion(SUBJECT, "ok subject", "X", "javascript:alert(1)")])),
        exits=FnPlugin(lambda r, c: (_ for _ in ()).throw(SystemExit(3))),
    )
    (key,) = _add(app)
    before = app.library.get(key)
    report = manager.enrich(app, [key], apply=True, timeout=0.5)
    problems = {p.plugin: p for p in report.problems}
    assert problems["hangs"].kind == "timeout" and "timed out" in str(problems["hangs"])
    assert problems["raises"].kind == "error" and "RuntimeError: service exploded" in problems["raises"].message
    assert problems["exits"].kind == "error" and "SystemExit" in problems["exits"].message
    assert problems["html"].kind == "invalid" and "markup" in problems["html"].message
    assert problems["huge"].kind == "invalid" and "characters long" in problems["huge"].message
    assert problems["wrongtype"].kind == "invalid" and "returned str" in problems["wrongtype"].message
    bad = [p.message for p in report.problems if p.plugin == "badfield"]
    assert any("numPages" in m for m in bad) and any("cannot be suggested" in m for m in bad) and any("evidence URL" in m for m in bad)
    assert str(problems["html"]).startswith(f"html on {key}:")
    after = app.library.get(key)
    assert after.get("abstractNote").endswith("In the end, it all worked out.")
    assert after.tag_names() == ["Diplomacy"]
    assert {s.plugin for s in manager.suggestions(app, key, None)} == {"good"}
    assert before.title == after.title


def test_a_hanging_add_on_does_not_slow_the_others(with_plugins: Callable[..., AppContext], hangs: Hanging) -> None:
    app = with_plugins(good=FnPlugin(good), hangs=hangs)
    keys = _add(app, 12)
    started = time.monotonic()
    report = manager.enrich(app, keys, timeout=0.3, lane_width=2)
    elapsed = time.monotonic() - started
    assert len({s.item_key for s in report.suggestions}) == 12  # the good add-on did every record
    timeouts = [p for p in report.problems if p.kind == "timeout"]
    skipped = [p for p in report.problems if p.kind == "skipped"]
    assert 1 <= len(timeouts) <= 4 and len(hangs.calls) <= 4  # stopped after max_timeouts, not 12 hangs in a row
    assert skipped and "timed out" in skipped[0].message
    assert elapsed < 12 * 0.3  # a sanity bound, far above the expected ~0.3 s


def test_cancel_stops_the_run_and_keeps_finished_records(with_plugins: Callable[..., AppContext]) -> None:
    release = threading.Event()
    seen: list[str] = []

    def slow(record: RecordView, context: PluginContext) -> Enrichment:
        seen.append(record.key)
        release.wait(0.05)
        return good(record, context)

    app = with_plugins(slow=FnPlugin(slow))
    keys = _add(app, 20)
    progress: list[tuple[int, int]] = []
    report = manager.enrich(app, keys, progress=lambda d, t, k: progress.append((d, t)), cancel=lambda: len(progress) >= 3,
                            lane_width=1)
    assert report.cancelled
    assert 3 <= len(progress) < 20 and progress[0] == (1, 20)
    assert any(p.kind == "cancelled" for p in report.problems)
    assert len({s.item_key for s in report.suggestions}) == len(progress)


def test_enrich_runs_off_the_calling_thread(with_plugins: Callable[..., AppContext]) -> None:
    threads: set[str] = set()

    def where(record: RecordView, context: PluginContext) -> None:
        threads.add(threading.current_thread().name)

    app = with_plugins(where=FnPlugin(where))
    manager.enrich(app, _add(app, 3))
    assert threads and threading.current_thread().name not in threads


def test_record_view_is_read_only(with_plugins: Callable[..., AppContext]) -> None:
    def mutate(record: RecordView, context: PluginContext) -> None:
        record.creators[0]["lastName"] = "Changed"  # type: ignore[index]

    app = with_plugins(mutate=FnPlugin(mutate))
    (key,) = _add(app)
    report = manager.enrich(app, [key])
    assert report.problems[0].plugin == "mutate" and "TypeError" in report.problems[0].message
    assert app.library.get(key).creators[0]["lastName"] == "Sergeev"


def test_large_runs_go_in_batches_and_a_given_up_add_on_stays_out(
    with_plugins: Callable[..., AppContext], monkeypatch: pytest.MonkeyPatch, hangs: Hanging
) -> None:
    monkeypatch.setattr(manager, "BATCH", 5)
    app = with_plugins(good=FnPlugin(good), hangs=hangs)
    keys = _add(app, 12)
    progress: list[int] = []
    report = manager.enrich(app, None, progress=lambda d, t, k: progress.append(d), timeout=0.2, lane_width=2)
    assert progress == list(range(1, 13))
    assert {s.item_key for s in report.suggestions} == set(keys)
    assert len(hangs.calls) <= 4
    assert any(p.plugin == "hangs" and "not run for 7 more record(s)" in p.message for p in report.problems)


def test_a_whole_subject_list_is_cut_to_the_first_ones_and_said(with_plugins: Callable[..., AppContext]) -> None:
    """An OAI repository that sends its 2,000 subject headings for one record offers the first 50, and says so."""
    from refdesk.plugins.validation import MAX_SUBJECTS

    def flood(record: RecordView, context: PluginContext) -> Enrichment:
        found = Enrichment()
        for n in range(2000):
            found.add(SUBJECT, f"Heading {n}", "Repository")
        found.add("abstractNote", SEED_CUT_ABSTRACT.removesuffix("In the…") + "In the end, it all worked out.", "Repository")
        return found

    app = with_plugins(flood=FnPlugin(flood))
    (key,) = _add(app)
    report = manager.enrich(app, [key])
    [problem] = report.problems
    assert problem.kind == "invalid" and f"suggested 2000 subjects; the first {MAX_SUBJECTS} are offered, 1950 left out" in problem.message
    offered = manager.suggestions(app, key, None)
    assert [s.value for s in offered if s.field == SUBJECT] == [f"Heading {n}" for n in range(MAX_SUBJECTS)]
    assert any(s.field == "abstractNote" for s in offered)


def test_the_add_on_is_given_up_on_at_exactly_three_timeouts(with_plugins: Callable[..., AppContext], hangs: Hanging) -> None:
    """Four calls in flight: the third timeout stops the add-on; the calls still running are stopped with it
    (reported as skipped), not counted as more timeouts when they overrun in turn."""
    app = with_plugins(hangs=hangs)
    keys = _add(app, 12)
    report = manager.enrich(app, keys, timeout=0.3, lane_width=4)
    kinds = [p.kind for p in report.problems]
    assert kinds.count("timeout") == 3, [str(p) for p in report.problems]
    per_record = [p for p in report.problems if p.key]
    assert len(per_record) == len(hangs.calls) <= 4 + 2  # every call it got is reported once
    assert all("timed out 3 times" in p.message for p in report.problems if p.kind == "skipped")
    summary = [p for p in report.problems if not p.key]
    assert len(summary) == 1 and f"not run for {12 - len(hangs.calls)} more record(s)" in summary[0].message


def test_an_exception_names_the_add_on_file_and_line_with_the_traceback_kept(with_plugins: Callable[..., AppContext]) -> None:
    def parse(record: RecordView, context: PluginContext) -> None:
        import json

        json.loads("{not json")  # the line an author wants to see

    app = with_plugins(broken=FnPlugin(parse))
    (key,) = _add(app)
    (problem,) = manager.enrich(app, [key]).problems
    line = parse.__code__.co_firstlineno + 3
    assert problem.message.startswith("failed: JSONDecodeError: Expecting property name")
    assert problem.message.endswith(f"(at {__file__}:{line})"), problem.message
    assert "Traceback (most recent call last)" in problem.detail and 'json.loads("{not json")' in problem.detail
