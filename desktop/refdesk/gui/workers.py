"""Background jobs for the GUI: core calls run in a QThreadPool, never on the GUI thread.

A job is a plain function ``job(task) -> result`` that may call ``task.progress(done,
total, message)`` and should check ``task.cancelled()`` between steps. Results,
progress and errors come back to the GUI thread through Qt signals (queued
connections), so slots may touch widgets. A ``RefdeskError`` is shown by its
message; anything else becomes a one-line "Unexpected error" text (the traceback
goes to the log only), so the user never sees a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from refdesk.errors import RefdeskError

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised by ``Task.check()`` inside a job when the user pressed Cancel."""


def readable_error(exc: BaseException) -> str:
    """The message to show for an exception: a RefdeskError as written, others summarised."""
    if isinstance(exc, RefdeskError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return f"Unexpected error ({exc.__class__.__name__}){': ' + text if text else ''}"


class WorkerSignals(QObject):
    """Signals of one job; they live on the GUI thread so slots run there."""

    progress = Signal(int, int, str)  # done, total (0 = unknown), message
    result = Signal(object)
    error = Signal(str)
    cancelled = Signal()
    finished = Signal()  # always last, after result/error/cancelled


class Task:
    """What a running job sees: report progress, ask whether it was cancelled."""

    def __init__(self, signals: WorkerSignals, cancel_event: threading.Event) -> None:
        self._signals = signals
        self._cancel = cancel_event

    def progress(self, done: int, total: int = 0, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)

    def say(self, message: str) -> None:
        self._signals.progress.emit(0, 0, message)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """For core calls that take a ``threading.Event`` (e.g. Zotero sync)."""
        return self._cancel

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


Job = Callable[[Task], Any]


class Worker(QRunnable):
    """One job in the pool; ``cancel()`` asks it to stop (the job checks at its next step)."""

    def __init__(self, job: Job, name: str = "job") -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Python object owns it; Qt must not delete it under us
        self.job = job
        self.name = name
        self.signals = WorkerSignals()
        self._cancel = threading.Event()
        self.done = threading.Event()  # set on the worker thread when the job has returned
        self.delivered = False  # set on the GUI thread once every signal of the job has been handled

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        task = Task(self.signals, self._cancel)
        try:
            value = self.job(task)
        except Cancelled:
            self.signals.cancelled.emit()
        except BaseException as exc:  # a job may raise anything; show it, never crash the app
            if self._cancel.is_set():
                self.signals.cancelled.emit()
            else:
                if not isinstance(exc, RefdeskError):
                    log.exception("job %s failed", self.name)
                self.signals.error.emit(readable_error(exc))
        else:
            if self._cancel.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.result.emit(value)
        finally:
            self.done.set()
            self.signals.finished.emit()


class WorkerPool(QObject):
    """The app's pool of jobs; keeps running workers alive and can cancel them all on exit."""

    #: A worker whose signals have all been handled (it has just left ``running``); on the GUI thread.
    delivered = Signal(object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.running: set[Worker] = set()

    def start(
        self,
        job: Job,
        *,
        name: str = "job",
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> Worker:
        worker = Worker(job, name)
        s = worker.signals
        if on_result is not None:
            s.result.connect(on_result)
        if on_error is not None:
            s.error.connect(on_error)
        if on_progress is not None:
            s.progress.connect(on_progress)
        if on_cancelled is not None:
            s.cancelled.connect(on_cancelled)
        if on_finished is not None:
            s.finished.connect(on_finished)

        def delivered() -> None:
            worker.delivered = True
            self.running.discard(worker)
            self.delivered.emit(worker)

        s.finished.connect(delivered)
        self.running.add(worker)
        self.pool.start(worker)
        return worker

    def cancel_all(self) -> None:
        for worker in list(self.running):
            worker.cancel()

    def wait(self, msecs: int = 5000) -> bool:
        return bool(self.pool.waitForDone(msecs))
