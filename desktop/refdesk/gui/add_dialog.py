""""Add by identifier": one box for a URL, DOI, ISSN or ISBN (or a file path).

What the text is, is decided by the core (``dispatch.classify_input``) and shown
as you type. A URL, DOI, ISBN or file is imported in a worker with a busy bar and
a Cancel button; an ISSN hands over to the journal picker, because a journal is
many articles and the user picks which.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui import jobs
from refdesk.gui.workers import Task, Worker, WorkerPool
from refdesk.identifiers import Identifier, Kind, describe
from refdesk.importers.dispatch import classify_input


class AddDialog(QDialog):
    """Emits ``imported(summary)`` after a successful import, ``journal_requested(issn)`` for an ISSN."""

    imported = Signal(object)
    journal_requested = Signal(str)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.worker: Worker | None = None
        self.setWindowTitle("Add by Identifier")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        prompt = QLabel("Paste a URL, DOI, ISSN or ISBN:")
        layout.addWidget(prompt)
        self.input = QLineEdit(text)
        self.input.setObjectName("identifier")
        self.input.setPlaceholderText("https://…, 10.1234/abcd, 2076-7404 or 978-…")
        self.input.setClearButtonEnabled(True)
        prompt.setBuddy(self.input)
        layout.addWidget(self.input)
        self.hint = QLabel(" ")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.add_button = QPushButton("Add")
        self.add_button.setDefault(True)
        self.buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self.add_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        self.input.textChanged.connect(self._classify_live)
        self._classify_live(text)

    # -- classification ---------------------------------------------------
    def _classify(self, text: str) -> Identifier | None:
        try:
            return classify_input(text)
        except RefdeskError as exc:
            self.hint.setText(str(exc))
            self.hint.setProperty("error", True)
            return None

    def _classify_live(self, text: str) -> None:
        self.status.clear()
        if not text.strip():
            self.hint.setText("refdesk recognises the kind of identifier as you type.")
            self.add_button.setEnabled(False)
            return
        ident = self._classify(text)
        self.add_button.setEnabled(ident is not None)
        if ident is not None:
            action = "choose articles of the journal" if ident.kind is Kind.ISSN else "import it"
            self.hint.setText(f"This is {describe(ident)}: Add will {action}.")

    # -- importing ----------------------------------------------------------
    def start(self) -> None:
        """Import what the box holds (or open the journal picker for an ISSN)."""
        if self.worker is not None:
            return
        ident = self._classify(self.input.text())
        if ident is None:
            self.status.setText(self.hint.text())
            return
        if ident.kind is Kind.ISSN:
            self.journal_requested.emit(ident.value)
            self.accept()
            return
        self.input.setEnabled(False)
        self.add_button.setEnabled(False)
        self.progress.show()
        self.status.setText(f"Fetching {describe(ident)}…")
        ctx = self.ctx

        def job(task: Task) -> jobs.ImportSummary:
            return jobs.import_identifier(ctx, task, ident)

        self.worker = self.pool.start(
            job,
            name="add",
            on_result=self._done,
            on_error=self._failed,
            on_progress=self._progress,
        )

    def _progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if message:
            self.status.setText(message)

    def _done(self, summary: jobs.ImportSummary) -> None:
        self.worker = None
        self.imported.emit(summary)
        self.accept()

    def _failed(self, message: str) -> None:
        self.worker = None
        self.progress.hide()
        self.input.setEnabled(True)
        self.add_button.setEnabled(True)
        self.status.setText(message)
        self.status.setProperty("error", True)
        self.failed.emit(message)
        self.input.setFocus()

    def reject(self) -> None:
        """Cancel: a running import is told to stop and its result is dropped."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None
        super().reject()
