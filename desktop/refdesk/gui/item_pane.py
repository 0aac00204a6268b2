"""The right-hand pane: one record's fields, creators, tags, abstract and identifiers, editable.

Fields come from the Zotero schema of the item type (``schema.fields_for``), in
Zotero's order and with Zotero's labels. Each edit is saved when the field loses
focus or Enter is pressed, through ``Library.save(record, "user")``: the store
validates the field, journals the change for sync and marks its provenance
"user" so a later re-import never overwrites what the user typed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import quote

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refdesk import schema
from refdesk.errors import RefdeskError
from refdesk.gui.pane_widgets import (
    Section,
    WheelToPane,
    WrappingEdit,
    WrappingLabel,
    pane_settings,
    provenance_words,
    sources_sentence,
)
from refdesk.library import Library
from refdesk.model import Record

#: Fields shown elsewhere in the pane, not in the generic field list.
_SPECIAL = {"title", "abstractNote"}
#: Fields whose values run long (a journal's full name, an address, notes): they wrap instead of being cut.
_LONG = {"publicationTitle", "bookTitle", "proceedingsTitle", "websiteTitle", "blogTitle", "forumTitle",
         "encyclopediaTitle", "dictionaryTitle", "programTitle", "seriesTitle", "series", "conferenceName", "url",
         "extra", "rights", "archiveLocation", "place", "publisher", "university", "institution"}
#: Fields kept when empty fields are hidden (the ones a new item is most often missing).
_ALWAYS = {"date"}


#: The creators table's headers, full and (when the pane is too narrow for the full ones) short.
_CREATOR_HEADERS = (("Role", "Role"), ("Last name", "Last"), ("First name", "First"))


def identifier_links(record: Record) -> list[tuple[str, str, str]]:
    """(label, text, href) for the record's identifiers, as clickable links."""
    links: list[tuple[str, str, str]] = []
    doi = record.get("DOI").strip()
    if doi:
        links.append(("DOI", doi, "https://doi.org/" + quote(doi, safe="/:;()")))
    url = record.get("url").strip()
    if url.startswith(("http://", "https://")):
        links.append(("URL", url, url))
    for issn in record.get("ISSN").replace(",", " ").split():
        links.append(("ISSN", issn, f"https://portal.issn.org/resource/ISSN/{quote(issn)}"))
    isbn = record.get("ISBN").strip()
    if isbn:
        links.append(("ISBN", isbn, f"https://search.worldcat.org/search?q=bn:{quote(isbn.split()[0])}"))
    return links


def _combo_width(combo: QComboBox) -> int:
    """The width a combo box needs to show its current text whole (with its arrow and frame, as the style draws
    them), not its longest item."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    metrics = combo.fontMetrics()
    text = QSize(metrics.horizontalAdvance(combo.currentText()) + 4, metrics.height())
    return combo.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, text, combo).width()


def _header_text(table: QTableWidget, column: int) -> str:
    item = table.horizontalHeaderItem(column)
    return item.text() if item is not None else ""


class _EnterToAdd(QObject):
    """Event filter: Delete key on the tag list removes the selected tag."""

    def __init__(self, on_delete: Callable[[], None]) -> None:
        super().__init__()
        self.on_delete = on_delete

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Delete:
            self.on_delete()
            return True
        return False


class ItemPane(QWidget):
    """Shows and edits one record; emits ``saved(key)`` after each stored change, ``failed(msg)`` on a refusal."""

    saved = Signal(str)
    failed = Signal(str)
    shown = Signal(object)  # the record now shown, or None: the panes that follow it (child_items.py)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.record: Record | None = None
        self.editors: dict[str, QLineEdit | WrappingEdit] = {}
        self.labels: dict[str, QLabel] = {}
        self._form_type: str | None = None  # the item type the field editors were built for
        self._loading = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # content wraps instead
        outer.addWidget(self.scroller)

        self.empty = QLabel("No item selected")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyPane")
        outer.addWidget(self.empty)

        body = QWidget()
        self.scroller.setWidget(body)
        layout = QVBoxLayout(body)

        self.type_label = QLabel()
        self.type_label.setObjectName("itemType")
        font = QFont(self.type_label.font())
        font.setBold(True)
        self.type_label.setFont(font)
        layout.addWidget(self.type_label)

        self.title_edit = WrappingEdit()
        self.title_edit.setObjectName("field:title")
        self.title_edit.setPlaceholderText("Title")
        title_font = QFont(self.title_edit.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        title_font.setBold(True)
        self.title_edit.setFont(title_font)
        self.title_edit.editingFinished.connect(lambda: self._commit_edit("title", self.title_edit))
        layout.addWidget(self.title_edit)

        # creators
        self.sections: dict[str, Section] = {}
        creators_box = self._add_section(layout, "Creators", "creators")
        self.creators = QTableWidget(0, 3)
        self.creators.setObjectName("creators")
        self.creators.setHorizontalHeaderLabels([label for label, _short in _CREATOR_HEADERS])
        for column, tip in ((1, "Last name (or an organisation's whole name)"), (2, "First name")):
            header_item = self.creators.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(tip)
        self.creators.verticalHeader().setVisible(False)
        # Role holds combo boxes, which ResizeToContents does not measure (it showed "A▾" on X11): the column is
        # as wide as the roles shown (_fit_creator_columns), the names share the rest
        self.creators.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.creators.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.creators.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.creators.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.creators.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.creators.itemChanged.connect(self._creator_cell_changed)
        self.creators.viewport().installEventFilter(self)  # a resize refits the columns
        self.creators.currentCellChanged.connect(lambda *_: self._update_move_buttons())
        creators_box.addWidget(self.creators)
        row = QHBoxLayout()
        self.creator_buttons: list[QToolButton] = []
        for text, tip, slot in (
            ("+", "Add a creator", self.add_creator),
            ("−", "Remove the selected creator", self.remove_creator),
            ("↑", "Move the selected creator up", lambda: self.move_creator(-1)),
            ("↓", "Move the selected creator down", lambda: self.move_creator(1)),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.clicked.connect(slot)
            row.addWidget(b)
            self.creator_buttons.append(b)
        self.move_up, self.move_down = self.creator_buttons[2:4]
        row.addStretch(1)
        creators_box.addLayout(row)

        # the item type's fields
        info = self._add_section(layout, "Info", "info")
        self.show_empty = QCheckBox("Show empty fields")
        self.show_empty.setObjectName("showEmptyFields")
        self.show_empty.setToolTip("Show the item type's fields that have no value yet (to fill them in)")
        self.show_empty.setChecked(pane_settings().value("itemPane/showEmptyFields", True) in (True, "true"))
        self.show_empty.toggled.connect(self._show_empty_toggled)
        info.addWidget(self.show_empty)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        info.addLayout(self.form)

        self.links = QLabel()
        self.links.setObjectName("identifiers")
        self.links.setOpenExternalLinks(True)
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.links.setWordWrap(True)
        info.addWidget(self.links)

        abstract_box = self._add_section(layout, "Abstract", "abstract")
        self.abstract = WrappingEdit(multiline=True)
        self.abstract.setObjectName("field:abstractNote")
        self.abstract.setPlaceholderText("No abstract")
        self.abstract.editingFinished.connect(self._abstract_edited)
        abstract_box.addWidget(self.abstract)

        tags_box = self._add_section(layout, "Tags", "tags")
        self.tags = QListWidget()
        self.tags.setObjectName("tags")
        self.tags.setMaximumHeight(130)
        self._tag_filter = _EnterToAdd(self.remove_selected_tag)
        self.tags.installEventFilter(self._tag_filter)
        tags_box.addWidget(self.tags)
        tag_row = QHBoxLayout()
        self.tag_input = QLineEdit()
        self.tag_input.setPlaceholderText("Add a tag…")  # (the longer "… and press Enter" was cut at 900×600)
        self.tag_input.setToolTip("Type a tag and press Enter to add it")
        self.tag_input.returnPressed.connect(self._add_tag_from_input)
        tag_row.addWidget(self.tag_input)
        remove_tag = QPushButton("Remove tag")
        remove_tag.clicked.connect(self.remove_selected_tag)
        tag_row.addWidget(remove_tag)
        tags_box.addLayout(tag_row)
        self.tag_legend = QLabel("⚙ automatic tag (from an importer or add-on)")
        self.tag_legend.setObjectName("hint")
        self.tag_legend.setWordWrap(True)  # (one line, it set the pane's narrowest width)
        tags_box.addWidget(self.tag_legend)

        sources_box = self._add_section(layout, "Sources", "sources")
        self.provenance = QLabel()
        self.provenance.setObjectName("provenance")
        self.provenance.setWordWrap(True)
        self.provenance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sources_box.addWidget(self.provenance)
        layout.addStretch(1)
        for scrolling in (self.abstract, self.title_edit, self.creators, self.tags):
            WheelToPane(scrolling, self.scroller)
        self.show_record(None)

    def _add_section(self, layout: QVBoxLayout, title: str, name: str) -> QVBoxLayout:
        """A collapsible section added to ``layout``; returns the layout its content goes in."""
        section = Section(title, name)
        self.sections[name] = section
        layout.addWidget(section)
        return section.content

    # -- showing ------------------------------------------------------------
    def show_key(self, key: str | None) -> None:
        if key is None:
            self.show_record(None)
            return
        try:
            self.show_record(self.library.get(key))
        except RefdeskError as exc:
            self.show_record(None)
            self.failed.emit(str(exc))

    def show_record(self, record: Record | None) -> None:
        self._loading = True
        try:
            self.record = record
            self.scroller.setVisible(record is not None)
            self.empty.setVisible(record is None)
            if record is None:
                return
            self.type_label.setText(schema.item_type_label(record.item_type))
            self.title_edit.setText(record.title)
            self.title_edit.setCursorPosition(0)
            self._fill_creators(record)
            self._fill_fields(record)
            self.abstract.setText(record.get("abstractNote"))
            self._fill_tags(record)
            self._fill_links(record)
            self._fill_sources(record)
        finally:
            self._loading = False
            self.shown.emit(record)

    def _fill_fields(self, record: Record) -> None:
        """The item type's fields; the editors are reused while the type stays (fast arrowing through the table)."""
        if self._form_type != record.item_type:
            self._build_form(record)
        for name, edit in self.editors.items():
            value = record.get(name)
            edit.setText(value)
            edit.setCursorPosition(0)
            prov = record.provenance.get(name)
            origin = f"From {provenance_words(prov.source)} ({prov.at[:10]})" if prov is not None and prov.source != "user" else ""
            self.labels[name].setToolTip(origin)
            if isinstance(edit, QLineEdit):  # a value cut at the pane's edge can be read whole in the tooltip
                edit.setToolTip(value if len(value) > 30 else "")
        added = record.data.get("dateAdded")
        self.added_label.setText(added.replace("T", " ").rstrip("Z") if isinstance(added, str) else "")
        self._apply_empty_rows()

    def _apply_empty_rows(self) -> None:
        """Hide the fields without a value unless "Show empty fields" is ticked (the date is always shown)."""
        show_all = self.show_empty.isChecked()
        for name, edit in self.editors.items():
            self.form.setRowVisible(edit, show_all or bool(edit.text().strip()) or name in _ALWAYS or edit.hasFocus())

    def _show_empty_toggled(self, on: bool) -> None:
        s = pane_settings()
        s.setValue("itemPane/showEmptyFields", on)
        s.sync()
        self._apply_empty_rows()

    def empty_fields_hidden(self) -> list[str]:
        """The fields hidden for being empty (tests, and the screenshot of a compact pane)."""
        return [n for n, e in self.editors.items() if not self.form.isRowVisible(e)]

    def _fill_sources(self, record: Record) -> None:
        """Where the values came from, in words: per source, the fields it gave."""
        by_source: dict[str, list[str]] = {}
        for name, prov in record.provenance.items():
            if prov.source != "user":
                by_source.setdefault(prov.source, []).append(schema.field_label(name) if name not in ("creators", "tags")
                                                             else name.capitalize())
        lines = [sources_sentence(list(by_source))] if by_source else []
        for source, fields in sorted(by_source.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"• {provenance_words(source)}: {', '.join(sorted(fields))}")
        typed = sorted(schema.field_label(n) for n, p in record.provenance.items() if p.source == "user" and n not in ("creators", "tags"))
        if typed:
            lines.append(f"• typed by you: {', '.join(typed)}")
        self.provenance.setText("\n".join(lines) if lines else "No record of where these values came from.")

    def _build_form(self, record: Record) -> None:
        for old in self.editors.values():
            if isinstance(old, WrappingEdit):
                old.retire()
            else:
                old.blockSignals(True)
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        self.labels = {}
        names = list(schema.fields_for(record.item_type)) if schema.is_item_type(record.item_type) else record.field_names()
        for name in names:
            if name in _SPECIAL:
                continue
            edit: QLineEdit | WrappingEdit = WrappingEdit(multiline=name == "extra") if name in _LONG else QLineEdit()
            if isinstance(edit, WrappingEdit):
                WheelToPane(edit, self.scroller)
            edit.setObjectName(f"field:{name}")
            edit.setMinimumWidth(60)  # a narrow pane squeezes the fields, not clips them
            edit.editingFinished.connect(lambda n=name, e=edit: self._commit_edit(n, e))
            self.editors[name] = edit
            self.labels[name] = QLabel(schema.field_label(name))
            self.labels[name].setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.form.addRow(self.labels[name], edit)
        self.added_label = WrappingLabel()
        self.form.addRow(QLabel("Date Added"), self.added_label)
        # Only a known type's form can serve the next record; an unknown type's fields are the record's own.
        self._form_type = record.item_type if schema.is_item_type(record.item_type) else None

    def _fill_creators(self, record: Record) -> None:
        types = schema.creator_types_for(record.item_type) if schema.is_item_type(record.item_type) else ("author",)
        self.creators.blockSignals(True)
        self.creators.setRowCount(0)
        for c in record.creators:
            self._append_creator_row(c, types)
        self.creators.blockSignals(False)
        self._fit_creators()
        self._update_move_buttons()

    def _append_creator_row(self, creator: dict[str, str], types: tuple[str, ...]) -> None:
        r = self.creators.rowCount()
        self.creators.insertRow(r)
        combo = QComboBox()
        for t in types:
            combo.addItem(schema.creator_type_label(t), t)
        current = creator.get("creatorType", types[0] if types else "author")
        if combo.findData(current) < 0:
            combo.addItem(schema.creator_type_label(current), current)
        combo.setCurrentIndex(combo.findData(current))
        combo.currentIndexChanged.connect(self._role_changed)
        self.creators.setCellWidget(r, 0, combo)
        if "name" in creator:
            self.creators.setItem(r, 1, QTableWidgetItem(creator["name"]))
            self.creators.setItem(r, 2, QTableWidgetItem(""))
        else:
            self.creators.setItem(r, 1, QTableWidgetItem(creator.get("lastName", "")))
            self.creators.setItem(r, 2, QTableWidgetItem(creator.get("firstName", "")))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.creators.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_creator_columns()
        return False

    def _fit_creator_columns(self) -> None:
        """Role as wide as the widest role shown (not the longest role the type allows), the names share the rest;
        when that leaves a name column narrower than its header, the headers say "Last" and "First" (a narrow
        pane, e.g. at 900×600, clipped "Last name" to "ast nam")."""
        table = self.creators
        header = table.horizontalHeader()
        role = header.sectionSizeFromContents(0).width()
        for r in range(table.rowCount()):
            combo = table.cellWidget(r, 0)
            if isinstance(combo, QComboBox):
                role = max(role, _combo_width(combo))
        if header.sectionSize(0) != role:
            header.resizeSection(0, role)
        room = (table.viewport().width() - role) // 2
        metrics = header.fontMetrics()
        padding = header.sectionSizeFromContents(1).width() - metrics.horizontalAdvance(_header_text(table, 1))
        full = all(metrics.horizontalAdvance(_CREATOR_HEADERS[c][0]) + padding <= room for c in (1, 2))
        for c in (1, 2):
            label = _CREATOR_HEADERS[c][0 if full else 1]
            item = table.horizontalHeaderItem(c)
            if item is not None and item.text() != label:
                item.setText(label)

    def _fit_creators(self) -> None:
        self._fit_creator_columns()
        rows = self.creators.rowCount()
        h = self.creators.horizontalHeader().height() + sum(self.creators.rowHeight(i) for i in range(rows)) + 6
        self.creators.setFixedHeight(max(h, self.creators.horizontalHeader().height() + 30))

    def _tag_sources(self, record: Record) -> dict[str, str]:
        """Tag -> where it came from ("OpenAlex via openalex"), from the add-ons' accepted suggestions."""
        from refdesk.plugins.suggestions import SuggestionStore

        found = SuggestionStore(self.library).tag_provenance(record)
        return {tag: ", ".join(dict.fromkeys(s.provenance for s in items)) for tag, items in found.items() if items}

    def _fill_tags(self, record: Record) -> None:
        self.tags.clear()
        sources = self._tag_sources(record) if any(t.get("type") == 1 for t in record.tags) else {}
        for tag in record.tags:
            name = str(tag.get("tag", ""))
            auto = tag.get("type") == 1
            item = QListWidgetItem(("⚙ " if auto else "") + name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setData(Qt.ItemDataRole.UserRole + 1, auto)
            if auto:
                origin = sources.get(name)
                item.setToolTip(f"Automatic tag from {origin}" if origin else "Automatic tag (added by an importer or add-on)")
                f = QFont(item.font())
                f.setItalic(True)
                item.setFont(f)
            self.tags.addItem(item)

    def _fill_links(self, record: Record) -> None:
        parts = [
            f'{label}: <a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'
            for label, text, href in identifier_links(record)
        ]
        self.links.setText("<br>".join(parts))
        self.links.setVisible(bool(parts))

    # -- editing ------------------------------------------------------------
    def focus_first_field(self) -> None:
        """Enter on the item table: start editing the title."""
        if self.record is not None:
            self.title_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.title_edit.selectAll()

    def _store(self, change: Callable[[Record], bool]) -> bool:
        """Apply ``change`` to a fresh copy of the record and save it; refresh the pane from the store."""
        if self._loading or self.record is None:
            return False
        key = self.record.key
        try:
            with self.library.transaction():  # read and write at once: a CLI or sync edit in between is kept
                rec = self.library.get(key)
                if not change(rec):
                    return False
                self.library.save(rec, "user")
        except RefdeskError as exc:
            self.failed.emit(str(exc))
            self.show_key(key)
            return False
        self.record = rec
        self.saved.emit(key)
        return True

    def _abstract_edited(self) -> None:
        """The abstract lost focus (or Ctrl+Enter): saved only if the user changed it."""
        if self.abstract.isModified():
            self._commit_field("abstractNote", self.abstract.toPlainText())

    def _commit_edit(self, name: str, edit: QLineEdit | WrappingEdit) -> None:
        """A line edit lost focus or Enter was pressed: save it only if the user changed it, so a field merely
        passed through never writes back what the pane showed over a change made since (by sync or a job)."""
        if edit.isModified():
            edit.setModified(False)
            self._commit_field(name, edit.text())

    def commit_pending(self) -> None:
        """Save what the user typed and has not committed yet (before the pane is filled again)."""
        if self._loading or self.record is None:
            return
        for name, edit in (("title", self.title_edit), *self.editors.items()):
            self._commit_edit(name, edit)
        if self.abstract.document().isModified():
            self._commit_field("abstractNote", self.abstract.toPlainText())

    def _commit_field(self, name: str, value: str) -> None:
        value = value.strip() if name != "abstractNote" else value.strip("\n")

        def change(rec: Record) -> bool:
            if rec.get(name) == value:
                return False
            if value:
                rec.set(name, value, "user")
            else:
                rec.data.pop(name, None)
                rec.provenance.pop(name, None)
            return True

        if self._store(change) and name == "abstractNote":
            self.abstract.document().setModified(False)
        if self.record is not None:
            self._fill_links(self.record)

    def set_field(self, name: str, value: str) -> None:
        """Type ``value`` into a field and commit it (keyboard users and tests)."""
        if name == "title":
            self.title_edit.setText(value)
        elif name == "abstractNote":
            self.abstract.setPlainText(value)
        elif name in self.editors:
            self.editors[name].setText(value)
        self._commit_field(name, value)

    def _creators_from_table(self) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for r in range(self.creators.rowCount()):
            combo = self.creators.cellWidget(r, 0)
            ctype = combo.currentData() if isinstance(combo, QComboBox) else "author"
            last_item = self.creators.item(r, 1)
            first_item = self.creators.item(r, 2)
            last = last_item.text().strip() if last_item else ""
            first = first_item.text().strip() if first_item else ""
            if not last and not first:
                continue
            if first:
                out.append({"creatorType": str(ctype), "firstName": first, "lastName": last})
            else:
                out.append({"creatorType": str(ctype), "name": last})
        return out

    def _commit_creators(self) -> None:
        creators = self._creators_from_table()

        def change(rec: Record) -> bool:
            if rec.creators == creators:
                return False
            rec.set("creators", creators, "user")
            return True

        self._store(change)

    def _role_changed(self, _index: int) -> None:
        self._fit_creator_columns()  # a longer role widens its column
        self._commit_creators()

    def _creator_cell_changed(self, _item: QTableWidgetItem) -> None:
        self._commit_creators()

    def add_creator(self) -> None:
        if self.record is None:
            return
        types = schema.creator_types_for(self.record.item_type) if schema.is_item_type(self.record.item_type) else ("author",)
        self.creators.blockSignals(True)
        self._append_creator_row({"creatorType": types[0] if types else "author", "lastName": "", "firstName": ""}, types)
        self.creators.blockSignals(False)
        self._fit_creators()
        r = self.creators.rowCount() - 1
        self.creators.setCurrentCell(r, 1)
        cell = self.creators.item(r, 1)
        if cell is not None:
            self.creators.editItem(cell)

    def remove_creator(self) -> None:
        r = self.creators.currentRow()
        if r < 0:
            return
        self.creators.removeRow(r)
        self._fit_creators()
        self._commit_creators()

    def _creator_index(self, row: int) -> int | None:
        """The position in the record's creators of the table's ``row`` (None for a row with no name yet)."""
        if not 0 <= row < self.creators.rowCount():
            return None
        def named(r: int) -> bool:
            return any((item := self.creators.item(r, c)) is not None and item.text().strip() for c in (1, 2))
        if not named(row):
            return None
        return sum(named(r) for r in range(row))

    def _update_move_buttons(self) -> None:
        index = self._creator_index(self.creators.currentRow())
        count = len(self._creators_from_table())
        self.move_up.setEnabled(index is not None and index > 0)
        self.move_down.setEnabled(index is not None and index < count - 1)

    def move_creator(self, delta: int) -> None:
        """Move the current creator up (-1) or down (1) among the named ones (rows left empty do not count)."""
        index = self._creator_index(self.creators.currentRow())
        creators = self._creators_from_table()
        if index is None or not 0 <= index + delta < len(creators):
            return
        target = index + delta
        creators[index], creators[target] = creators[target], creators[index]

        def change(rec: Record) -> bool:
            rec.set("creators", creators, "user")
            return True

        if self._store(change) and self.record is not None:
            self._loading = True
            try:
                self._fill_creators(self.record)
            finally:
                self._loading = False
            self.creators.setCurrentCell(target, 1)

    def add_tag(self, name: str) -> None:
        name = name.strip()
        if not name:
            return
        if self._store(lambda rec: rec.add_tag(name)) and self.record is not None:
            self._fill_tags(self.record)

    def _add_tag_from_input(self) -> None:
        self.add_tag(self.tag_input.text())
        self.tag_input.clear()

    def remove_selected_tag(self) -> None:
        item = self.tags.currentItem()
        if item is None:
            return
        name = str(item.data(Qt.ItemDataRole.UserRole))
        if self._store(lambda rec: rec.remove_tag(name)) and self.record is not None:
            self._fill_tags(self.record)
