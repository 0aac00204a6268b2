"""The pieces the dialogs share: the status line's error colour, a dialog's one job at a time."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget
from refdesk.app import AppContext
from refdesk.gui.widgets import JobDialog, add_label, show_status
from refdesk.gui.workers import Task, WorkerPool

from tests.gui.conftest import wait_done


def test_a_status_line_shown_already_turns_to_the_error_colour_and_back(qtbot: Any) -> None:
    holder = QWidget()
    holder.setStyleSheet('QLabel[error="true"] { color: #b3261e; }')  # the rule of app.qss
    qtbot.addWidget(holder)
    label = add_label(QVBoxLayout(holder), name="status")
    holder.show()
    qtbot.waitExposed(holder)
    normal = label.palette().color(QPalette.ColorRole.WindowText)
    show_status(label, "Could not reach the server", error=True)
    assert label.text() == "Could not reach the server" and label.property("error")
    assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#b3261e" != normal.name()
    show_status(label, "Done")
    assert not label.property("error") and label.palette().color(QPalette.ColorRole.WindowText) == normal


def test_a_job_dialog_runs_one_job_and_closing_it_drops_the_result(ctx: AppContext, qtbot: Any) -> None:
    pool = WorkerPool()
    dlg = JobDialog(ctx, pool)
    qtbot.addWidget(dlg)
    release = threading.Event()
    results: list[Any] = []

    def job(task: Task) -> str:
        release.wait(10)
        return "done"

    worker = dlg.run(job, name="slow", on_result=results.append, on_error=results.append)
    assert worker is not None and dlg.worker is worker
    assert dlg.run(job, name="second", on_result=results.append, on_error=results.append) is None
    dlg.reject()
    assert dlg.worker is None and worker.is_cancelled()
    release.set()
    wait_done(qtbot, worker)
    assert results == []

    quick = dlg.run(lambda _task: 42, name="quick", on_result=lambda v: results.append((v, dlg.worker)),
                    on_error=results.append)
    assert quick is not None
    wait_done(qtbot, quick)
    assert results == [(42, None)]  # the dialog is idle again when its result slot runs
    pool.wait()


def test_a_result_sent_just_before_the_dialog_closed_never_reaches_it(ctx: AppContext, qtbot: Any) -> None:
    """The job has returned and its signals wait in the queue when the user closes the dialog: the dialog
    (deleted on close in the app) must not get them."""
    pool = WorkerPool()
    dlg = JobDialog(ctx, pool)
    qtbot.addWidget(dlg)
    seen: list[Any] = []

    def job(task: Task) -> str:
        task.say("almost")
        return "done"

    worker = dlg.run(job, name="quick", on_result=seen.append, on_error=seen.append,
                     on_progress=lambda n, total, message: seen.append(message))
    assert worker is not None
    assert worker.done.wait(10)  # returned on its thread; nothing delivered yet (no event loop ran)
    dlg.reject()
    wait_done(qtbot, worker)
    assert seen == [] and dlg.worker is None
    pool.wait()
