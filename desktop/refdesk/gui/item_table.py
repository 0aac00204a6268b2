"""The centre table's view: a QTableView that says what to do when it is empty and
turns Enter into "edit this item"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import QTableView, QWidget


class ItemTable(QTableView):
    """Emits ``edit_requested`` on Enter; ``empty_text`` is drawn in the middle of an empty table."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = ""

    def reset(self) -> None:
        """The model was reset (a search, a sort, a refresh): lay the rows out now, so the table paints once.

        Qt lays the rows out on a zero timer that fires after the first paint; when the row count changed
        (nearly every keystroke in the search box) the new scroll range then paints the whole table again.
        """
        super().reset()
        self.executeDelayedItemsLayout()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        model = self.model()
        if self.empty_text and model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(40, 0, -40, 0)
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.empty_text)
            painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.edit_requested.emit()
            return
        super().keyPressEvent(event)
