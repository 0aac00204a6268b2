"""Pieces the dialogs share: labels and status lines, buttons and their row, a dialog that runs one job at a time.

``show_status`` is the one way to put a message in a status line: it sets the ``error``
property *and* re-polishes the label, because a stylesheet rule on a dynamic property
(``QLabel[error="true"]`` in ``app.qss``) is only looked at when the widget is polished;
setting the property alone on a label already shown leaves its colour as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QBoxLayout, QDialog, QDialogButtonBox, QLabel, QPushButton, QWidget

from refdesk.app import AppContext
from refdesk.gui.workers import Job, Worker, WorkerPool

Role = QDialogButtonBox.ButtonRole


def show_status(label: QLabel, text: str, error: bool = False) -> None:
    """Show ``text`` in ``label``, in the error colour when ``error``."""
    if bool(label.property("error")) != error:
        label.setProperty("error", error)
        style = label.style()
        style.unpolish(label)
        style.polish(label)
    label.setText(text)


def add_label(layout: QBoxLayout, text: str = "", *, name: str = "", selectable: bool = False) -> QLabel:
    """A word-wrapped label added to ``layout``: a dialog's introduction, or (named ``status``) its message line."""
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(label)
    return label


def button(text: str, slot: Callable[[], Any] | None = None, *, default: bool = False, tip: str = "",
           shortcut: str = "") -> QPushButton:
    """A push button that calls ``slot()`` when clicked. Never "auto-default": a dialog's Enter presses only its
    ``default`` button (the journal picker's Select All, once focused, became the default and Enter in its filter
    box ticked every article)."""
    b = QPushButton(text)
    b.setAutoDefault(False)
    if slot is not None:
        b.clicked.connect(lambda _checked=False: slot())
    b.setDefault(default)
    if tip:
        b.setToolTip(tip)
    if shortcut:
        b.setShortcut(shortcut)
    return b


def button_row(
    dialog: QDialog, layout: QBoxLayout, *buttons: tuple[QPushButton, Role],
    dismiss: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Close,
) -> QPushButton:
    """The dialog's buttons in the platform's order, ending with ``dismiss`` (Close or Cancel), which
    rejects the dialog; returns that last button.

    No button is "auto-default": otherwise the button last focused (Cancel, once a disabled button handed
    it the focus, or from the start under some platform themes) became the one Enter presses."""
    box = QDialogButtonBox()
    for b, role in buttons:
        box.addButton(b, role)
        b.setAutoDefault(False)
    last = box.addButton(dismiss)
    from refdesk.gui.icons import icon

    # Tabler's x in the palette's button text colour: the style's own Close icon is a dark cross, unseen in dark mode
    last.setIcon(icon("x", QApplication.palette(last)))
    last.setAutoDefault(False)
    last.setDefault(False)
    last.clicked.connect(dialog.reject)
    layout.addWidget(box)
    return last


class _Slots:
    """Where one job's result, error and progress go; switched when the dialog closes while the job runs."""

    def __init__(self, on_result: Callable[[Any], None], on_error: Callable[[str], None],
                 on_progress: Callable[[int, int, str], None] | None) -> None:
        self.on_result = on_result
        self.on_error = on_error
        self.on_progress = on_progress


def _drop(*_args: Any) -> None:
    """A slot for what a closed dialog no longer wants."""


class JobDialog(QDialog):
    """A dialog whose slow work runs in the pool, one job at a time (``worker`` while it runs).

    ``run`` clears ``worker`` before the result or error slot runs, so those slots see the dialog idle.
    Closing the dialog (Cancel, Close, Escape) cancels a running job and drops its result. A job that cannot
    be stopped half-way (``cancel_on_close`` False) goes on instead, and its result and error go to the slots
    ``job_outlives_dialog`` returns. Either way no slot of the dialog runs after it closed: the main window
    deletes its dialogs on close, and a slot touching their widgets then fails ("Internal C++ object already
    deleted"). A signal queued before the close (the job had just returned) is caught too, because the slots
    are looked up when the signal is delivered, not when it is sent.
    """

    cancel_on_close = True

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.worker: Worker | None = None
        self._slots = _Slots(_drop, _drop, None)

    def run(
        self, job: Job, *, name: str, on_result: Callable[[Any], None], on_error: Callable[[str], None],
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Worker | None:
        """Start ``job`` unless one is running (then None)."""
        if self.worker is not None:
            return None
        slots = _Slots(on_result, on_error, on_progress)

        def done(value: Any) -> None:
            if self.worker is worker:
                self.worker = None
            slots.on_result(value)

        def failed(message: str) -> None:
            if self.worker is worker:
                self.worker = None
            slots.on_error(message)

        def progress(count: int, total: int, message: str) -> None:
            if slots.on_progress is not None:
                slots.on_progress(count, total, message)

        worker = self.pool.start(job, name=name, on_result=done, on_error=failed,
                                 on_progress=progress if on_progress is not None else None)
        self.worker, self._slots = worker, slots
        return worker

    def job_outlives_dialog(self, worker: Worker) -> tuple[Callable[[Any], None], Callable[[str], None]]:
        """The dialog closes while ``worker`` goes on (``cancel_on_close`` False): the slots its result and error
        go to from now on. They run after the dialog is deleted, so they must not touch it; by default both are
        dropped."""
        return _drop, _drop

    def reject(self) -> None:
        worker, slots = self.worker, self._slots
        if worker is not None:
            self.worker = None
            slots.on_progress = None
            if self.cancel_on_close:
                worker.cancel()
                slots.on_result, slots.on_error = _drop, _drop
            else:
                slots.on_result, slots.on_error = self.job_outlives_dialog(worker)
        super().reject()
