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
from PySide6.QtWidgets import QBoxLayout, QDialog, QDialogButtonBox, QLabel, QPushButton, QWidget

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
    """A push button that calls ``slot()`` when clicked."""
    b = QPushButton(text)
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
    rejects the dialog; returns that last button."""
    box = QDialogButtonBox()
    for b, role in buttons:
        box.addButton(b, role)
    last = box.addButton(dismiss)
    last.clicked.connect(dialog.reject)
    layout.addWidget(box)
    return last


class JobDialog(QDialog):
    """A dialog whose slow work runs in the pool, one job at a time (``worker`` while it runs).

    ``run`` clears ``worker`` before the result or error slot runs, so those slots see the dialog idle.
    Closing the dialog (Cancel, Close, Escape) cancels a running job and drops its result, unless
    ``cancel_on_close`` is False.
    """

    cancel_on_close = True

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.worker: Worker | None = None

    def run(
        self, job: Job, *, name: str, on_result: Callable[[Any], None], on_error: Callable[[str], None],
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Worker | None:
        """Start ``job`` unless one is running (then None)."""
        if self.worker is not None:
            return None

        def done(value: Any) -> None:
            self.worker = None
            on_result(value)

        def failed(message: str) -> None:
            self.worker = None
            on_error(message)

        self.worker = self.pool.start(job, name=name, on_result=done, on_error=failed, on_progress=on_progress)
        return self.worker

    def reject(self) -> None:
        if self.worker is not None and self.cancel_on_close:
            self.worker.cancel()
            self.worker = None
        super().reject()
