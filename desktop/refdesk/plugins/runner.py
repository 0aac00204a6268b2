"""Running add-ons over records: concurrently, off the caller's thread, each call with a timeout.

Each add-on gets its own lane of worker threads, so a slow or hanging add-on can
only ever occupy its own lane: the others keep their pace. Workers are daemon
threads because Python cannot kill a thread: a call that overruns its timeout is
abandoned (reported, its context marked cancelled, its worker replaced) and, after
``max_timeouts`` of them in one run, the add-on is skipped for the rest of the run.
Results are validated and handed to the caller's thread record by record.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

import pluggy

from refdesk.plugins.api import PluginContext, RecordView, Suggestion
from refdesk.plugins.validation import MAX_SUBJECTS, Rejected, cap_subjects, check_result, check_suggestion

log = logging.getLogger(__name__)

ProblemKind = Literal["error", "timeout", "invalid", "skipped", "cancelled"]
ContextFactory = Callable[[str, Callable[[], bool]], PluginContext]
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Problem:
    """Something an add-on did wrong (or could not do), named so the user knows whom to blame."""

    plugin: str
    key: str
    kind: ProblemKind
    message: str
    #: for an exception: the traceback (``refdesk enrich -v`` prints it)
    detail: str = ""

    def __str__(self) -> str:
        where = f" on {self.key}" if self.key else ""
        return f"{self.plugin}{where}: {self.message}"


@dataclass
class Outcome:
    """The valid suggestions of one add-on for one record."""

    plugin: str
    key: str
    suggestions: list[Suggestion]
    seconds: float


@dataclass
class RunResult:
    records: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    #: seconds from the start until each add-on was done with its last record (finished, failed or skipped)
    plugin_seconds: dict[str, float] = field(default_factory=dict)
    #: add-ons stopped for timing out ``max_timeouts`` times (a caller running more batches should leave them out)
    gave_up: set[str] = field(default_factory=set)


@dataclass(eq=False)
class _Call:
    record: RecordView
    started: float
    stop: threading.Event = field(default_factory=threading.Event)
    abandoned: bool = False


_Message = tuple[str, RecordView, object, float, BaseException | None]  # plugin, record, result, seconds, error


class _Lane:
    """The worker threads of one add-on, fed from its own queue of records."""

    def __init__(self, name: str, manager: pluggy.PluginManager, records: Sequence[RecordView], width: int,
                 make_context: ContextFactory, out: queue.Queue[_Message]) -> None:
        self.name = name
        self.manager = manager
        self.todo: deque[RecordView] = deque(records)
        self.width = max(1, width)
        self.make_context = make_context
        self.out = out
        self.lock = threading.Lock()
        self.running: set[_Call] = set()
        self.stopped = False
        self.timeouts = 0
        self.home = _homes(manager)

    def start(self) -> None:
        for _ in range(min(self.width, len(self.todo))):
            self.spawn()

    def spawn(self) -> None:
        threading.Thread(target=self._work, name=f"refdesk-plugin-{self.name}", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self.lock:
                if self.stopped or not self.todo:
                    return
                call = _Call(self.todo.popleft(), time.monotonic())
                self.running.add(call)
            result: object = None
            error: BaseException | None = None
            try:
                context = self.make_context(self.name, call.stop.is_set)
                results = self.manager.hook.enrich(record=call.record, context=context)
                result = results[0] if len(results) == 1 else (results or None)
            except BaseException as exc:  # an add-on may raise anything, even SystemExit
                error = exc
            seconds = time.monotonic() - call.started
            with self.lock:
                self.running.discard(call)
                if call.abandoned:
                    return  # the coordinator gave up on this call and started a replacement worker
            self.out.put((self.name, call.record, result, seconds, error))

    def overdue(self, now: float, timeout: float) -> list[_Call]:
        with self.lock:
            late = [c for c in self.running if now - c.started > timeout]
            for c in late:
                c.abandoned = True
                c.stop.set()
                self.running.discard(c)
        return late

    def next_deadline(self, timeout: float) -> float | None:
        with self.lock:
            return min((c.started + timeout for c in self.running), default=None)

    def halt(self) -> list[RecordView]:
        """Stop taking records; return those never started."""
        with self.lock:
            self.stopped = True
            left = list(self.todo)
            self.todo.clear()
            return left

    def abandon_all(self) -> list[_Call]:
        with self.lock:
            calls = list(self.running)
            for c in calls:
                c.abandoned = True
                c.stop.set()
            self.running.clear()
            return calls


def _describe(exc: BaseException, where: str = "") -> str:
    text = " ".join(str(exc).split())
    what = f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
    return f"{what} (at {where})" if where else what


def _homes(manager: pluggy.PluginManager) -> tuple[str, ...]:
    """The folders of the add-on's own code, to find its line in a traceback."""
    homes = []
    for plugin in manager.get_plugins():
        module = plugin if isinstance(plugin, ModuleType) else sys.modules.get(type(plugin).__module__)
        file = getattr(module, "__file__", None)
        if file:
            homes.append(os.path.dirname(os.path.abspath(file)) + os.sep)
    return tuple(homes)


_NOT_THE_ADD_ON = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,  # refdesk
                   os.path.dirname(os.path.abspath(pluggy.__file__)) + os.sep,
                   os.path.dirname(os.path.abspath(os.__file__)) + os.sep)  # the standard library


def _where(exc: BaseException, homes: tuple[str, ...]) -> str:
    """``file:line`` of the innermost frame in the add-on's own folder (else outside refdesk, pluggy and the
    standard library): where the add-on raised, or called what raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.abspath(f.filename).startswith(homes)] if homes else []
    other = [f for f in frames if not os.path.abspath(f.filename).startswith(_NOT_THE_ADD_ON)]
    chosen = own or other
    return f"{chosen[-1].filename}:{chosen[-1].lineno}" if chosen else ""


def run(
    records: Sequence[RecordView],
    plugins: Sequence[tuple[str, pluggy.PluginManager]],
    make_context: ContextFactory,
    *,
    timeout: float = 30.0,
    lane_width: int = 4,
    max_timeouts: int = 3,
    on_record: Callable[[str, list[Outcome]], None] | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RunResult:
    """Run every add-on on every record; blocks the calling thread, which only coordinates.

    ``on_record(key, outcomes)`` runs on the calling thread as soon as every add-on is
    done with a record (to store its suggestions); ``progress(done, total, key)`` after it.
    """
    started = time.monotonic()
    result = RunResult(records=len(records))
    if not records or not plugins:
        return result
    inbox: queue.Queue[_Message] = queue.Queue()
    lanes = {name: _Lane(name, manager, records, lane_width, make_context, inbox) for name, manager in plugins}
    remaining = {r.key: len(lanes) for r in records}
    left = {name: len(records) for name in lanes}
    per_record: dict[str, list[Outcome]] = {r.key: [] for r in records}
    done_records = 0

    def account(key: str, plugin: str) -> None:
        nonlocal done_records
        left[plugin] -= 1
        if left[plugin] == 0:
            result.plugin_seconds[plugin] = time.monotonic() - started
        remaining[key] -= 1
        if remaining[key] == 0 and not result.cancelled:
            done_records += 1
            outcomes = per_record.pop(key)
            if on_record is not None:
                on_record(key, outcomes)
            if progress is not None:
                progress(done_records, len(records), key)

    def settle(name: str, record: RecordView, value: object, seconds: float, error: BaseException | None) -> None:
        if error is not None:
            detail = "".join(traceback.format_exception(error)).rstrip()
            result.problems.append(Problem(name, record.key, "error", f"failed: {_describe(error, _where(error, lanes[name].home))}", detail))
        else:
            checked = check_result(value)
            if isinstance(checked, Rejected):
                result.problems.append(Problem(name, record.key, "invalid", f"output rejected: {checked.reason}"))
            else:
                good: list[Suggestion] = []
                for s in checked:
                    ok = check_suggestion(s, record.item_type or "document", name)
                    if isinstance(ok, Rejected):
                        what = f" for {ok.field}" if ok.field else ""
                        result.problems.append(Problem(name, record.key, "invalid", f"suggestion{what} rejected: {ok.reason}"))
                    else:
                        good.append(ok)
                good, dropped = cap_subjects(good)
                if dropped:
                    result.problems.append(Problem(name, record.key, "invalid", f"suggested {MAX_SUBJECTS + dropped} subjects; "
                                                   f"the first {MAX_SUBJECTS} are offered, {dropped} left out"))
                outcome = Outcome(name, record.key, good, seconds)
                result.outcomes.append(outcome)
                per_record[record.key].append(outcome)
        account(record.key, name)

    def skip(lane: _Lane, kind: ProblemKind, why: str) -> None:
        never_run = lane.halt()
        if never_run:
            result.problems.append(Problem(lane.name, "", kind, f"{why}; not run for {len(never_run)} more record(s)"))
        for rec in never_run:
            account(rec.key, lane.name)

    for lane in lanes.values():
        lane.start()
    while done_records < len(records):
        if cancel is not None and cancel():
            result.cancelled = True
            for lane in lanes.values():
                for call in lane.abandon_all():
                    result.problems.append(Problem(lane.name, call.record.key, "cancelled", "cancelled while running"))
                    account(call.record.key, lane.name)
                skip(lane, "cancelled", "cancelled")
            break
        deadlines = [d for d in (lane.next_deadline(timeout) for lane in lanes.values()) if d is not None]
        wait = 0.05 if not deadlines else max(0.0, min(0.05, min(deadlines) - time.monotonic()))
        try:
            message = inbox.get(timeout=wait)
        except queue.Empty:
            pass
        else:
            settle(*message)
            while True:  # drain what else is ready before checking deadlines again
                try:
                    message = inbox.get_nowait()
                except queue.Empty:
                    break
                settle(*message)
        now = time.monotonic()
        for lane in lanes.values():
            late = sorted(lane.overdue(now, timeout), key=lambda c: c.started)
            given_up = f"stopped: the add-on timed out {max_timeouts} times and was given up on"
            for call in late:
                if lane.timeouts < max_timeouts:  # exactly max_timeouts are counted; the others were stopped with it
                    lane.timeouts += 1
                    result.problems.append(Problem(lane.name, call.record.key, "timeout", f"stopped after {timeout:g} s (timed out)"))
                else:
                    result.problems.append(Problem(lane.name, call.record.key, "skipped", given_up))
                account(call.record.key, lane.name)
            if late:
                if lane.timeouts >= max_timeouts:
                    result.gave_up.add(lane.name)
                    never_run = lane.halt()
                    for call in lane.abandon_all():  # calls still running are stopped now, not counted as they overrun
                        result.problems.append(Problem(lane.name, call.record.key, "skipped", given_up))
                        account(call.record.key, lane.name)
                    if never_run:
                        result.problems.append(Problem(lane.name, "", "skipped", f"timed out {lane.timeouts} times; "
                                                       f"not run for {len(never_run)} more record(s)"))
                    for rec in never_run:
                        account(rec.key, lane.name)
                else:
                    for _ in late:
                        lane.spawn()
    result.seconds = time.monotonic() - started
    return result
