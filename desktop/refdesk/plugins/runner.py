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
#: How one record × add-on pair ended: each pair ends exactly once, in one of these ways.
Ending = Literal["answered", "error", "invalid", "timeout", "skipped", "cancelled", "not started"]


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
    #: (record key, add-on) -> how that pair ended ("answered", "timeout", "not started"...): every pair, once
    ended: dict[tuple[str, str], Ending] = field(default_factory=dict)


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


class _Tally:
    """The run's accounts. **Invariant: every record × add-on pair is accounted exactly once** — answered (its
    outcome, possibly empty), failed (an exception, or output refused as a whole), timed out, skipped (the add-on
    was given up on while the call ran), cancelled, or never started (the add-on was given up on, or the run
    cancelled, before it got to the record). ``account`` is the only place the counts change: a record is done
    (``on_record``, then ``progress``) when its last add-on is accounted, an add-on when its last record is.
    The run ends when every record is done, or at a cancel."""

    def __init__(self, records: Sequence[RecordView], plugins: Sequence[str], result: RunResult, started: float,
                 on_record: Callable[[str, list[Outcome]], None] | None, progress: Progress | None) -> None:
        self.total = len(records)
        self.result = result
        self.started = started
        self.on_record = on_record
        self.progress = progress
        self.plugins_left_for = {r.key: len(plugins) for r in records}  # record key -> add-ons not yet accounted
        self.records_left_for = {name: len(records) for name in plugins}  # add-on -> records not yet accounted
        self.outcomes: dict[str, list[Outcome]] = {r.key: [] for r in records}
        #: (record key, add-on) -> how the pair ended; a pair is in here once, and every pair is by the end
        self.ended: dict[tuple[str, str], Ending] = {}
        self.records_done = 0

    @property
    def finished(self) -> bool:
        return self.records_done >= self.total

    def account(self, key: str, plugin: str, ending: Ending, outcome: Outcome | None = None) -> None:
        """Pair (``key``, ``plugin``) has ended: count it, once."""
        if (key, plugin) in self.ended:  # a bug in the runner: never count a pair twice
            log.error("%s on %s was accounted twice (%s, then %s); the second is ignored", plugin, key,
                      self.ended[key, plugin], ending)
            return
        self.ended[key, plugin] = ending
        if outcome is not None:
            self.result.outcomes.append(outcome)
            self.outcomes[key].append(outcome)
        self.records_left_for[plugin] -= 1
        if self.records_left_for[plugin] == 0:
            self.result.plugin_seconds[plugin] = time.monotonic() - self.started
        self.plugins_left_for[key] -= 1
        if self.plugins_left_for[key] == 0 and not self.result.cancelled:
            self.records_done += 1
            outcomes = self.outcomes.pop(key)
            if self.on_record is not None:
                self.on_record(key, outcomes)
            if self.progress is not None:
                self.progress(self.records_done, self.total, key)


class _Run:
    """One ``run``: the lanes, the tally, and the coordinator's steps on the calling thread."""

    def __init__(self, records: Sequence[RecordView], plugins: Sequence[tuple[str, pluggy.PluginManager]],
                 make_context: ContextFactory, *, timeout: float, lane_width: int, max_timeouts: int,
                 on_record: Callable[[str, list[Outcome]], None] | None, progress: Progress | None,
                 cancel: Callable[[], bool] | None) -> None:
        self.started = time.monotonic()
        self.result = RunResult(records=len(records))
        self.timeout = timeout
        self.max_timeouts = max_timeouts
        self.cancel = cancel
        self.inbox: queue.Queue[_Message] = queue.Queue()
        self.lanes = {name: _Lane(name, manager, records, lane_width, make_context, self.inbox) for name, manager in plugins}
        self.tally = _Tally(records, list(self.lanes), self.result, self.started, on_record, progress)

    def go(self) -> RunResult:
        for lane in self.lanes.values():
            lane.start()
        while not self.tally.finished:
            if self.cancel is not None and self.cancel():
                self.cancel_all()
                break
            self.receive()
            self.enforce_deadlines(time.monotonic())
        self.result.seconds = time.monotonic() - self.started
        return self.result

    def problem(self, plugin: str, key: str, kind: ProblemKind, message: str, detail: str = "") -> None:
        self.result.problems.append(Problem(plugin, key, kind, message, detail))

    # -- answers ---------------------------------------------------------------
    def receive(self) -> None:
        """Wait for answers until the next deadline (50 ms at most), then settle every answer that is ready."""
        deadlines = [d for d in (lane.next_deadline(self.timeout) for lane in self.lanes.values()) if d is not None]
        wait = 0.05 if not deadlines else max(0.0, min(0.05, min(deadlines) - time.monotonic()))
        try:
            message = self.inbox.get(timeout=wait)
        except queue.Empty:
            return
        while True:
            self.settle(*message)
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                return

    def settle(self, name: str, record: RecordView, value: object, seconds: float, error: BaseException | None) -> None:
        """One call returned or raised: its problems, its valid suggestions, and its pair accounted."""
        if error is not None:
            detail = "".join(traceback.format_exception(error)).rstrip()
            where = _where(error, self.lanes[name].home)
            self.problem(name, record.key, "error", f"failed: {_describe(error, where)}", detail)
            self.tally.account(record.key, name, "error")
            return
        checked = check_result(value)
        if isinstance(checked, Rejected):
            self.problem(name, record.key, "invalid", f"output rejected: {checked.reason}")
            self.tally.account(record.key, name, "invalid")
            return
        self.tally.account(record.key, name, "answered", Outcome(name, record.key, self.valid(name, record, checked), seconds))

    def valid(self, name: str, record: RecordView, suggestions: list[Suggestion]) -> list[Suggestion]:
        """The suggestions that pass validation (the others named as problems), subjects capped."""
        good: list[Suggestion] = []
        for s in suggestions:
            ok = check_suggestion(s, record.item_type or "document", name)
            if isinstance(ok, Rejected):
                what = f" for {ok.field}" if ok.field else ""
                self.problem(name, record.key, "invalid", f"suggestion{what} rejected: {ok.reason}")
            else:
                good.append(ok)
        good, dropped = cap_subjects(good)
        if dropped:
            self.problem(name, record.key, "invalid", f"suggested {MAX_SUBJECTS + dropped} subjects; "
                                                      f"the first {MAX_SUBJECTS} are offered, {dropped} left out")
        return good

    # -- timeouts and giving up ---------------------------------------------------
    def enforce_deadlines(self, now: float) -> None:
        """Calls past ``timeout`` are abandoned: exactly ``max_timeouts`` per add-on count as timeouts; at the last
        one the add-on is given up on (see ``give_up``); otherwise a worker replaces each abandoned one."""
        for lane in self.lanes.values():
            late = sorted(lane.overdue(now, self.timeout), key=lambda c: c.started)
            for call in late:
                if lane.timeouts < self.max_timeouts:  # exactly max_timeouts are counted; the others were stopped with it
                    lane.timeouts += 1
                    self.problem(lane.name, call.record.key, "timeout", f"stopped after {self.timeout:g} s (timed out)")
                    self.tally.account(call.record.key, lane.name, "timeout")
                else:
                    self.problem(lane.name, call.record.key, "skipped", self.given_up)
                    self.tally.account(call.record.key, lane.name, "skipped")
            if not late:
                continue
            if lane.timeouts >= self.max_timeouts:
                self.give_up(lane)
            else:
                for _ in late:
                    lane.spawn()

    @property
    def given_up(self) -> str:
        return f"stopped: the add-on timed out {self.max_timeouts} times and was given up on"

    def give_up(self, lane: _Lane) -> None:
        """The add-on timed out ``max_timeouts`` times: its calls still running are stopped now (skipped, not counted
        as they overrun) and the records it never started are accounted in one problem."""
        self.result.gave_up.add(lane.name)
        never_run = lane.halt()
        for call in lane.abandon_all():
            self.problem(lane.name, call.record.key, "skipped", self.given_up)
            self.tally.account(call.record.key, lane.name, "skipped")
        if never_run:
            self.problem(lane.name, "", "skipped", f"timed out {lane.timeouts} times; not run for {len(never_run)} more record(s)")
        for rec in never_run:
            self.tally.account(rec.key, lane.name, "not started")

    def cancel_all(self) -> None:
        """The user cancelled: every running call and every record not started is accounted as cancelled."""
        self.result.cancelled = True
        for lane in self.lanes.values():
            for call in lane.abandon_all():
                self.problem(lane.name, call.record.key, "cancelled", "cancelled while running")
                self.tally.account(call.record.key, lane.name, "cancelled")
            never_run = lane.halt()
            if never_run:
                self.problem(lane.name, "", "cancelled", f"cancelled; not run for {len(never_run)} more record(s)")
            for rec in never_run:
                self.tally.account(rec.key, lane.name, "not started")


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
    Every record × add-on pair is accounted exactly once (``_Tally``; ``RunResult.ended`` says how each ended).
    """
    if not records or not plugins:
        return RunResult(records=len(records))
    state = _Run(records, plugins, make_context, timeout=timeout, lane_width=lane_width, max_timeouts=max_timeouts,
                 on_record=on_record, progress=progress, cancel=cancel)
    result = state.go()
    result.ended = state.tally.ended
    return result
