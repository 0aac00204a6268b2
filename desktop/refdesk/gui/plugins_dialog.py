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
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.workers import Task, Worker, WorkerPool


def _default_host(ctx: AppContext) -> Any:
    from refdesk.plugins.host import PluginHost

    return PluginHost(ctx.settings)


class PluginsDialog(QDialog):
    changed = Signal()

    COLUMNS = ("Add-on", "Version", "Enabled", "Compatible", "From", "Notes")

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pool = pool
        self.worker: Worker | None = None
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
        self.message = QLabel()
        self.message.setObjectName("status")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.install_folder = QPushButton("Install from Folder…")
        self.install_folder.clicked.connect(lambda: self.install_from(None, folder=True))
        self.install_file = QPushButton("Install from File…")
        self.install_file.setToolTip("A wheel (.whl) or source archive (.tar.gz, .zip)")
        self.install_file.clicked.connect(lambda: self.install_from(None, folder=False))
        self.uninstall_button = QPushButton("Uninstall")
        self.uninstall_button.clicked.connect(self.uninstall_selected)
        for b in (self.install_folder, self.install_file, self.uninstall_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        from refdesk.plugins import manager

        try:
            infos = manager.list_plugins(self.ctx)
        except RefdeskError as exc:
            self.message.setText(str(exc))
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
            self.message.setText("No add-ons installed. Install one from a folder or a wheel.")

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
            self.message.setText(str(exc))
            return
        self.message.setText(f"{info.name} {'enabled' if enabled else 'disabled'}.")
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
        ctx = self.ctx
        self._busy(True, f"Installing {spec}…")

        def job(task: Task) -> Any:
            from refdesk.plugins import install

            return install.install(str(spec), **options)

        def done(summary: Any) -> None:
            from refdesk.plugins import manager

            manager.use_host(ctx, self.host_factory(ctx))
            self.worker = None
            self._busy(False, summary.text())
            self.load()
            self.changed.emit()

        self.worker = self.pool.start(job, name="install", on_result=done, on_error=self._failed)
        return self.worker

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
            self.message.setText(str(exc))
            return None
        if confirm and QMessageBox.question(self, "Uninstall", f"Uninstall the add-on {name} ({dist})?") != QMessageBox.StandardButton.Yes:
            return None
        ctx = self.ctx
        self._busy(True, f"Uninstalling {dist}…")

        def job(task: Task) -> str:
            from refdesk.plugins import install

            return install.uninstall(dist)

        def done(text: str) -> None:
            manager.use_host(ctx, self.host_factory(ctx))
            self.worker = None
            self._busy(False, text)
            self.load()
            self.changed.emit()

        self.worker = self.pool.start(job, name="uninstall", on_result=done, on_error=self._failed)
        return self.worker

    def _busy(self, busy: bool, text: str) -> None:
        for b in (self.install_folder, self.install_file, self.uninstall_button):
            b.setEnabled(not busy)
        self.message.setProperty("error", False)
        self.message.setText(text)

    def _failed(self, message: str) -> None:
        self.worker = None
        self._busy(False, message)
        self.message.setProperty("error", True)
