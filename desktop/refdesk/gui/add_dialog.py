""""Add by identifier": one box for a URL, DOI, ISSN or ISBN (or a file path).

What the text is, is decided by the core (``dispatch.classify_input``) and shown
as you type. A URL, DOI, ISBN or file is imported in a worker with a busy bar and
a Cancel button; an ISSN hands over to the journal picker, because a journal is
many articles and the user picks which.

Several lines (a pasted list) are checked line by line: the lines that can be
imported are, one after the other, and the others stay in the box with the reason
for each, so nothing the user pasted is dropped silently.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui import jobs
from refdesk.gui.widgets import JobDialog, Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, WorkerPool
from refdesk.identifiers import Identifier, Kind, describe
from refdesk.importers.dispatch import classify_input, not_importable


def input_lines(text: str) -> list[str]:
    """The non-blank lines of the box, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


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
        self.cancel_button = button_row(self, layout, (self.add_button, Role.AcceptRole),
                                        dismiss=QDialogButtonBox.StandardButton.Cancel)
        self.input.textChanged.connect(self._classify_live)
        self._classify_live(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter adds (or, while a fetch runs, does nothing); it never closes the dialog with nothing added.

        QDialog would press its default button, and which one that is drifts: a focused push button becomes
        the default, and disabling Add during a fetch hands the focus (and Enter) to Cancel, which then
        cancelled the fetch and dropped its result.
        """
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ) and not self.cancel_button.hasFocus():
            if self.worker is None:
                self.start()
            event.accept()
            return
        super().keyPressEvent(event)

    def _busy(self, busy: bool) -> None:
        """While a fetch runs the box is read-only (not disabled, so the focus stays in it, away from Cancel)."""
        self.input.setReadOnly(busy)
        self.add_button.setEnabled(not busy)
        self.add_button.setDefault(True)
        self.progress.setVisible(busy)

    # -- classification ---------------------------------------------------
    def _classify(self, text: str) -> Identifier | None:
        try:
            ident = classify_input(text)
        except RefdeskError as exc:
            show_status(self.hint, str(exc), error=True)
            return None
        reason = not_importable(ident)
        if reason:
            show_status(self.hint, reason, error=True)
            return None
        return ident

    @staticmethod
    def _check_lines(lines: list[str]) -> list[tuple[str, Identifier | None, str]]:
        """Each line of a list: (line, what it is, "") or (line, None, why it cannot be added)."""
        out: list[tuple[str, Identifier | None, str]] = []
        for line in lines:
            try:
                ident = classify_input(line)
            except RefdeskError as exc:
                out.append((line, None, str(exc)))
                continue
            reason = not_importable(ident)
            if ident.kind is Kind.ISSN:
                reason = f"{describe(ident)} is a journal: add it alone to choose which of its articles to import"
            out.append((line, None, reason) if reason else (line, ident, ""))
        return out

    def _classify_live(self, text: str) -> None:
        show_status(self.status, "")
        lines = input_lines(text)
        if not lines:
            show_status(self.hint, "refdesk recognises the kind of identifier as you type.")
            self.add_button.setEnabled(False)
            return
        if len(lines) > 1:
            checked = self._check_lines(lines)
            good = sum(ident is not None for _line, ident, _why in checked)
            bad = [(n, why) for n, (_line, ident, why) in enumerate(checked, 1) if ident is None]
            self.add_button.setEnabled(good > 0)
            hint = f"{good} of {len(lines)} lines can be added" + (": Add will import them one by one." if good else ".")
            if bad:
                n, why = bad[0]
                hint += f" Not added: line {n}: {why}" + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
            show_status(self.hint, hint, error=bool(bad))
            return
        ident = self._classify(lines[0])
        self.add_button.setEnabled(ident is not None)
        if ident is not None:
            action = "choose articles of the journal" if ident.kind is Kind.ISSN else "import it"
            show_status(self.hint, f"This is {describe(ident)}: Add will {action}.")

    # -- importing ----------------------------------------------------------
    def start(self) -> None:
        """Import what the box holds (or open the journal picker for an ISSN)."""
        if self.worker is not None:
            return
        lines = input_lines(self.input.text())
        if len(lines) > 1:
            self._start_list(lines)
            return
        ident = self._classify(self.input.text())
        if ident is None:
            self._refuse(self.hint.text() if lines else "Paste a URL, DOI, ISSN or ISBN first.")
            return
        if ident.kind is Kind.ISSN:
            self.journal_requested.emit(ident.value)
            self.accept()
            return
        self._busy(True)
        show_status(self.status, f"Fetching {describe(ident)}…")
        ctx = self.ctx

        def job(task: Task) -> jobs.ImportSummary:
            return jobs.import_identifier(ctx, task, ident)

        self.run(job, name="add", on_result=self._done, on_error=self._failed, on_progress=self._progress)

    def _refuse(self, reason: str) -> None:
        """Enter or Add on what cannot be added: the reason once, in the message line (not again in the hint)."""
        show_status(self.hint, " ")
        show_status(self.status, reason, error=True)

    def _start_list(self, lines: list[str]) -> None:
        """Import each line that can be; keep the others (and those whose import fails) in the box."""
        checked = self._check_lines(lines)
        items = [(line, ident) for line, ident, _why in checked if ident is not None]
        if not items:
            self._refuse(self.hint.text())
            return
        self._busy(True)
        show_status(self.status, f"Fetching {len(items)} identifiers…")
        ctx = self.ctx

        def job(task: Task) -> jobs.ImportSummary:
            return jobs.import_identifiers(ctx, task, items, f"{len(items)} identifiers")

        def done(summary: jobs.ImportSummary) -> None:
            failed = dict(summary.failed)
            left = [(line, why or failed[line]) for line, _ident, why in checked if why or line in failed]
            self.imported.emit(summary)
            if left:
                self._lines_left(summary, left)
            else:
                self.accept()

        self.run(job, name="add", on_result=done, on_error=self._failed, on_progress=self._progress)

    def _lines_left(self, summary: jobs.ImportSummary, left: list[tuple[str, str]]) -> None:
        """After a list: the lines not added stay in the box, and the status says why for each."""
        self._busy(False)
        self.input.setText("\n".join(line for line, _why in left))
        added = summary.message() if summary.outcomes else "Nothing was added."
        many = len(left) != 1
        show_status(self.status, f"{added}\n{len(left)} line{'s were' if many else ' was'} not added (left in the box):\n"
                    + "\n".join(why for _line, why in left), error=True)
        self.input.setFocus()

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
        self._busy(False)
        show_status(self.status, message, error=True)
        self.failed.emit(message)
        self.input.setFocus()
