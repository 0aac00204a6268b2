"""A narrow window gives the item table its room first: the side panes, then the table's own side columns, give way.

QSplitter alone keeps the side panes at their width and squeezes the centre (at 900 px the table
kept only Title and half of Creator). ``ResponsiveSplitter`` remembers the side panes' widths as
the user set them and, when the window is too narrow for them and a usable table, narrows them
towards their minimum; widened again, they return to what the user chose. ``ColumnFitter`` does
the same inside the table: the columns beside Title shrink (each in proportion to what it has above
the width its header needs) before Title drops under a readable width, and grow back when there is room.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableView, QWidget


class ResponsiveSplitter(QSplitter):
    """Three panes (side, centre, side); the centre keeps ``centre_min`` px while the sides can shrink."""

    def __init__(self, centre_min: int = 540, side_min: tuple[int, int] = (110, 240), parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.centre_min = centre_min
        self.side_min = side_min
        self.preferred: tuple[int, int] | None = None  # the side panes' widths as the user left them
        self._fitting = False
        self.splitterMoved.connect(self._moved)

    def _moved(self, _pos: int, _index: int) -> None:
        if not self._fitting:
            sizes = self.sizes()
            self.preferred = (sizes[0], sizes[2])

    def setSizes(self, sizes: Any) -> None:
        super().setSizes(sizes)
        if not self._fitting and len(sizes) == 3:
            self.preferred = (int(sizes[0]), int(sizes[2]))

    def restoreState(self, state: Any) -> bool:
        ok = super().restoreState(state)
        sizes = self.sizes()
        if ok and len(sizes) == 3 and (sizes[0] or sizes[2]):
            self.preferred = (sizes[0], sizes[2])
        self.fit()
        return bool(ok)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def wanted_sizes(self, total: int) -> list[int]:
        """The three widths for ``total`` px: the preferred sides if the centre keeps ``centre_min``, else sides
        shrunk (each in proportion to what it can give) until it does or they reach their minimum."""
        left, right = self.preferred or (self.sizes()[0], self.sizes()[2])
        short = self.centre_min - (total - left - right)
        if short > 0:
            give = [max(0, left - self.side_min[0]), max(0, right - self.side_min[1])]
            can = sum(give)
            if can:
                take = min(short, can)
                left -= round(take * give[0] / can)
                right -= take - round(take * give[0] / can)
        return [left, max(0, total - left - right), right]

    def fit(self) -> None:
        if self.count() != 3 or self.preferred is None:
            return
        total = sum(self.sizes())
        if total <= 0:
            return
        sizes = self.wanted_sizes(total)
        if sizes != self.sizes():
            self._fitting = True
            try:
                super().setSizes(sizes)
            finally:
                self._fitting = False


class ColumnFitter(QObject):
    """Keeps the stretching first column (Title) at least ``title_min`` px by narrowing the other visible
    columns, down to the width of their header; the widths the user gives them by hand are what they grow back to."""

    def __init__(self, table: QTableView, title_min: int = 220) -> None:
        super().__init__(table)
        self.table = table
        self.title_min = title_min
        self.preferred: dict[int, int] = {}
        self._fitting = False
        # Only a table the user has seen is fitted: the widths restored at start-up are shown as saved
        # (they were fitted, if need be, before the window closed).
        self._seen = False
        header = table.horizontalHeader()
        for i in range(1, header.count()):
            if header.sectionSize(i) > 0:
                self.preferred[i] = header.sectionSize(i)
        header.sectionResized.connect(self._resized)
        table.viewport().installEventFilter(self)

    def _resized(self, index: int, _old: int, new: int) -> None:
        if not self._fitting and index != 0 and new > 0:
            self.preferred[index] = new

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            if not self._seen:
                self._seen = True
                self._first_fit()
        elif event.type() == QEvent.Type.Resize and self._seen:
            self.fit()
        return False

    def _first_fit(self) -> None:
        """The first paint: fit only if Title is narrower than ``title_min`` (a window first opened narrow, or a
        saved state from a wider screen); a restored table that was fitted before closing is left as saved.
        (At 900 px with no saved state, the default widths left Title 26 px until the window was resized.)"""
        if self.table.horizontalHeader().sectionSize(0) < self.title_min:
            self.fit()

    def floor(self, section: int) -> int:
        """The narrowest a column gets: its header stays readable (with room for the sort arrow)."""
        header = self.table.horizontalHeader()
        model = self.table.model()
        title = str(model.headerData(section, Qt.Orientation.Horizontal)) if model is not None else ""
        return max(header.minimumSectionSize(), header.fontMetrics().horizontalAdvance(title) + 28)

    def fit(self) -> None:
        """Give Title ``title_min`` if the other columns can spare it: each gives in proportion to what it has
        above its floor, so Year (already narrow) keeps its width and Publication gives the most."""
        header: QHeaderView = self.table.horizontalHeader()
        width = self.table.viewport().width()
        shown = [i for i in range(1, header.count()) if not header.isSectionHidden(i)]
        wanted = {i: self.preferred.get(i) or header.sectionSize(i) for i in shown}
        floors = {i: min(wanted[i], self.floor(i)) for i in shown}
        deficit = sum(wanted.values()) - (width - self.title_min)
        spare = sum(wanted[i] - floors[i] for i in shown)
        share = 0.0 if deficit <= 0 or spare <= 0 else min(1.0, deficit / spare)
        self._fitting = True
        try:
            for i in shown:
                size = round(wanted[i] - (wanted[i] - floors[i]) * share)
                if header.sectionSize(i) != size:
                    header.resizeSection(i, size)
        finally:
            self._fitting = False

    def restore(self, preferred: object = None) -> None:
        """After the header's saved state was restored: the widths the user chose are ``preferred`` (as ``saved``
        gave them) or, without it, the restored ones."""
        header = self.table.horizontalHeader()
        self.preferred = {i: header.sectionSize(i) for i in range(1, header.count()) if header.sectionSize(i) > 0}
        if isinstance(preferred, str):
            for part in preferred.split(","):
                index, _, width = part.partition(":")
                if index.isdigit() and width.isdigit() and 0 < int(index) < header.count() and int(width) > 0:
                    self.preferred[int(index)] = int(width)

    def saved(self) -> str:
        """The user's widths, to keep beside the header's state (which holds them as fitted)."""
        return ",".join(f"{i}:{w}" for i, w in sorted(self.preferred.items()))
