"""The item table reads a page from the nearest row it holds (or from the end), and shows what an offset shows."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt
from refdesk.app import AppContext
from refdesk.gui.library_model import COLUMNS, PAGE, LibraryModel

from tests.gui.conftest import make_record


def test_pages_read_in_any_order_from_anchors_are_the_listing(ctx: AppContext, qtbot: Any) -> None:
    ctx.library.add_many([make_record(n, title=f"{random.Random(n).choice(['peat', 'Bog', 'fen'])} {n % 7}")
                          for n in range(PAGE * 9 + 13)])
    anchors: list[Any] = []
    real_rows = ctx.library.rows

    def rows(*args: Any, **kwargs: Any) -> Any:
        anchors.append(kwargs.get("anchor"))
        return real_rows(*args, **kwargs)

    ctx.library.rows = rows  # type: ignore[method-assign]
    model = LibraryModel(ctx.library)
    title = [c.name for c in COLUMNS].index("title")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(title, order)
        expected = [r.key for r in real_rows(0, 10_000, "title", descending=order == Qt.SortOrder.DescendingOrder,
                                             top_level=True)]
        places = list(range(model.rowCount()))
        random.Random(3).shuffle(places)
        got = {p: model.key_at(p) for p in [model.rowCount() - 1, 0, *places]}  # the end first: read from the end
        assert [got[p] for p in range(model.rowCount())] == expected
    used = [a for a in anchors if a is not None]
    assert any(a.row is None for a in used) and any(a.row is not None for a in used)
