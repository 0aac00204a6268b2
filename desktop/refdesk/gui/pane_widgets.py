"""Pieces of an item pane that reads well: a title and long fields that wrap, collapsible sections, a wheel
that scrolls the pane, and where a value came from in words.

A QLineEdit shows one line: a 20-word title or a journal's full name was cut at the pane's edge, and
Zotero wraps both. ``WrappingEdit`` is a text editor (plain text only) that grows with its text and offers the few
QLineEdit calls the pane uses (``text``, ``setText``, ``isModified``, ``editingFinished``), so a field
can switch editor without the pane's saving logic noticing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QTextOption
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QLabel,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refdesk.config import config_dir


def pane_settings() -> QSettings:
    return QSettings(str(config_dir() / "gui.ini"), QSettings.Format.IniFormat)


class WrappingEdit(QTextEdit):
    """A one-value editor that wraps over as many lines as its text needs (no scroll bar of its own).

    Enter ends the edit (``editingFinished``), as in a line edit; with ``multiline`` (Extra) Enter starts a new
    line and Ctrl+Enter ends the edit. Leaving the field also ends it.
    """

    editingFinished = Signal()
    returnPressed = Signal()

    def __init__(self, parent: QWidget | None = None, *, multiline: bool = False) -> None:
        super().__init__(parent)
        self.multiline = multiline
        self.setAcceptRichText(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustIgnored)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._size_changed)
        self._fit()

    # -- the QLineEdit calls the pane uses -------------------------------------------------------------
    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        self.document().setModified(False)
        self._fit()

    def isModified(self) -> bool:
        return bool(self.document().isModified())

    def setModified(self, modified: bool) -> None:
        self.document().setModified(modified)

    def setCursorPosition(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(min(position, len(self.toPlainText())))
        self.setTextCursor(cursor)

    def retire(self) -> None:
        """About to be deleted (the pane rebuilds its form): no more signals, from it or its document's layout,
        which would otherwise reach a half-destroyed editor."""
        self.blockSignals(True)
        self.document().blockSignals(True)
        self.document().documentLayout().blockSignals(True)

    # -- behaviour ---------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and (not self.multiline or event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.returnPressed.emit()
            self.editingFinished.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _size_changed(self, _size: Any) -> None:
        self._fit()

    def _fit(self) -> None:
        """As tall as the wrapped text (at least one line)."""
        text_height = max(self.document().size().height(), float(self.fontMetrics().lineSpacing()))
        height = int(text_height + 0.999) + 2 * self.frameWidth()
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def sizeHint(self) -> Any:
        hint = super().sizeHint()
        hint.setHeight(self.height())
        return hint


class WrappingLabel(QLabel):
    """A word-wrapped label as tall as its wrapped text: in a QFormLayout a wrapped label kept one line's height
    (at 900×600 the Date Added's time was cut off under its date)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def _fit(self) -> None:
        height = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if height > 0 and self.minimumHeight() != height:
            self.setMinimumHeight(height)


class Section(QWidget):
    """A heading that folds its content away (Info, Abstract, Tags, Sources), remembered across runs."""

    toggled = Signal(bool)

    def __init__(self, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 0)
        outer.setSpacing(2)
        self.header = QToolButton()
        self.header.setObjectName(f"section:{name}")
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setAccessibleName(f"{title} section")
        outer.addWidget(self.header)
        self.body = QFrame()
        self.body.setObjectName(f"sectionBody:{name}")
        self.content = QVBoxLayout(self.body)
        self.content.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.body)
        collapsed = pane_settings().value(f"itemPane/collapsed/{name}", False)
        self.header.setChecked(collapsed not in (True, "true"))
        self._apply(self.header.isChecked())
        self.header.toggled.connect(self._toggled)

    def _apply(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.header.setToolTip(f"{'Hide' if expanded else 'Show'} {self.header.text()}")

    def _toggled(self, expanded: bool) -> None:
        self._apply(expanded)
        s = pane_settings()
        s.setValue(f"itemPane/collapsed/{self.name}", not expanded)
        s.sync()
        self.toggled.emit(expanded)

    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)


class WheelToPane(QObject):
    """The mouse wheel over an editor without focus (the abstract), or one with nothing to scroll, scrolls the
    pane, not the editor: reading down the pane must not get stuck in a box the pointer happens to cross."""

    def __init__(self, editor: QAbstractScrollArea, pane_scroller: QAbstractScrollArea) -> None:
        super().__init__(editor)
        self.editor = editor
        self.pane = pane_scroller
        editor.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel:  # (first: other events arrive while the editor is being deleted)
            return False
        bar = self.editor.verticalScrollBar()
        if not self.editor.hasFocus() or bar.maximum() <= bar.minimum():
            QApplication.sendEvent(self.pane.verticalScrollBar(), event)
            return True
        return False


#: The web extractors' names (provenance "web:<name>") as what a person would call them.
_WEB = {
    "highwire": "the page's citation tags", "dublincore": "the page's Dublin Core tags",
    "jsonld": "the page's schema.org data", "opengraph": "the page's Open Graph tags", "coins": "the page's COinS",
    "prism": "the page's PRISM tags", "ojs": "the journal site (Open Journal Systems)", "html": "the page's title and links",
    "body": "the page's text", "state": "the page's embedded data", "vufind": "the library catalogue page",
    "mods": "the page's MODS export", "ris": "the page's RIS export", "bibtex": "the page's BibTeX export",
    "csljson": "the page's CSL-JSON export", "endnote": "the page's EndNote export", "page": "the page",
}
_NAMED = {
    "doi:csl": "the DOI's registration agency (Crossref, DataCite…)", "import:doi": "the DOI's registration agency",
    "import:isbn": "the ISBN lookup", "import:url": "the web page", "import:file": "an imported file",
    "import:issn": "the journal's listing", "sync": "Zotero (sync)", "zotero": "Zotero (sync)", "user": "you",
}


def provenance_words(source: str) -> str:
    """Where a value came from, as a sentence fragment: "web:highwire" -> "the page's citation tags",
    "import:issn:OpenAlex" -> "OpenAlex (the journal's listing)", "plugin:crossref" -> "the crossref add-on"."""
    if source in _NAMED:
        return _NAMED[source]
    kind, _, rest = source.partition(":")
    if kind == "web":
        return _WEB.get(rest, f"the page ({rest})" if rest else "the page")
    if kind == "plugin":
        return f"the {rest} add-on" if rest else "an add-on"
    if source.startswith("import:issn:"):
        name = source.removeprefix("import:issn:")
        return "the name this journal has in your library" if name == "library" else f"{name} (the journal's listing)"
    if kind == "import":
        return f"the {rest} import" if rest else "an import"
    if kind == "file":
        return f"a {rest.upper()} file" if rest else "a file"
    return source


def sources_sentence(sources: list[str]) -> str:
    """"From the page's citation tags and Crossref." for the record's sources (the user's own edits left out)."""
    words = list(dict.fromkeys(provenance_words(s) for s in sources if s != "user"))
    if not words:
        return ""
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"From {joined}."
