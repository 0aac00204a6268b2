"""A note in a simple rich-text editor (bold, italic, underline, lists, headings), saved through ``Library.save``.

A Zotero note is HTML in the item's ``note`` field, so the editor is a ``QTextEdit`` and what it saves is the
body of Qt's HTML with Qt's own bookkeeping styles taken out (``-qt-*`` properties and the default margins Qt
writes on every paragraph); the record is read again inside the transaction that saves it, so a change made
meanwhile elsewhere (a sync) to other fields is kept. Saving is a journaled edit, which sync uploads.
The note is saved when the editor loses focus, a second after typing stops, and before another record is shown.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QFocusEvent, QFont, QKeySequence, QTextCharFormat, QTextListFormat
from PySide6.QtWidgets import QLabel, QTextEdit, QToolBar, QVBoxLayout, QWidget

from refdesk.errors import RefdeskError
from refdesk.library import Library
from refdesk.model import Record, note_title

SAVE_PAUSE_MS = 1000

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_QT_PROPERTY = re.compile(r"\s*-qt-[\w-]+:[^;\"]*;?")
_DEFAULT_MARGINS = re.compile(r"\s*margin-(?:top|bottom|left|right):0px;|\s*text-indent:0px;")
_EMPTY_STYLE = re.compile(r' style="\s*"')
_FRAGMENT = re.compile(r"<!--(?:Start|End)Fragment-->")


def clean_html(qt_html: str) -> str:
    """The note's HTML from ``QTextEdit.toHtml()``: the body only, without Qt's bookkeeping styles."""
    found = _BODY.search(qt_html)
    body = found.group(1) if found else qt_html
    body = _FRAGMENT.sub("", body)
    body = _QT_PROPERTY.sub("", body)
    body = _DEFAULT_MARGINS.sub("", body)
    body = _EMPTY_STYLE.sub("", body)
    return body.strip()


class _Edit(QTextEdit):
    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()


class NoteEditor(QWidget):
    """Edits one note; emits ``saved(key)`` after each stored change and ``failed(message)`` on a refusal."""

    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.library = library
        self.key: str | None = None
        self._saved_html = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel("Note")
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        # wraps: one line as long as the note's first line set the pane's minimum width, and at 900×600 a long
        # first line pushed the item table down to 100 px
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.parent_label = QLabel()
        self.parent_label.setObjectName("hint")
        self.parent_label.setWordWrap(True)
        layout.addWidget(self.parent_label)
        self.tools = QToolBar()
        self.tools.setObjectName("noteTools")
        layout.addWidget(self.tools)
        self.edit = _Edit()
        self.edit.setObjectName("noteText")
        self.edit.setAcceptRichText(True)
        self.edit.setPlaceholderText("Write the note here; its first line is its title")
        layout.addWidget(self.edit, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SAVE_PAUSE_MS)
        self.timer.timeout.connect(self.save)
        self.edit.textChanged.connect(self._typed)
        self.edit.left.connect(self.save)
        self._loading = False
        self._add_tools()

    def _add_tools(self) -> None:
        def char(text: str, tip: str, shortcut: str, apply: object) -> QAction:
            act = QAction(text, self)
            act.setToolTip(f"{tip} ({shortcut})")
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(apply)
            self.tools.addAction(act)
            self.edit.addAction(act)
            return act

        self.act_bold = char("B", "Bold", "Ctrl+B", lambda: self._format(
            weight=QFont.Weight.Normal if self.edit.fontWeight() > QFont.Weight.Normal else QFont.Weight.Bold))
        self.act_italic = char("I", "Italic", "Ctrl+I", lambda: self._format(italic=not self.edit.fontItalic()))
        self.act_underline = char("U", "Underline", "Ctrl+U",
                                  lambda: self._format(underline=not self.edit.fontUnderline()))
        self.tools.addSeparator()
        char("• List", "Bulleted list", "Ctrl+Shift+8", lambda: self._list(QTextListFormat.Style.ListDisc))
        char("1. List", "Numbered list", "Ctrl+Shift+7", lambda: self._list(QTextListFormat.Style.ListDecimal))
        char("Heading", "Heading", "Ctrl+Alt+1", self._heading)

    def _format(self, weight: QFont.Weight | None = None, italic: bool | None = None,
                underline: bool | None = None) -> None:
        fmt = QTextCharFormat()
        if weight is not None:
            fmt.setFontWeight(weight)
        if italic is not None:
            fmt.setFontItalic(italic)
        if underline is not None:
            fmt.setFontUnderline(underline)
        self.edit.mergeCurrentCharFormat(fmt)

    def _list(self, style: QTextListFormat.Style) -> None:
        cursor = self.edit.textCursor()
        current = cursor.currentList()
        if current is not None and current.format().style() == style:
            block = cursor.blockFormat()
            current.remove(cursor.block())
            block.setIndent(0)
            cursor.setBlockFormat(block)
            return
        fmt = QTextListFormat()
        fmt.setStyle(style)
        cursor.createList(fmt)

    def _heading(self) -> None:
        cursor = self.edit.textCursor()
        block = cursor.blockFormat()
        level = 0 if block.headingLevel() else 2
        block.setHeadingLevel(level)
        cursor.setBlockFormat(block)
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if level else QFont.Weight.Normal)
        fmt.setProperty(QTextCharFormat.Property.FontSizeAdjustment, 1 if level else 0)
        cursor.select(cursor.SelectionType.BlockUnderCursor)
        cursor.mergeCharFormat(fmt)

    # -- loading and saving -----------------------------------------------------
    def show_note(self, record: Record | None, parent_title: str = "") -> None:
        """Edit ``record`` (a note), after saving the one shown; None shows nothing."""
        if record is not None and record.key == self.key:
            return
        self.save()
        self._loading = True
        try:
            self.key = record.key if record is not None else None
            self._saved_html = record.get("note") if record is not None else ""
            self.edit.setHtml(self._saved_html)
            self.edit.document().setModified(False)
            self.heading.setText("Note")
            self.parent_label.setText(f"In: {parent_title}" if parent_title else "A standalone note")
            self.parent_label.setVisible(record is not None)
        finally:
            self._loading = False

    def _typed(self) -> None:
        if not self._loading and self.key:
            self.timer.start()

    def html(self) -> str:
        return clean_html(self.edit.toHtml()) if self.edit.toPlainText().strip() else ""

    def save(self) -> bool:
        """Store the note if it changed; True when a change was saved."""
        self.timer.stop()
        if not self.key or not self.edit.document().isModified():
            return False
        html = self.html()
        key = self.key
        try:
            with self.library.transaction():  # read where it is written: a sync's change meanwhile is kept
                rec = self.library.get(key)
                if rec.get("note") == html:
                    self.edit.document().setModified(False)
                    return False
                rec.data["note"] = html
                self.library.save(rec, "user", changed=["note"])
        except RefdeskError as exc:
            self.failed.emit(str(exc))
            return False
        self.edit.document().setModified(False)
        self._saved_html = html
        self.heading.setText(f"Note: {note_title(html)}" if note_title(html) else "Note")
        self.saved.emit(key)
        return True
