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
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
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


#: What a refused key means, for someone at the desktop (the server's JSON and the CLI's advice are not for them).
REFUSED_KEY = ("Zotero did not accept this API key: it may be mistyped, revoked or expired. Copy it again from "
               "zotero.org/settings/keys (or create a new one there), paste it above and press Verify and Save.")


def account_error_words(message: str) -> str:
    """A login error as the dialog says it: a refused key in words, no command to run."""
    if message.startswith("Zotero refused the API key"):
        return REFUSED_KEY
    return message.replace(" and run `refdesk zotero login` again", "")


class AccountDialog(JobDialog):
    """Connect to Zotero: user id, the API key (verified, then kept in the keyring only), and the groups to sync,
    ticked in the list of groups the key can see."""

    logged_in = Signal(object)  # AccountInfo
    groups_listed = Signal()

    def __init__(self, ctx: AppContext, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(ctx, pool, parent)
        self.setWindowTitle("Zotero Account")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        # The dialog grows with its messages instead of squashing the inputs (a wrapped label asks for height).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.state = add_label(layout, name="accountState")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.user_id = QLineEdit(ctx.settings.zotero_user_id)
        self.user_id.setObjectName("userId")
        self.user_id.setPlaceholderText("numeric, shown at zotero.org/settings/keys")
        form.addRow("User ID", self.user_id)
        self.api_key = QLineEdit()
        self.api_key.setObjectName("apiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("typed once; kept in the OS keyring, never shown again")
        form.addRow("API key", self.api_key)
        self.groups = QListWidget()
        self.groups.setObjectName("groups")
        self.groups.setMinimumHeight(70)
        self.groups.setMaximumHeight(140)
        self.groups_hint = QLabel()
        self.groups_hint.setObjectName("hint")
        self.groups_hint.setWordWrap(True)
        groups_box = QVBoxLayout()
        groups_box.setContentsMargins(0, 0, 0, 0)
        groups_box.addWidget(self.groups)
        groups_box.addWidget(self.groups_hint)
        form.addRow("Groups", groups_box)
        layout.addLayout(form)
        link = QLabel('<a href="https://www.zotero.org/settings/keys/new">Create a key at zotero.org</a>')
        link.setOpenExternalLinks(True)
        layout.addWidget(link)
        self.message = add_label(layout, name="status")
        self.message.setMinimumWidth(460)
        self.verify_button = button("Verify and Save", self.verify, default=True)
        self.logout_button = button("Log Out", self.logout)
        button_row(self, layout, (self.verify_button, Role.AcceptRole), (self.logout_button, Role.DestructiveRole))
        self.set_groups({g: f"Group {g}" for g in ctx.settings.zotero_groups})
        self.show_state()
        if ctx.settings.zotero_user_id:
            self.list_groups()

    # -- groups --------------------------------------------------------------
    def set_groups(self, names: dict[str, str], ticked: list[str] | None = None) -> None:
        """Show ``names`` (group id -> name) as ticks; ticked: ``ticked``, or the groups synced now."""
        wanted = set(ticked if ticked is not None else self.ctx.settings.zotero_groups)
        self.groups.clear()
        for gid, name in sorted(names.items(), key=lambda kv: kv[1].casefold()):
            item = QListWidgetItem(f"{name} ({gid})" if name and name != f"Group {gid}" else f"Group {gid}")
            item.setData(Qt.ItemDataRole.UserRole, gid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if gid in wanted else Qt.CheckState.Unchecked)
            self.groups.addItem(item)
        self.groups_hint.setText(
            "Tick the group libraries to sync besides My Library." if names
            else "The groups this key can see are listed once the key is verified.")

    def checked_groups(self) -> list[str]:
        items = (self.groups.item(i) for i in range(self.groups.count()))
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None and i.checkState() == Qt.CheckState.Checked]

    def tick_group(self, gid: str, on: bool = True) -> None:
        for i in range(self.groups.count()):
            item = self.groups.item(i)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == gid:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def list_groups(self) -> None:
        """Ask Zotero (with the stored key) which groups the account has, in the background."""
        ctx, user_id = self.ctx, self.ctx.settings.zotero_user_id

        def job(task: Task) -> dict[str, str]:
            return _groups_of(ctx, user_id, None)

        def done(names: dict[str, str]) -> None:
            self.set_groups(names, self.checked_groups())
            self.groups_listed.emit()

        self.run(job, name="zotero-groups", on_result=done, on_error=lambda _m: None)

    # -- state and login -------------------------------------------------------
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
            self.worker.cancel()  # a group listing still running: the login lists them again
            self.worker = None
        user_id = self.user_id.text().strip()
        key = self.api_key.text().strip()
        groups = self.checked_groups()
        ctx = self.ctx
        self.verify_button.setEnabled(False)
        show_status(self.message, "Checking the key with Zotero…")

        def job(task: Task) -> tuple[Any, dict[str, str]]:
            from refdesk.zotero import account, credentials
            from refdesk.zotero.errors import ZoteroError

            typed = key
            if not typed and user_id == ctx.settings.zotero_user_id:
                typed = credentials.load_key(user_id) or ""  # changing the groups only: the stored key
            if not typed:
                raise ZoteroError("Paste your API key first (create one at zotero.org/settings/keys).")
            info = account.login(ctx, user_id, typed, groups)
            return info, _groups_of(ctx, info.user_id, typed)

        self.run(job, name="zotero-login", on_result=self._done, on_error=self._failed)

    def _done(self, result: tuple[Any, dict[str, str]]) -> None:
        info, names = result
        self.api_key.clear()  # the key lives in the keyring now, nowhere in the window
        self.verify_button.setEnabled(True)
        self.set_groups(names)
        show_status(self.message, f"Logged in as {info.username}. The key may: {info.describe()}.")
        self.show_state()
        self.logged_in.emit(info)

    def _failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        show_status(self.message, account_error_words(message), error=True)
        self.adjustSize()

    def logout(self) -> None:
        from refdesk.zotero import account

        try:
            removed = account.logout(self.ctx)
        except RefdeskError as exc:
            self._failed(str(exc))
            return
        show_status(self.message, "Removed the API key from the keyring." if removed else "No API key was stored.")
        self.show_state()


def _groups_of(ctx: AppContext, user_id: str, key: str | None) -> dict[str, str]:
    """Group id -> name of the account's groups (with ``key``, else the one in the keyring); {} when unknown."""
    from refdesk.zotero import account, credentials

    key = key or credentials.load_key(user_id)
    if not key:
        return {}
    return account.group_names(ctx, user_id, key)


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
        n = len(report.conflicts)
        text += f" — {n} conflict{'s need' if n != 1 else ' needs'} a decision"
    return text


def start_sync(window: MainWindow) -> Worker | None:
    """Sync every configured library in a worker; progress in the status bar, conflicts in a dialog."""
    ctx = window.ctx
    if not ctx.settings.zotero_user_id:
        window.show_error("Connect to Zotero first (Tools ▸ Zotero Account…)")
        window.open_account_dialog()
        return None
    if window.is_running("sync"):
        return None

    def job(task: Task) -> SyncReport:
        from refdesk.zotero.sync import Progress, sync

        def progress(p: Progress) -> None:
            name = "My Library" if p.library_id == "user" else p.library_id
            task.progress(p.done, p.total, f"Syncing {name}: {p.phase}" + (f" {p.done}/{p.total}" if p.total else "…"))

        return sync(ctx, progress=progress, cancel=task.cancel_event)

    def done(report: SyncReport) -> None:
        from refdesk.gui.changes import Changes

        window.say(describe_report(report), error=not report.ok, topic="conflicts" if report.conflicts else "")
        window.notify(Changes.everything())
        if report.conflicts:
            window.open_conflicts_dialog()

    def failed(message: str) -> None:
        window.show_error(message)

    def cancelled() -> None:
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
        self.mine_button = button("Keep All Mine", lambda: self.choose_all("local"))
        self.theirs_button = button("Take All from Zotero", lambda: self.choose_all("remote"))
        button_row(
            self, layout, (self.apply_button, Role.AcceptRole),
            (self.mine_button, Role.ActionRole), (self.theirs_button, Role.ActionRole),
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
        for b in (self.apply_button, self.mine_button, self.theirs_button):
            b.setEnabled(bool(self.conflicts))

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
        self.load()
        fields = f"{settled} field{'s' if settled != 1 else ''}"
        left = len(self.conflicts)
        show_status(self.message, f"Settled {fields}; the next sync sends the result to Zotero. "
                    + (f"{left} field{'s' if left != 1 else ''} still to decide." if left else "No conflicts left."))
