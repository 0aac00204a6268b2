"""Enrich and review: add-ons propose values, the user accepts or rejects each one.

``start_enrich`` runs ``plugins.manager.enrich`` on the selection in a worker
(add-ons run concurrently there, each with a timeout) and then opens the review.
The review shows, per record and field, the current value beside the suggestion
with its source and evidence link; "Accept All Safe" applies the core's safe
policy (fill empty fields, complete a truncated abstract, add subjects as
automatic tags), which never overwrites what the user typed.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refdesk import schema
from refdesk.app import AppContext
from refdesk.errors import RefdeskError
from refdesk.gui.widgets import Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, Worker
from refdesk.model import Record

if TYPE_CHECKING:
    from refdesk.gui.main_window import MainWindow
    from refdesk.plugins.manager import EnrichReport
    from refdesk.plugins.suggestions import ApplyReport, StoredSuggestion

IdRole = int(Qt.ItemDataRole.UserRole) + 20


def field_title(name: str) -> str:
    from refdesk.plugins.api import SUBJECT

    return "Subject (tag)" if name == SUBJECT else schema.field_label(name)


def current_value(record: Record, name: str) -> str:
    from refdesk.plugins.api import SUBJECT

    if name == SUBJECT:
        return "; ".join(record.tag_names())
    return record.get(name)


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_enrich(report: EnrichReport) -> str:
    found = len(report.suggestions)
    text = f"Add-ons ({', '.join(report.plugins)}) proposed {found} value{'s' if found != 1 else ''} for {report.records} item(s)"
    if report.cancelled:
        text += " before you cancelled"
    if report.problems:
        text += f"; {len(report.problems)} problem(s): " + "; ".join(str(p) for p in report.problems[:3])
    return text


def start_enrich(window: MainWindow, keys: list[str]) -> Worker | None:
    """Run the enabled add-ons on ``keys`` in a worker; open the review when they are done."""
    if not keys:
        window.show_error("Select the items to enrich first", topic="selection")
        return None
    ctx = window.ctx

    def job(task: Task) -> EnrichReport:
        from refdesk.plugins import manager

        def progress(done: int, total: int, key: str) -> None:
            task.progress(done, total, f"Enriching: {done} of {total} item(s) done")

        return manager.enrich(ctx, keys, progress=progress, cancel=task.cancelled)

    def done(report: EnrichReport) -> None:
        window.say(describe_enrich(report), error=bool(report.problems), topic="review" if report.suggestions else "")
        window.notify(suggestions=True)
        if report.suggestions:
            window.open_review_dialog(keys)

    return window.run_job(job, name="enrich", busy=f"Asking add-ons about {len(keys)} item(s)…", on_result=done)


def distinct_suggestions(
    record: Record, pending: list[StoredSuggestion]
) -> tuple[list[tuple[StoredSuggestion, list[StoredSuggestion]]], list[int]]:
    """(rows to offer: a suggestion and the same value from other add-ons, ids of values the record already has)."""
    from refdesk.plugins.api import SUBJECT
    from refdesk.plugins.suggestions import same_value, subject_key, value_key

    tags = {subject_key(t) for t in record.tag_names()}
    rows: dict[tuple[str, str], list[StoredSuggestion]] = {}
    present: list[int] = []
    for s in sorted(pending, key=lambda s: (s.field, -s.confidence, s.id)):
        current = record.get(s.field) if s.field != SUBJECT else ""
        if (subject_key(s.value) in tags) if s.field == SUBJECT else (bool(current) and same_value(s.field, current, s.value)):
            present.append(s.id)
            continue
        rows.setdefault((s.field, value_key(s.field, s.value)), []).append(s)
    return [(same[0], same[1:]) for same in rows.values()], present


def safe_summary(report: ApplyReport, rows_before: dict[int, set[int]], rows_after: set[int]) -> str:
    """What Accept All Safe did to the rows, in words: accepted (which fields, how many subjects), set aside (the
    item already had the value, or another suggestion for that field was taken), left for the user (and why)."""
    from refdesk.plugins.api import SUBJECT

    taken = {s.id for s in report.accepted}
    gone = [ids for row, ids in rows_before.items() if row not in rows_after]
    accepted = sum(1 for ids in gone if ids & taken)
    aside, left = len(gone) - accepted, len(rows_after)
    from refdesk.plugins.suggestions import subject_key

    subjects = len({(s.item_key, subject_key(s.value)) for s in report.accepted if s.field == SUBJECT})  # twins once
    fields = sorted({field_title(s.field) for s in report.accepted if s.field != SUBJECT})
    did = ([f"filled or completed {', '.join(fields)}"] if fields else []) + (
        [f"added {subjects} subject{'s' if subjects != 1 else ''} as automatic tags"] if subjects else [])
    text = f"Accept All Safe accepted {accepted} suggestion{'s' if accepted != 1 else ''}" + (f": {'; '.join(did)}." if did else ".")
    if aside:
        text += (f" {aside} {'were' if aside != 1 else 'was'} set aside: the item already has that value, or another "
                 "suggestion for the same field was accepted.")
    if left:
        text += (f" {left} {'are' if left != 1 else 'is'} left for you: each would replace a value already in the "
                 "item (or competes with another suggestion for the same field), which the safe policy never does.")
    else:
        text += " Nothing to review."
    return text


class ReviewDialog(QDialog):
    """Pending suggestions per record and field: current value, suggestion, source; accept or reject each."""

    applied = Signal(object)  # {key: [fields]} of what changed in the library

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, keys: list[str] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.keys = keys
        self.setWindowTitle("Review Suggestions")
        self.resize(1000, 640)
        layout = QVBoxLayout(self)
        add_label(layout, "Add-ons propose these values. Accept or reject each; <b>Accept All Safe</b> only fills empty "
                  "fields, completes cut-short abstracts and adds subjects as automatic tags.")
        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setObjectName("suggestions")
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(["Field", "Current value", "Suggested value", "Source", "Confidence"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 150)
        header.resizeSection(1, 300)
        header.resizeSection(2, 340)
        header.resizeSection(3, 190)
        header.setStretchLastSection(True)
        self.tree.currentItemChanged.connect(self._show_detail)
        split.addWidget(self.tree)
        detail = QWidget()
        row = QHBoxLayout(detail)
        row.setContentsMargins(0, 0, 0, 0)
        self.current_view = QTextBrowser()
        self.current_view.setObjectName("currentValue")
        self.suggested_view = QTextBrowser()
        self.suggested_view.setObjectName("suggestedValue")
        self.suggested_view.setOpenExternalLinks(True)
        row.addWidget(self.current_view)
        row.addWidget(self.suggested_view)
        split.addWidget(detail)
        split.setSizes([400, 180])
        layout.addWidget(split, 1)
        self.message = add_label(layout, name="status")
        self.accept_button = button("Accept", self.accept_selected, shortcut="A",
                                    tip="Write the selected suggestions into the items (A)")
        self.reject_button = button("Reject", self.reject_selected, shortcut="R", tip="Dismiss the selected suggestions (R)")
        self.safe_button = button("Accept All Safe", self.accept_safe)
        button_row(self, layout, *((b, Role.ActionRole) for b in (self.accept_button, self.reject_button, self.safe_button)))
        self.by_id: dict[int, StoredSuggestion] = {}
        self.load()

    # -- content --------------------------------------------------------------
    def load(self) -> None:
        """The pending suggestions, one row per distinct value: a value the item already has (a subject that is a
        tag, an abstract identical to the current one) is settled as present and not offered, and the same value
        from two add-ons is one row naming both."""
        from refdesk.plugins import manager

        self.tree.clear()
        self.current_view.clear()
        self.suggested_view.clear()
        self.by_id = {}
        self.same_as: dict[int, list[int]] = {}  # a row's suggestion id -> the other add-ons' identical ones
        self.settled_present = 0
        try:
            pending = manager.suggestions(self.ctx, None, "pending")
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
        if self.keys is not None:
            wanted = set(self.keys)
            pending = [s for s in pending if s.item_key in wanted]
        by_key: dict[str, list[StoredSuggestion]] = defaultdict(list)
        for s in pending:
            by_key[s.item_key].append(s)
        present: list[int] = []
        for key, items in by_key.items():
            try:
                record = self.ctx.library.get(key)
            except RefdeskError:
                continue
            rows, already = distinct_suggestions(record, items)
            present += already
            if not rows:
                continue
            top = QTreeWidgetItem([_short(record.title or key, 140)])
            top.setToolTip(0, record.title)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)  # only takes effect once the item is in the tree
            for s, others in rows:
                self.by_id[s.id] = s
                self.same_as[s.id] = [o.id for o in others]
                current = current_value(record, s.field)
                child = QTreeWidgetItem([
                    field_title(s.field), _short(current) or "—", _short(s.value),
                    ", ".join(dict.fromkeys([s.provenance, *(o.provenance for o in others)])),
                    f"{max([s.confidence, *(o.confidence for o in others)]):.0%}",
                ])
                child.setData(0, IdRole, s.id)
                child.setToolTip(2, s.value[:2000])
                child.setToolTip(1, current[:2000])
                child.setData(1, IdRole, current)
                top.addChild(child)
            top.setExpanded(True)
        if present:
            from refdesk.plugins.suggestions import SuggestionStore

            SuggestionStore(self.ctx.library).set_status(present, "present", "review")
            self.settled_present = len(present)
        total = len(self.by_id)
        show_status(self.message, f"{total} suggestion{'s' if total != 1 else ''} to review." if total else "Nothing to review.")
        for b in (self.accept_button, self.reject_button, self.safe_button):
            b.setEnabled(bool(total))
        first = self.tree.topLevelItem(0)
        first_child = first.child(0) if first is not None and first.childCount() else None
        if first_child is not None:
            self.tree.setCurrentItem(first_child)

    def items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                out.extend(c for c in (top.child(j) for j in range(top.childCount())) if c is not None)
        return out

    def item_for(self, key: str, field: str, value: str | None = None) -> QTreeWidgetItem | None:
        for item in self.items():
            s = self.by_id.get(int(item.data(0, IdRole)))
            if s and s.item_key == key and s.field == field and (value is None or s.value == value):
                return item
        return None

    def _show_detail(self, item: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        s = self.by_id.get(int(item.data(0, IdRole))) if item is not None and item.data(0, IdRole) is not None else None
        if s is None:
            self.current_view.clear()
            self.suggested_view.clear()
            return
        current = str(item.data(1, IdRole) or "") if item is not None else ""
        self.current_view.setHtml(f"<b>Current {html.escape(field_title(s.field))}</b><p>{html.escape(current) or '<i>empty</i>'}</p>")
        evidence = (f' — <a href="{html.escape(s.evidence_url, quote=True)}">evidence</a>' if s.evidence_url else "")
        self.suggested_view.setHtml(
            f"<b>Suggested by {html.escape(s.provenance)}</b>{evidence}<p>{html.escape(s.value)}</p>"
        )

    def with_duplicates(self, ids: list[int]) -> list[int]:
        """The rows' ids and those of the same values from other add-ons."""
        return [x for i in ids for x in (i, *self.same_as.get(i, []))]

    def selected_ids(self) -> list[int]:
        ids = [int(i.data(0, IdRole)) for i in self.tree.selectedItems() if i.data(0, IdRole) is not None]
        current = self.tree.currentItem()
        if not ids and current is not None and current.data(0, IdRole) is not None:
            ids = [int(current.data(0, IdRole))]
        return ids

    # -- decisions --------------------------------------------------------------
    def _decide(self, verb: str, decide: Callable[[], ApplyReport | list[StoredSuggestion]]) -> None:
        """Run one decision of the core (an accept's report, or the rejected suggestions), then show what is left."""
        try:
            result = decide()
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
        changed, count = ({}, len(result)) if isinstance(result, list) else (result.changed, len(result.accepted))
        self.load()
        show_status(self.message, f"{verb} {count} suggestion{'s' if count != 1 else ''}. " + self.message.text())
        if changed:
            self.applied.emit(changed)

    def accept_selected(self) -> None:
        from refdesk.plugins import manager
        from refdesk.plugins.suggestions import SuggestionStore

        if ids := self.selected_ids():
            twins = [x for i in ids for x in self.same_as.get(i, [])]

            def accept() -> ApplyReport:
                report = manager.accept(self.ctx, ids)  # one suggestion per field; its twins are the same value
                SuggestionStore(self.ctx.library).set_status(twins, "accepted", "user")
                return report

            self._decide("Accepted", accept)

    def reject_selected(self) -> None:
        from refdesk.plugins import manager

        if ids := self.selected_ids():
            self._decide("Rejected", lambda: [s for s in manager.reject(self.ctx, self.with_duplicates(ids)) if s.id in ids])

    def accept_safe(self) -> None:
        """Accept what the safe policy allows, then say what happened to each row that left the list (accepted,
        with the fields it filled; or set aside, the item having that value already) and why the others stay."""
        from refdesk.plugins import manager

        keys = sorted({s.item_key for s in self.by_id.values()})
        rows_before = {i: {i, *self.same_as.get(i, [])} for i in self.by_id}
        try:
            report = manager.apply_safe(self.ctx, keys)
        except RefdeskError as exc:
            show_status(self.message, str(exc), error=True)
            return
        self.load()
        show_status(self.message, safe_summary(report, rows_before, set(self.by_id)))
        if report.changed:
            self.applied.emit(report.changed)

    def _select_only(self, key: str, field: str, value: str | None) -> bool:
        item = self.item_for(key, field, value)
        if item is None:
            return False
        self.tree.clearSelection()
        self.tree.setCurrentItem(item)
        item.setSelected(True)
        return True

    def accept_item(self, key: str, field: str, value: str | None = None) -> None:
        """Accept one suggestion by record and field (keyboard-free helper for tests and scripts)."""
        if self._select_only(key, field, value):
            self.accept_selected()

    def reject_item(self, key: str, field: str, value: str | None = None) -> None:
        if self._select_only(key, field, value):
            self.reject_selected()
