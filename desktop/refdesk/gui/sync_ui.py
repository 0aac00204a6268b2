"""Zotero in the window: the account dialog, the Sync action, and the conflicts dialog.

All of it calls ``refdesk.zotero`` (account.login/status/logout, sync.sync,
conflicts.list_conflicts/resolve). The API key is typed once into a password
field, verified against the server and stored in the OS keyring by the core;
the dialog clears the field and never shows the key again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from refdesk import schema
from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.widgets import JobDialog, Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, Worker, WorkerPool

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow
    from refdesk.zotero.conflicts import Conflict
    from refdesk.zotero.sync import SyncReport


class AccountDialog(JobDialog):
    """Connect to Zotero: user id, groups, the API key (verified, then kept in the keyring only)."""

    logged_in = Signal(object)  # AccountInfo

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(ctx, pool, parent)
        self.setWindowTitle("Zotero Account")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        self.state = add_label(layout, name="accountState")
        form = QFormLayout()
        self.user_id = QLineEdit(ctx.settings.zotero_user_id)
        self.user_id.setObjectName("userId")
        self.user_id.setPlaceholderText("numeric, shown at zotero.org/settings/keys")
        form.addRow("User ID", self.user_id)
        self.groups = QLineEdit(", ".join(ctx.settings.zotero_groups))
        self.groups.setObjectName("groups")
        self.groups.setPlaceholderText("group IDs to sync too, separated by commas (optional)")
        form.addRow("Groups", self.groups)
        self.api_key = QLineEdit()
        self.api_key.setObjectName("apiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("typed once; kept in the OS keyring, never shown again")
        form.addRow("API key", self.api_key)
        layout.addLayout(form)
        link = QLabel('<a href="https://www.zotero.org/settings/keys/new">Create a key at zotero.org</a>')
        link.setOpenExternalLinks(True)
        layout.addWidget(link)
        self.message = add_label(layout, name="status")
        self.verify_button = button("Verify and Save", self.verify, default=True)
        self.logout_button = button("Log Out", self.logout)
        button_row(self, layout, (self.verify_button, Role.AcceptRole), (self.logout_button, Role.DestructiveRole))
        self.show_state()

    def show_state(self) -> None:
        from refdesk.zotero import account

        try:
            st = account.status(self.ctx)
        except RefdeskError as exc:
            self.state.setText(str(exc))
            self.logout_button.setEnabled(False)
            return
        if not st["userId"]:
            self.state.setText("Not connected to Zotero.")
            self.logout_button.setEnabled(False)
            return
        who = f"{st['username']} (user {st['userId']})" if st["username"] else f"user {st['userId']}"
        key = {True: "stored in the OS keyring", False: "not stored: enter it below", None: "keyring unavailable"}[st["keyStored"]]
        self.state.setText(f"Connected as <b>{who}</b>; API key {key}." + (f"<br>{st['keyring']}" if st["keyring"] else ""))
        self.logout_button.setEnabled(bool(st["keyStored"]))

    def verify(self) -> None:
        if self.worker is not None:
            return
        user_id = self.user_id.text().strip()
        key = self.api_key.text().strip()
        groups = [g.strip() for g in self.groups.text().replace(";", ",").split(",") if g.strip()]
        ctx = self.ctx
        self.verify_button.setEnabled(False)
        show_status(self.message, "Checking the key with Zotero…")

        def job(task: Task) -> Any:
            from refdesk.zotero import account

            return account.login(ctx, user_id, key, groups)

        self.run(job, name="zotero-login", on_result=self._done, on_error=self._failed)

    def _done(self, info: Any) -> None:
        self.api_key.clear()  # the key lives in the keyring now, nowhere in the window
        self.verify_button.setEnabled(True)
        show_status(self.message, f"Logged in as {info.username}. The key may: {info.describe()}.")
        self.show_state()
        self.logged_in.emit(info)

    def _failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        show_status(self.message, message, error=True)

    def logout(self) -> None:
        from refdesk.zotero import account

        try:
            removed = account.logout(self.ctx)
        except RefdeskError as exc:
            self._failed(str(exc))
            return
        show_status(self.message, "Removed the API key from the keyring." if removed else "No API key was stored.")
        self.show_state()


def describe_report(report: SyncReport) -> str:
    """One status-bar sentence for a sync."""
    parts = []
    for r in report.libraries:
        name = "My Library" if r.library_id == "user" else r.library_id
        if r.error:
            parts.append(f"{name}: failed: {r.error}")
            continue
        bits = [f"{r.downloaded} downloaded", f"{r.uploaded} uploaded"]
        if r.merged:
            bits.append(f"{r.merged} merged")
        if r.deleted_locally or r.deleted_remotely:
            bits.append(f"{r.deleted_locally + r.deleted_remotely} deleted")
        parts.append(f"{name}: " + ", ".join(bits))
    text = "Synced. " + "; ".join(parts) if report.ok else "; ".join(parts)
    if report.conflicts:
        text += f" — {len(report.conflicts)} conflict(s) need a decision"
    return text


def start_sync(window: MainWindow) -> Worker | None:
    """Sync every configured library in a worker; progress in the status bar, conflicts in a dialog."""
    ctx = window.ctx
    if not ctx.settings.zotero_user_id:
        window.show_error("Connect to Zotero first (Tools ▸ Zotero Account…)")
        window.open_account_dialog()
        return None
    if any(w.name == "sync" for w in window.jobs if not w.done.is_set()):
        return None
    window.act_sync.setEnabled(False)

    def job(task: Task) -> SyncReport:
        from refdesk.zotero.sync import Progress, sync

        def progress(p: Progress) -> None:
            name = "My Library" if p.library_id == "user" else p.library_id
            task.progress(p.done, p.total, f"Syncing {name}: {p.phase}" + (f" {p.done}/{p.total}" if p.total else "…"))

        return sync(ctx, progress=progress, cancel=task.cancel_event)

    def done(report: SyncReport) -> None:
        window.act_sync.setEnabled(True)
        window.say(describe_report(report), error=not report.ok)
        window.update_sync_label()
        window.refresh_sources()
        window.refresh_table()
        if report.conflicts:
            window.open_conflicts_dialog()

    def failed(message: str) -> None:
        window.act_sync.setEnabled(True)
        window.show_error(message)

    def cancelled() -> None:
        window.act_sync.setEnabled(True)
        window.say("Sync cancelled; it resumes where it stopped next time")

    return window.run_job(job, name="sync", busy="Syncing with Zotero…", on_result=done, on_error=failed,
                          on_cancelled=cancelled)


def _show(value: Any) -> str:
    """A conflict value as a person reads it (creators and tags as lines, absent as an em dash)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        lines = []
        for v in value:
            if "tag" in v:
                lines.append(str(v["tag"]))
            elif "lastName" in v or "name" in v:
                lines.append(v.get("name") or f"{v.get('lastName', '')}, {v.get('firstName', '')}".strip(", "))
            else:
                lines.append(json.dumps(v, ensure_ascii=False))
        return "\n".join(lines)
    if isinstance(value, dict) and "itemType" in value:
        return f"the item ({value.get('title', '')})"
    return json.dumps(value, ensure_ascii=False, indent=1)


_STRUCTURED_LABELS = {"creators": "Creators", "tags": "Tags", "collections": "Collections", "relations": "Related"}


class ConflictsDialog(QDialog):
    """Both versions side by side per field; the user takes one per field, then Apply."""

    resolved = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Sync Conflicts")
        self.resize(820, 560)
        layout = QVBoxLayout(self)
        add_label(layout, "These fields were changed both here and in Zotero. Choose which version to keep for each; "
                  "until then refdesk keeps its own value and does not upload the item.")
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        layout.addWidget(self.scroller, 1)
        self.message = add_label(layout, name="status")
        self.apply_button = button("Apply Choices", self.apply, default=True)
        button_row(
            self, layout, (self.apply_button, Role.AcceptRole),
            (button("Keep All Mine", lambda: self.choose_all("local")), Role.ActionRole),
            (button("Take All from Zotero", lambda: self.choose_all("remote")), Role.ActionRole),
        )
        self.choices: dict[tuple[str, str], QButtonGroup] = {}
        self.load()

    def load(self) -> None:
        from refdesk.zotero.conflicts import DELETED, list_conflicts

        self.conflicts: list[Conflict] = list_conflicts(self.ctx.library)
        self.choices = {}
        body = QWidget()
        col = QVBoxLayout(body)
        by_item: dict[str, list[Conflict]] = defaultdict(list)
        for c in self.conflicts:
            by_item[c.key].append(c)
        if not by_item:
            col.addWidget(QLabel("No sync conflicts."))
        for key, items in by_item.items():
            try:
                title = self.ctx.library.get(key).title or key
            except RefdeskError:
                title = key
            box = QGroupBox(title)
            box.setObjectName(f"conflict:{key}")
            grid = QGridLayout(box)
            for n, head in enumerate(("", "In refdesk", "In Zotero")):
                label = QLabel(f"<b>{head}</b>")
                grid.addWidget(label, 0, n)
            for row, c in enumerate(items, 1):
                field = "The item itself" if c.field == DELETED else _STRUCTURED_LABELS.get(c.field) or schema.field_label(c.field)
                grid.addWidget(QLabel(f"<b>{field}</b>"), row, 0, Qt.AlignmentFlag.AlignTop)
                group = QButtonGroup(box)
                for n, (side, value) in enumerate((("local", c.local), ("remote", c.remote)), 1):
                    if c.field == DELETED:
                        text = "deleted" if value == "deleted" or value is None else "changed: " + _show(value)
                    else:
                        text = _show(value)
                    cell = QWidget()
                    col_layout = QVBoxLayout(cell)
                    col_layout.setContentsMargins(0, 0, 0, 6)
                    radio = QRadioButton("Keep this version" if side == "local" else "Take this version")
                    radio.setObjectName(f"{side}:{c.key}:{c.field}")
                    radio.setProperty("side", side)
                    group.addButton(radio)
                    shown = QLabel(text)
                    shown.setObjectName(f"value:{side}:{c.key}:{c.field}")
                    shown.setWordWrap(True)
                    shown.setTextFormat(Qt.TextFormat.PlainText)
                    shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                    shown.setIndent(22)  # under the radio's text, not its circle
                    col_layout.addWidget(radio)
                    col_layout.addWidget(shown)
                    grid.addWidget(cell, row, n, Qt.AlignmentFlag.AlignTop)
                self.choices[(c.key, c.field)] = group
            grid.setColumnStretch(1, 1)
            grid.setColumnStretch(2, 1)
            grid.setHorizontalSpacing(16)
            col.addWidget(box)
        col.addStretch(1)
        self.scroller.setWidget(body)
        self.apply_button.setEnabled(bool(self.conflicts))

    def choose(self, key: str, field: str, side: str) -> None:
        for radio in self.choices[(key, field)].buttons():
            if radio.property("side") == side:
                radio.setChecked(True)

    def choose_all(self, side: str) -> None:
        for key, field in self.choices:
            self.choose(key, field, side)

    def apply(self) -> None:
        """Settle each field the user chose a side for; the rest stay open."""
        from refdesk.zotero.conflicts import resolve

        settled = 0
        try:
            for (key, field), group in self.choices.items():
                checked = group.checkedButton()
                if checked is None:
                    continue
                take = str(checked.property("side"))
                resolve(self.ctx.library, key, "local" if take == "local" else "remote", field)
                settled += 1
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
        finally:
            if settled:
                self.resolved.emit()
        if not settled:
            show_status(self.message, "Choose a version for at least one field first.")
            return
        show_status(self.message, f"Settled {settled} field(s); the next sync sends the result to Zotero.")
        self.load()
