""""Add by identifier": one box for a URL, DOI, ISSN or ISBN (or a file path).

What the text is, is decided by the core (``dispatch.classify_input``) and shown
as you type. A URL, DOI, ISBN or file is imported in a worker with a busy bar and
a Cancel button; an ISSN hands over to the journal picker, because a journal is
many articles and the user picks which.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui import jobs
from refdesk.gui.widgets import JobDialog, Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, WorkerPool
from refdesk.identifiers import Identifier, Kind, describe
from refdesk.importers.dispatch import classify_input


class AddDialog(JobDialog):
    """Emits ``imported(summary)`` after a successful import, ``journal_requested(issn)`` for an ISSN."""

    imported = Signal(object)
    journal_requested = Signal(str)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(ctx, pool, parent)
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
        self.hint = add_label(layout, " ", name="hint")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = add_label(layout, name="status", selectable=True)
        self.add_button = button("Add", self.start, default=True)
        button_row(self, layout, (self.add_button, Role.AcceptRole), dismiss=QDialogButtonBox.StandardButton.Cancel)
        self.input.textChanged.connect(self._classify_live)
        self._classify_live(text)

    # -- classification ---------------------------------------------------
    def _classify(self, text: str) -> Identifier | None:
        try:
            return classify_input(text)
        except RefdeskError as exc:
            show_status(self.hint, str(exc), error=True)
            return None

    def _classify_live(self, text: str) -> None:
        show_status(self.status, "")
        if not text.strip():
            show_status(self.hint, "refdesk recognises the kind of identifier as you type.")
            self.add_button.setEnabled(False)
            return
        ident = self._classify(text)
        self.add_button.setEnabled(ident is not None)
        if ident is not None:
            action = "choose articles of the journal" if ident.kind is Kind.ISSN else "import it"
            show_status(self.hint, f"This is {describe(ident)}: Add will {action}.")

    # -- importing ----------------------------------------------------------
    def start(self) -> None:
        """Import what the box holds (or open the journal picker for an ISSN)."""
        if self.worker is not None:
            return
        ident = self._classify(self.input.text())
        if ident is None:
            show_status(self.status, self.hint.text(), error=True)
            return
        if ident.kind is Kind.ISSN:
            self.journal_requested.emit(ident.value)
            self.accept()
            return
        self.input.setEnabled(False)
        self.add_button.setEnabled(False)
        self.progress.show()
        show_status(self.status, f"Fetching {describe(ident)}…")
        ctx = self.ctx

        def job(task: Task) -> jobs.ImportSummary:
            return jobs.import_identifier(ctx, task, ident)

        self.run(job, name="add", on_result=self._done, on_error=self._failed, on_progress=self._progress)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if message:
            show_status(self.status, message)

    def _done(self, summary: jobs.ImportSummary) -> None:
        self.imported.emit(summary)
        self.accept()

    def _failed(self, message: str) -> None:
        self.progress.hide()
        self.input.setEnabled(True)
        self.add_button.setEnabled(True)
        show_status(self.status, message, error=True)
        self.failed.emit(message)
        self.input.setFocus()
