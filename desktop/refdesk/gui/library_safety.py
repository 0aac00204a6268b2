"""File → Back Up Library…, File → Restore from Backup…, Help → Check Library, and the daily backup.

The window calls ``install(window, file_menu, help_menu)``. Backups and checks run in workers on their own
SQLite connections (the app keeps working). A restore is prepared in a worker (the backup validated and
copied beside the library), confirmed in a dialog naming its date and item count, then put in place on the
GUI thread: every connection the app holds is closed first (the restore refuses while any connection is
open, the app's own included), and the same ``Library`` objects are reconnected afterwards.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refdesk.errors import RefdeskError
from refdesk.gui.changes import Changes
from refdesk.library import backup as backups
from refdesk.library.check import CheckReport, open_for_check
from refdesk.library.check import check as run_check
from refdesk.library.check import repair as run_repair

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow
    from refdesk.gui.workers import Worker

log = logging.getLogger(__name__)

#: The daily backup waits this long after the window opens (startup stays fast), then looks again every hour.
AUTO_BACKUP_DELAY_MS = 60_000
AUTO_BACKUP_EVERY_MS = 3_600_000


def local(when: Any) -> str:
    return str(when.astimezone().strftime("%Y-%m-%d %H:%M"))


class SafetyActions:
    """The menu actions and the daily backup's timer of one window (``window.safety``)."""

    def __init__(self, window: MainWindow, file_menu: QMenu, help_menu: QMenu) -> None:
        self.backup = QAction("&Back Up Library…", window)
        self.backup.setStatusTip("Save a consistent copy of the library")
        self.backup.triggered.connect(lambda _checked=False: back_up(window))
        self.restore = QAction("&Restore from Backup…", window)
        self.restore.setStatusTip("Put a backup in the library's place (the current library is kept aside)")
        self.restore.triggered.connect(lambda _checked=False: restore_from_backup(window))
        self.check = QAction("&Check Library", window)
        self.check.setStatusTip("Look for damage and inconsistencies in the library, and repair them")
        self.check.triggered.connect(lambda _checked=False: open_check_dialog(window))
        file_menu.insertAction(window.act_quit, self.backup)
        file_menu.insertAction(window.act_quit, self.restore)
        file_menu.insertSeparator(window.act_quit)
        first = help_menu.actions()
        if first:
            help_menu.insertAction(first[0], self.check)
        else:
            help_menu.addAction(self.check)
        self.timer = QTimer(window)
        self.timer.setObjectName("autoBackupTimer")
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(lambda: _auto_backup(window, self.timer))
        self.timer.start(AUTO_BACKUP_DELAY_MS)


def install(window: MainWindow, file_menu: QMenu, help_menu: QMenu) -> SafetyActions:
    """Add the three actions to the window's menus and start the daily backup's timer."""
    return SafetyActions(window, file_menu, help_menu)


def _auto_backup(window: MainWindow, timer: QTimer) -> Worker:
    """The daily backup, in a worker; a damaged library is said in the status bar and a message box."""
    settings, path = window.ctx.settings, window.ctx.library_path
    timer.start(AUTO_BACKUP_EVERY_MS)

    def done(made: Path | None) -> None:
        if made is not None:
            window.say(f"Backed up the library to {made.name}")

    return window.pool.start(
        lambda _task: backups.auto_backup(path, settings.backup_keep, settings.backup_interval_hours),
        name="auto-backup", on_result=done, on_error=window.show_error,
    )


# -- back up ------------------------------------------------------------------------------
def back_up(window: MainWindow, target: str | None = None) -> Worker | None:
    """Ask where (the backups folder by default, where the newest ``backup_keep`` are kept), then back up in a worker."""
    library = window.ctx.library_path
    folder = backups.backup_folder(library)
    if target is None:
        suggested = folder / f"{library.stem}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.sqlite"
        folder.mkdir(parents=True, exist_ok=True)
        target, _ = QFileDialog.getSaveFileName(window, "Back Up Library", str(suggested), "refdesk library (*.sqlite)")
        if not target:
            return None
    chosen = Path(target)
    into_rotation = chosen.parent.resolve() == folder.resolve() and backups._NAME.match(chosen.name) is not None
    keep = window.ctx.settings.backup_keep
    return window.run_job(
        lambda _task: backups.make_backup(library, None if into_rotation else chosen, keep=keep),
        name="backup", busy="Backing up the library…",
        on_result=lambda made: window.say(f"Backed up the library to {made}"),
    )


# -- restore ------------------------------------------------------------------------------
def restore_from_backup(window: MainWindow, path: str | None = None, confirm: bool = True) -> Worker | None:
    """Pick a backup, validate and copy it in a worker, confirm, then put it in place (``_put_in_place``)."""
    library = window.ctx.library_path
    if path is None:
        folder = backups.backup_folder(library)
        path, _ = QFileDialog.getOpenFileName(window, "Restore from Backup", str(folder if folder.exists() else library.parent),
                                              "refdesk library (*.sqlite);;All files (*)")
        if not path:
            return None
    chosen = Path(path)

    def prepared(ready: backups.PreparedRestore) -> None:
        info = ready.info
        if confirm:
            box = QMessageBox(QMessageBox.Icon.Question, "Restore from Backup",
                              f"Replace the library with the backup of {local(info.made)} ({info.items:,} "
                              f"item{'s' if info.items != 1 else ''})?\n\nThe library as it is now is kept beside it "
                              f"as {library.name}.replaced-<time>; changes made since the backup are only there.",
                              QMessageBox.StandardButton.Cancel, window)
            box.setObjectName("restoreConfirm")
            box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            window.dialogs["restoreConfirm"] = box
            box.exec()
            if box.buttonRole(box.clickedButton()) != QMessageBox.ButtonRole.AcceptRole:
                ready.discard()
                window.say("Restore cancelled")
                return
        _put_in_place(window, ready)

    return window.run_job(lambda _task: backups.prepare_restore(library, chosen), name="restore",
                          busy="Checking the backup…", on_result=prepared)


def _put_in_place(window: MainWindow, ready: backups.PreparedRestore) -> None:
    """Close the app's connections, swap the files, reconnect and refresh; on a refusal everything reconnects."""
    if any(not w.done.is_set() for w in window.pool.running if w.name != "restore"):
        ready.discard()
        window.show_error("Wait for the running tasks to finish (or cancel them), then restore again")
        return
    window.item_pane.commit_pending()
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    libraries = [window.reader, window.ctx.library]
    try:
        window.model.close()  # the background counter's connection
        for lib in libraries:
            lib.close()
        try:
            result = backups.finish_restore(ready)
        finally:
            for lib in libraries:
                lib.reconnect()
    except RefdeskError as exc:
        QApplication.restoreOverrideCursor()
        window.show_error(str(exc))
        return
    QApplication.restoreOverrideCursor()
    window.item_pane.show_record(None)
    window.notify(Changes.everything(), select=[])
    aside = f"; the previous library is kept as {result.replaced.name}" if result.replaced else ""
    window.say(f"Restored the backup of {local(result.restored.made)} ({result.restored.items:,} items){aside}")


# -- check --------------------------------------------------------------------------------
class CheckDialog(QDialog):
    """Help → Check Library: the check runs in a worker; Repair (backup first) when something can be repaired."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setObjectName("checkDialog")
        self.setWindowTitle("Check Library")
        self.resize(640, 360)
        self.summary = QLabel("Checking the library…")
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        self.details = QPlainTextEdit()
        self.details.setObjectName("checkDetails")
        self.details.setReadOnly(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.repair_button = QPushButton("Repair")
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setToolTip("Back the library up, then fix what can be fixed")
        self.repair_button.setEnabled(False)
        self.buttons.addButton(self.repair_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.repair_button.clicked.connect(self.repair)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttons)
        self.report: CheckReport | None = None
        self.worker: Worker | None = None

    def _run(self, repairing: bool) -> Worker:
        path, keep = self.window_.ctx.library_path, self.window_.ctx.settings.backup_keep

        def job(task: Any) -> CheckReport:
            lib = open_for_check(path)  # its own connection, on this worker thread
            try:
                return run_repair(lib, keep, task.say) if repairing else run_check(lib, task.say)
            finally:
                lib.close()

        self.repair_button.setEnabled(False)
        self.worker = self.window_.pool.start(
            job, name="check", on_result=self._show, on_error=self._failed,
            on_progress=lambda _d, _t, message: self.summary.setText(message) if message else None,
        )
        return self.worker

    def start(self) -> Worker:
        return self._run(False)

    def repair(self) -> Worker:
        self.summary.setText("Backing up, then repairing…")
        return self._run(True)

    def _show(self, report: CheckReport) -> None:
        self.report = report
        self.details.setPlainText("\n".join(report.lines("Repair")))
        if report.ok:
            self.summary.setText("No problems found." + (" The library was repaired." if report.repaired else ""))
        else:
            n = len(report.problems)
            self.summary.setText(f"{n} problem{'s' if n != 1 else ''} found."
                                 + (" Repair backs the library up first." if any(p.repairable for p in report.problems)
                                    else ""))
        self.repair_button.setEnabled(any(p.repairable for p in report.problems) and not report.repaired)
        if report.repaired:
            self.window_.notify(Changes.everything())

    def _failed(self, message: str) -> None:
        self.summary.setText("The check could not finish.")
        self.details.setPlainText(message)


def open_check_dialog(window: MainWindow) -> CheckDialog:
    dlg = CheckDialog(window)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.dialogs["check"] = dlg
    dlg.open()
    dlg.start()
    return dlg
