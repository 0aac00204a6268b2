"""The add-ons dialog: what is installed (version, enabled, compatible, from where), enable/disable,
install from a folder or a file, uninstall.

Installing is pip's job, done by ``refdesk.plugins.install`` in a worker (it can
take a while); afterwards the add-ons are discovered again so a new one can run
without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
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


def _default_host(ctx: AppContext) -> Any:
    from refdesk.plugins.host import PluginHost

    return PluginHost(ctx.settings)


class PluginsDialog(JobDialog):
    changed = Signal()
    cancel_on_close = False  # pip goes on anyway; the add-ons are discovered again when it is done

    COLUMNS = ("Add-on", "Version", "Enabled", "Compatible", "From", "Notes")

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
        self.table.horizontalHeader().setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.message = add_label(layout, name="status", selectable=True)
        self.install_folder = button("Install from Folder…", lambda: self.install_from(None, folder=True))
        self.install_file = button("Install from File…", lambda: self.install_from(None, folder=False),
                                   tip="A wheel (.whl) or source archive (.tar.gz, .zip)")
        self.uninstall_button = button("Uninstall", self.uninstall_selected)
        button_row(self, layout, *((b, Role.ActionRole) for b in (self.install_folder, self.install_file, self.uninstall_button)))
        self.load()

    def load(self) -> None:
        from refdesk.plugins import manager

        try:
            infos = manager.list_plugins(self.ctx)
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
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
            self.table.setItem(r, 4, QTableWidgetItem(info.origin))
            notes = QTableWidgetItem(info.message if info.message != "disabled in settings" else "")
            notes.setToolTip(info.message)
            self.table.setItem(r, 5, notes)
        self.table.resizeColumnsToContents()
        if not infos:
            show_status(self.message, "No add-ons installed. Install one from a folder or a wheel.")

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
        if self.worker is not None:
            return None
        options = dict(self.install_options)
        self._busy(True, f"Installing {spec}…")

        def job(task: Task) -> Any:
            from refdesk.plugins import install

            return install.install(str(spec), **options)

        def done(summary: Any) -> None:
            self._installed(summary.text())

        return self.run(job, name="install", on_result=done, on_error=self._failed)

    def uninstall_selected(self, confirm: bool = True) -> Worker | None:
        from refdesk.plugins import manager

        r = self.table.currentRow()
        item = self.table.item(r, 0) if r >= 0 else None
        if item is None or self.worker is not None:
            return None
        name = str(item.data(Qt.ItemDataRole.UserRole))
        try:
            dist = manager.host_for(self.ctx).find(name).info.distribution
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return None
        if confirm and QMessageBox.question(self, "Uninstall", f"Uninstall the add-on {name} ({dist})?") != QMessageBox.StandardButton.Yes:
            return None
        self._busy(True, f"Uninstalling {dist}…")

        def job(task: Task) -> str:
            from refdesk.plugins import install

            return install.uninstall(dist)

        return self.run(job, name="uninstall", on_result=self._installed, on_error=self._failed)

    def _installed(self, text: str) -> None:
        """pip is done: discover the add-ons again, so what it installed or removed counts without a restart."""
        from refdesk.plugins import manager

        manager.use_host(self.ctx, self.host_factory(self.ctx))
        self._busy(False, text)
        self.load()
        self.changed.emit()

    def _busy(self, busy: bool, text: str, error: bool = False) -> None:
        for b in (self.install_folder, self.install_file, self.uninstall_button):
            b.setEnabled(not busy)
        show_status(self.message, text, error)

    def _failed(self, message: str) -> None:
        self._busy(False, message, error=True)
