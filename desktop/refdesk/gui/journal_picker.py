"""The journal picker: an ISSN's journal facts at the top, its articles below with checkboxes.

Nothing is stored until "Import selected": the articles are looked up by the
core's journal importer in a worker, shown, filtered as the user types, and the
checked ones are stored through ``Library.import_record`` (dedupe included).

The core's ``journal.lookup_journal`` gives the merged journal facts and
articles (``load_journal``); ``view_from_result`` turns them into what the
dialog shows, taking its facts from the articles when a source has none.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refdesk.app import AppContext
from refdesk.gui import jobs
from refdesk.gui.widgets import JobDialog, Role, add_label, button, button_row, show_status
from refdesk.gui.workers import Task, Worker, WorkerPool
from refdesk.model import Record
from refdesk.names import creators_summary
from refdesk.text import fold

ArticleRole = int(Qt.ItemDataRole.UserRole) + 30


@dataclass
class JournalView:
    """What the picker shows: a title, facts as (label, text) lines, the articles."""

    issn: str
    title: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    articles: list[Record] = field(default_factory=list)


_FACT_LABELS = (
    ("original_title", "Original title"), ("publisher", "Publisher"), ("issns", "ISSN"), ("issn", "ISSN"), ("subjects", "Subjects"), ("languages", "Languages"),
    ("language", "Language"), ("country", "Country"), ("homepage", "Homepage"), ("homepage_url", "Homepage"),
    ("url", "Homepage"), ("open_access", "Open access"), ("is_oa", "Open access"), ("license", "Licence"),
    ("works_count", "Articles"), ("total_articles", "Articles"), ("article_count", "Articles"), ("sources", "Sources"),
)


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(v) for v in value if _text(v))
    if isinstance(value, dict):
        return str(value.get("name") or value.get("title") or value.get("value") or "")
    return str(value)


def _attr(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def view_from_result(issn: str, result: Any) -> JournalView:
    """Normalise what the core returned: a list of Records, or an object/dict with facts and articles."""
    if isinstance(result, list):
        return view_from_records(issn, [r for r in result if isinstance(r, Record)])
    articles = _attr(result, "articles") or _attr(result, "records") or _attr(result, "works") or []
    facts_obj = _attr(result, "journal") or _attr(result, "facts") or result
    title = _text(_attr(facts_obj, "title") or _attr(facts_obj, "name"))
    facts: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, label in _FACT_LABELS:
        text = _text(_attr(facts_obj, name))
        if text and label not in seen:
            facts.append((label, text))
            seen.add(label)
    view = JournalView(issn, title, facts, [a for a in articles if isinstance(a, Record)])
    if not view.title or not view.facts:
        derived = view_from_records(issn, view.articles)
        view.title = view.title or derived.title
        view.facts = view.facts or derived.facts
    return view


def view_from_records(issn: str, records: list[Record]) -> JournalView:
    """Facts read off the articles themselves, when the core gives only articles."""
    title = next((r.publication() for r in records if r.publication()), "")
    facts = [("ISSN", issn)]
    publisher = next((r.get("publisher") for r in records if r.get("publisher")), "")
    if publisher:
        facts.append(("Publisher", publisher))
    years = sorted({r.year for r in records if r.year})
    if years:
        facts.append(("Years", f"{years[0]}–{years[-1]}" if len(years) > 1 else years[0]))
    facts.append(("Articles found", str(len(records))))
    return JournalView(issn, title or f"Journal {issn}", facts, records)


def load_journal(
    ctx: AppContext, issn: str, query: str | None, limit: int, say: Callable[[str], None],
    cancel: Callable[[], bool] | None = None, year: int | None = None,
) -> JournalView:
    """Ask the core (``journal.lookup_journal``) for the journal and its articles; nothing is stored."""
    from refdesk.importers import journal

    found = journal.lookup_journal(ctx, issn, query=query, year=year, limit=limit, cancel=cancel, say=say)
    records = journal.records_for(ctx, found.articles)
    view = view_from_result(issn, {"journal": found.journal or {}, "articles": records})
    if found.totals:
        view.facts.append(("Articles known", ", ".join(f"{n:,} in {source}" for source, n in found.totals.items())))
    for failure in found.failures:
        view.facts.append(("Not reached", f"{failure.source}: {failure.reason}"))
    return view


class JournalPicker(JobDialog):
    """Emits ``imported(summary)`` after storing the checked articles."""

    imported = Signal(object)
    loaded = Signal()
    failed = Signal(str)

    def __init__(
        self, ctx: AppContext, pool: WorkerPool, issn: str, parent: QWidget | None = None, *,
        preloaded: JournalView | None = None, limit: int = 50,
        source: Callable[..., JournalView] | None = None,
    ) -> None:
        super().__init__(ctx, pool, parent)
        self.issn = issn
        self.limit = limit
        self.source = source or load_journal
        self.view: JournalView | None = None
        self.fetched_year: int | None = None
        self.shown_year: int | None = None  # the year of the articles listed
        self.setWindowTitle(f"Journal {issn}")
        self.resize(960, 640)
        layout = QVBoxLayout(self)
        self.facts = QLabel(f"Looking up ISSN {issn}…")
        self.facts.setObjectName("journalFacts")
        self.facts.setWordWrap(True)
        self.facts.setOpenExternalLinks(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(self.facts)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("journalSearch")
        self.search.setPlaceholderText("Filter the articles as you type; Enter asks the journal's index for more")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(lambda: self.fetch(self.search.text().strip() or None))
        row.addWidget(self.search, 1)
        self.year = QSpinBox()
        self.year.setObjectName("journalYear")
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText("Any year")
        self.year.setToolTip("Only articles of this year (asks the journal's index again)")
        self.year.setValue(0)
        self.year.editingFinished.connect(self._year_edited)
        row.addWidget(self.year)
        row.addWidget(button("Select All", lambda: self.set_all(True)))
        row.addWidget(button("Select None", lambda: self.set_all(False)))
        layout.addLayout(row)
        self.list = QTreeWidget()
        self.list.setObjectName("articles")
        self.list.setHeaderLabels(["Title", "Authors", "Year", "DOI"])
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.resizeSection(1, 170)
        header.resizeSection(2, 50)
        header.resizeSection(3, 190)
        self.list.itemChanged.connect(lambda *_: self._update_button())
        self.list.itemActivated.connect(self._toggle)
        layout.addWidget(self.list, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        layout.addWidget(self.progress)
        self.status = add_label(layout, name="status")
        self.import_button = button("Import Selected", self.import_selected, default=True)
        button_row(self, layout, (self.import_button, Role.AcceptRole), dismiss=QDialogButtonBox.StandardButton.Cancel)
        if preloaded is not None:
            self.show_view(preloaded)
        else:
            self.fetch(None)
        self.search.setFocus()  # type to filter at once (the journal's facts label had the focus, and Tab its link)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the filter box asks the index, in the year box sets the year, on an article ticks it: none of
        them imports (QDialog pressed Import too, as a line edit, a spin box and a list pass Enter on)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and any(
                w.hasFocus() for w in (self.search, self.year, self.list)):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- loading --------------------------------------------------------------
    def _year_edited(self) -> None:
        """Leaving the year box asks again only when the year changed."""
        if (self.year.value() or None) != self.fetched_year:
            self.fetch(self.search.text().strip() or None)

    def fetch(self, query: str | None) -> None:
        if self.worker is not None:
            return
        ctx, issn, limit, source = self.ctx, self.issn, self.limit, self.source
        year = self.year.value() or None
        self.fetched_year = year
        self.progress.show()
        self.import_button.setEnabled(False)
        what = f"articles matching “{query}”" if query else "the latest articles"
        show_status(self.status, f"Asking for {what}{f' of {year}' if year else ''}…")

        def job(task: Task) -> JournalView:
            return source(ctx, issn, query, limit, task.say, task.cancelled, year=year)

        # A query's answer joins the list shown (same year); a new year replaces it.
        merge = query is not None and self.view is not None and year == self.shown_year

        def loaded(view: JournalView) -> None:
            self.shown_year = year
            self.show_view(self._merged(view) if merge else view)
            self.loaded.emit()

        self.run(job, name="journal", on_result=loaded, on_error=self._failed,
                 on_progress=lambda _d, _t, m: show_status(self.status, m) if m else None)

    def _merged(self, view: JournalView) -> JournalView:
        """The articles shown, in their order, then the new ones of ``view``: Enter in the filter box asks the
        index for more, and clearing the filter afterwards must show the list as it was (ticks kept), not the
        query's answer in relevance order."""
        assert self.view is not None
        def key(rec: Record) -> str:
            return rec.get("DOI").lower() or fold(rec.title)
        known = {key(r) for r in self.view.articles}
        new = [r for r in view.articles if key(r) not in known]
        return JournalView(view.issn, view.title or self.view.title, view.facts or self.view.facts, [*self.view.articles, *new])

    def _failed(self, message: str) -> None:
        self.progress.hide()
        if self.view is None:
            self.facts.setText(f"<b>ISSN {html.escape(self.issn)}</b>")
        show_status(self.status, message, error=True)
        self._update_button()
        self.failed.emit(message)

    def show_view(self, view: JournalView) -> None:
        ticked = {id(r) for r in self.chosen()}  # the articles ticked before (a merged view holds the same objects)
        self.view = view
        self.progress.hide()
        lines = [f"<span style='font-size:14pt'><b>{html.escape(view.title or 'Journal ' + view.issn)}</b></span>"]
        for label, text in view.facts:
            value = html.escape(text)
            if text.startswith(("http://", "https://")):
                value = f'<a href="{html.escape(text, quote=True)}">{value}</a>'
            lines.append(f"<b>{html.escape(label)}:</b> {value}")
        self.facts.setText("<br>".join(lines))
        self.list.blockSignals(True)
        self.list.clear()
        for n, rec in enumerate(view.articles):
            item = QTreeWidgetItem([rec.title or "(untitled)", creators_summary(rec.creators), rec.year, rec.get("DOI")])
            item.setData(0, ArticleRole, n)
            item.setToolTip(0, rec.title)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if id(rec) in ticked else Qt.CheckState.Unchecked)
            self.list.addTopLevelItem(item)
        self.list.blockSignals(False)
        self.filter(self.search.text())
        self._update_button()

    def _say_count(self) -> None:
        """How many articles the list shows, following the filter."""
        total = len(self.view.articles) if self.view is not None else 0
        shown = sum(not i.isHidden() for i in self.items())
        many = "article" if total == 1 else "articles"
        if not total:
            text = "No articles found for this journal."
        elif shown == total:
            text = f"{total} {many}. Tick the ones to import."
        elif shown:
            text = f"{shown} of {total} {many} match the filter. Tick the ones to import; Enter asks the journal's index for more."
        else:
            text = f"None of the {total} {many} matches the filter. Press Enter to ask the journal's index."
        show_status(self.status, text)

    # -- choosing -------------------------------------------------------------
    def items(self) -> list[QTreeWidgetItem]:
        return [i for i in (self.list.topLevelItem(n) for n in range(self.list.topLevelItemCount())) if i is not None]

    def filter(self, text: str) -> None:
        words = fold(text).split()
        for item in self.items():
            hay = fold(" ".join(item.text(c) for c in range(4)))
            item.setHidden(not all(w in hay for w in words))
        if self.view is not None and self.worker is None:
            self._say_count()

    def set_all(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for item in self.items():
            if not item.isHidden():
                item.setCheckState(0, state)

    def check(self, row: int, checked: bool = True) -> None:
        self.items()[row].setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _toggle(self, item: QTreeWidgetItem, _column: int) -> None:
        checked = item.checkState(0) == Qt.CheckState.Checked
        item.setCheckState(0, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def chosen(self) -> list[Record]:
        if self.view is None:
            return []
        return [self.view.articles[int(i.data(0, ArticleRole))] for i in self.items() if i.checkState(0) == Qt.CheckState.Checked]

    def _update_button(self) -> None:
        n = len(self.chosen())
        self.import_button.setText(f"Import Selected ({n})" if n else "Import Selected")
        self.import_button.setEnabled(n > 0 and self.worker is None)

    # -- importing -------------------------------------------------------------
    def import_selected(self) -> Worker | None:
        records = self.chosen()
        if not records or self.worker is not None:
            return None
        ctx = self.ctx
        what = f"{len(records)} article(s) of {self.view.title if self.view else self.issn}"
        self.progress.setRange(0, len(records))
        self.progress.setValue(0)
        self.progress.show()
        self.import_button.setEnabled(False)

        def job(task: Task) -> jobs.ImportSummary:
            from refdesk.importers.journal import complete_abstracts

            if any(not r.get("abstractNote") and r.get("DOI") for r in records):
                task.progress(0, len(records), "Looking for the abstracts the journal's list left out…")
                complete_abstracts(ctx, records, task.cancelled)
            return jobs.store_records(ctx, task, records, "import:issn", what)

        def progress(done: int, total: int, message: str) -> None:
            self.progress.setValue(done)
            show_status(self.status, message)

        return self.run(job, name="journal-import", on_result=self._imported, on_error=self._failed, on_progress=progress)

    def _imported(self, summary: jobs.ImportSummary) -> None:
        self.imported.emit(summary)
        self.accept()
