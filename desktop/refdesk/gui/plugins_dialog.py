"""The add-ons dialog: what is installed (kind, version, enabled, compatible, from where), enable/disable,
install from a folder or a file, uninstall. Both kinds are listed: enrichment add-ons (Enrich, Review) and
site add-ons (asked first when an item is added by URL).

An install whose add-on cannot run (``InstallSummary.ok`` false) is an error in the dialog, saying which
add-on cannot run and why in words, never "Installed" alone.

Installing is pip's job, done by ``refdesk.plugins.install`` in a worker (it can
take a while); afterwards the add-ons are discovered again so a new one can run
without a restart.

pip cannot be stopped safely half-way, so closing the dialog while it runs does not
cancel it: pip finishes in the background, the add-ons are discovered again all the
same, and the outcome goes to the main window's status bar (the dialog, deleted on
close, is never touched again). Only one pip runs at a time: a dialog opened again
meanwhile says so and refuses another install or uninstall until it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.widgets import JobDialog, Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, Worker, WorkerPool

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow
    from refdesk.plugins.install import InstallSummary

#: The names of the pool's pip jobs: one at a time, whichever dialog started it.
PIP_JOBS = ("install", "uninstall")


def description_of(distribution: str) -> str:
    """The one-line summary the add-on's package declares ("" when it has none, or is not a package)."""
    from importlib import metadata

    try:
        summary = metadata.distribution(distribution).metadata["Summary"] or ""
    except (metadata.PackageNotFoundError, ValueError, KeyError):
        return ""
    text = " ".join(summary.split())
    if text in ("", "UNKNOWN"):
        return ""
    for prefix in ("refdesk add-on: ", "A refdesk add-on that ", "refdesk add-on ", "refdesk site add-on: ",
                   "A refdesk site add-on: "):  # the dialog already says add-on (and the Kind column which)
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    return text[0].upper() + text[1:]


def origin_words(origin: str) -> tuple[str, str]:
    """Where an add-on was installed from, in words, and the full location for a tooltip
    ("editable: /src/refdesk-crossref" -> "its source folder refdesk-crossref (edits apply at once)")."""
    from pathlib import PurePath
    from urllib.parse import urlsplit

    if origin.startswith("editable: "):
        path = origin.removeprefix("editable: ")
        return f"its source folder {PurePath(path).name} (edits apply at once)", path
    if origin == "package index":
        return "the Python Package Index", "installed by pip from the package index"
    if origin.startswith("built in"):
        return "built into refdesk", ""
    if origin in ("", "unknown"):
        return "unknown", ""
    if origin.startswith(("http://", "https://")):
        return f"a download from {urlsplit(origin).hostname}", origin
    if "+" in origin.split("://", 1)[0]:  # git+https://…
        return "a source repository", origin
    name = PurePath(origin).name
    if name.endswith((".whl", ".tar.gz", ".zip")):
        return f"the file {name}", origin
    return f"the folder {name}", origin


#: The Kind column: what each kind of add-on does, and a tooltip saying where the user meets it.
KIND_TEXT = {
    "enrich": ("Enrichment", "Proposes values for items: Enrich asks it, Review shows what it proposed"),
    "site": ("Site", "Reads one platform's article pages: asked first when you add an item by URL"),
}


def install_outcome(summary: InstallSummary) -> tuple[str, str, bool]:
    """What an install did, in words (the message, the full summary for a tooltip, whether it is an error): pip
    installed it, but an add-on it provides cannot run is an error (it stays installed; refdesk never runs it)."""
    text = summary.text()
    if summary.ok:
        return text, text, False
    installed = next((f"{p.name} {p.version}" for p in summary.packages if p.requested), summary.spec)
    reasons = "; ".join(f"{name}: {why.removeprefix('cannot run: ')}" for name, why in summary.problems.items())
    names = ", ".join(summary.problems)
    fix = "fix it in its folder and restart refdesk" if summary.editable else "install a fixed version"
    return (f"{installed} was installed, but refdesk cannot run it ({reasons}). It stays installed, listed as not "
            f"compatible, and is never run: {fix}, or select {names} and click Uninstall."), text, True


def _default_host(ctx: AppContext) -> Any:
    from refdesk.plugins.host import PluginHost

    return PluginHost(ctx.settings)


class PluginsDialog(JobDialog):
    changed = Signal()
    cancel_on_close = False  # pip goes on in the background: see job_outlives_dialog

    COLUMNS = ("Add-on", "Version", "Enabled", "Compatible", "From", "Description", "Notes", "Kind")
    #: The Kind column is the last logical column (the others keep their numbers) but shown second.
    KIND = 7
    DESCRIPTION, FROM, NOTES = 5, 4, 6

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(ctx, pool, parent)
        #: Extra arguments for ``install.install`` (tests install into a throwaway folder).
        self.install_options: dict[str, Any] = {}
        #: How to discover add-ons again after an install (tests look in that folder).
        self.host_factory: Callable[[AppContext], Any] = _default_host
        self.setWindowTitle("Add-ons")
        self.resize(860, 380)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("plugins")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().moveSection(self.KIND, 1)
        # what an add-on does next to its name (it was the sixth column, cut at the dialog's edge)
        self.table.horizontalHeader().moveSection(self.table.horizontalHeader().visualIndex(self.DESCRIPTION), 2)
        self.table.setWordWrap(True)
        layout.addWidget(self.table, 1)
        self.message = add_label(layout, name="status", selectable=True)
        self.install_folder = button("Install from Folder…", lambda: self.install_from(None, folder=True))
        self.install_file = button("Install from File…", lambda: self.install_from(None, folder=False),
                                   tip="A wheel (.whl) or source archive (.tar.gz, .zip)")
        self.uninstall_button = button("Uninstall", self.uninstall_selected)
        button_row(self, layout, *((b, Role.ActionRole) for b in (self.install_folder, self.install_file, self.uninstall_button)))
        self.doing = ""  # what the running pip job does ("Installing …"), for the status bar if the dialog closes
        self.load()
        self.waiting_for = self.pip_elsewhere()
        if self.waiting_for is not None:
            self._busy(True, "An add-on install or uninstall started earlier is still running; "
                             "its result will show in the main window's status bar")
            self.pool.delivered.connect(self._delivered)  # a bound method: Qt disconnects it when the dialog goes

    def load(self) -> bool:
        """Fill the table with the add-ons found; False (and the error in the status line) if that failed."""
        from refdesk.plugins import manager

        try:
            infos = manager.list_plugins(self.ctx)
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return False
        self.table.setRowCount(0)
        for info in infos:
            r = self.table.rowCount()
            self.table.insertRow(r)
            name = QTableWidgetItem(info.name)
            name.setData(Qt.ItemDataRole.UserRole, info.name)
            name.setToolTip(info.distribution)
            self.table.setItem(r, 0, name)
            self.table.setItem(r, 1, QTableWidgetItem(info.version or "—"))
            box = QCheckBox()
            box.setObjectName(f"enabled:{info.name}")
            box.setChecked(info.enabled)
            box.setEnabled(info.compatible or not info.enabled)
            box.toggled.connect(lambda on, n=info.name: self.set_enabled(n, on))
            self.table.setCellWidget(r, 2, box)
            self.table.setItem(r, 3, QTableWidgetItem("yes" if info.compatible else "no"))
            origin, where = origin_words(info.origin)
            origin_item = QTableWidgetItem(origin)
            origin_item.setToolTip(where)
            self.table.setItem(r, 4, origin_item)
            summary = QTableWidgetItem(description_of(info.distribution))
            summary.setToolTip(summary.text())
            self.table.setItem(r, 5, summary)
            notes = QTableWidgetItem(info.message if info.message != "disabled in settings" else "")
            notes.setToolTip(info.message)
            self.table.setItem(r, 6, notes)
            words, tip = KIND_TEXT.get(info.kind, (info.kind, ""))
            kind = QTableWidgetItem(words)
            kind.setToolTip(tip)
            self.table.setItem(r, self.KIND, kind)
        self.fit_columns()
        if not infos:
            show_status(self.message, "No add-ons installed. Install one from a folder or a wheel.")
        return True

    def fit_columns(self) -> None:
        """Every column in sight without scrolling sideways: Description and From (the long ones) get the width of
        their text if there is room, else share it and wrap; Notes stretches over the rest; rows as tall as they
        need (at 860 px the descriptions were cut at the edge)."""
        header = self.table.horizontalHeader()
        long = (self.DESCRIPTION, self.FROM)
        for i in range(header.count()):
            if i not in long and i != self.NOTES:
                self.table.resizeColumnToContents(i)
        metrics = self.table.fontMetrics()

        def text_width(column: int, cap: int) -> int:
            items = (self.table.item(r, column) for r in range(self.table.rowCount()))
            widest = max((metrics.horizontalAdvance(item.text()) for item in items if item is not None), default=0)
            return min(cap, max(widest + 12, header.sectionSizeFromContents(column).width()))

        others = sum(header.sectionSize(i) for i in range(header.count()) if i not in (*long, self.NOTES))
        room = self.table.viewport().width() - others - header.sectionSizeFromContents(self.NOTES).width()
        wanted = [text_width(self.DESCRIPTION, 380), text_width(self.FROM, 300)]
        if sum(wanted) > room:
            wanted = [max(120, w * room // sum(wanted)) for w in wanted]
        for i, width in zip(long, wanted, strict=True):
            header.resizeSection(i, width)
        self.table.resizeRowsToContents()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_columns()  # the table's width is known now (it was not when the add-ons were first listed)

    def row_of(self, name: str) -> int:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == name:
                return r
        return -1

    def set_enabled(self, name: str, enabled: bool) -> None:
        from refdesk.plugins import manager

        try:
            info = manager.set_enabled(self.ctx, name, enabled)
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
        self.message.setToolTip("")
        show_status(self.message, f"{info.name} {'enabled' if enabled else 'disabled'}.")
        self.changed.emit()

    # -- install / uninstall ----------------------------------------------------
    def install_from(self, spec: str | None, folder: bool = True) -> Worker | None:
        """pip-install an add-on (folder, wheel or sdist) in a worker, then discover add-ons again."""
        if spec is None:
            if folder:
                spec = QFileDialog.getExistingDirectory(self, "Install Add-on from Folder")
            else:
                spec, _ = QFileDialog.getOpenFileName(self, "Install Add-on from File", "",
                                                      "Python packages (*.whl *.tar.gz *.zip);;All files (*)")
            if not spec:
                return None
        if self.worker is not None or self._refused_while_pip_runs():
            return None
        options = dict(self.install_options)
        self._busy(True, f"Installing {spec}")

        def job(task: Task) -> InstallSummary:
            from refdesk.plugins import install

            return install.install(str(spec), **options)

        return self.run(job, name="install", on_result=self._installed, on_error=self._failed)

    def uninstall_selected(self, confirm: bool = True) -> Worker | None:
        from refdesk.plugins import manager

        r = self.table.currentRow()
        item = self.table.item(r, 0) if r >= 0 else None
        if item is None or self.worker is not None or self._refused_while_pip_runs():
            return None
        name = str(item.data(Qt.ItemDataRole.UserRole))
        try:
            dist = manager.host_for(self.ctx).find(name).info.distribution
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return None
        if confirm and QMessageBox.question(self, "Uninstall", f"Uninstall the add-on {name} ({dist})?") != QMessageBox.StandardButton.Yes:
            return None
        self._busy(True, f"Uninstalling {dist}")

        def job(task: Task) -> str:
            from refdesk.plugins import install

            return install.uninstall(dist)

        return self.run(job, name="uninstall", on_result=self._installed, on_error=self._failed)

    def pip_elsewhere(self) -> Worker | None:
        """A pip job of this pool that another Add-ons dialog started and that is not done yet."""
        return next((w for w in self.pool.running if w.name in PIP_JOBS and w is not self.worker), None)

    def _delivered(self, worker: Worker) -> None:
        """A pip job that another dialog started is done (its outcome is in the status bar): show what it changed."""
        if worker is not self.waiting_for:
            return
        self.waiting_for = None
        self.pool.delivered.disconnect(self._delivered)
        self._reloaded("The install or uninstall started earlier is done: the status bar says how it went.")

    def _refused_while_pip_runs(self) -> bool:
        if self.pip_elsewhere() is None:
            return False
        show_status(self.message, "An add-on install or uninstall started earlier is still running: "
                                  "try again when the status bar says it is done.", error=True)
        return True

    def job_outlives_dialog(self, worker: Worker) -> tuple[Callable[[Any], None], Callable[[str], None]]:
        """Closed while pip runs: pip finishes in the background (stopping it half-way could leave the environment
        broken), then the add-ons are discovered again and the outcome goes to the main window's status bar."""
        ctx, discover, window = self.ctx, self.host_factory, self._window()
        if window is not None:
            window.say(f"{self.doing}… continues in the background; the result will show here")

        def done(outcome: InstallSummary | str) -> None:
            from refdesk.plugins import manager

            manager.use_host(ctx, discover(ctx))
            text, tip, error = (outcome, outcome, False) if isinstance(outcome, str) else install_outcome(outcome)
            if window is not None and shiboken6.isValid(window):
                window.say(text.splitlines()[0], error=error, tip=tip)

        def failed(message: str) -> None:
            if window is not None and shiboken6.isValid(window):
                window.show_error(message)

        return done, failed

    def _window(self) -> MainWindow | None:
        from refdesk.gui.main_window import MainWindow

        parent = self.parentWidget()
        return parent if isinstance(parent, MainWindow) else None

    def _installed(self, outcome: InstallSummary | str) -> None:
        """pip is done (an install's summary, or what an uninstall did): discover the add-ons again, so what it
        installed or removed counts without a restart; an add-on that cannot run makes it an error."""
        from refdesk.plugins import manager

        manager.use_host(self.ctx, self.host_factory(self.ctx))
        text, tip, error = (outcome, "", False) if isinstance(outcome, str) else install_outcome(outcome)
        self._reloaded(text, error)
        self.message.setToolTip(tip if tip != text else "")
        self.changed.emit()

    def _reloaded(self, text: str, error: bool = False) -> None:
        """pip is done: the buttons back, the table read again, then ``text`` (unless reading the add-ons failed)."""
        if self.load():
            self._busy(False, text, error)
        else:
            self._busy(False, self.message.text(), error=True)

    def _busy(self, busy: bool, text: str, error: bool = False) -> None:
        """``busy``: pip starts doing ``text`` ("Installing …"); otherwise ``text`` is its outcome."""
        for b in (self.install_folder, self.install_file, self.uninstall_button):
            b.setEnabled(not busy)
        self.message.setToolTip("")  # the last install's full summary, if any, is no longer what the line says
        self.doing = text if busy else ""
        show_status(self.message, f"{text}…" if busy else text, error)

    def _failed(self, message: str) -> None:
        self._busy(False, message, error=True)
