"""A page read from an anchor (a row the caller already has, or the end) is the page read by its offset.

The app's table passes the nearest page it holds, so that a page deep in a big library costs the rows between it
and that page instead of every row before it; the rows must be the same whichever plan reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from refdesk.library import store
from refdesk.library.store import Anchor, Order

from tests.test_library_order import DATES, build

FILTERS = [(None, None, None, False), ("peat", None, None, True), ("carb", "user", None, False),
           ("pe", "group:51240", None, True), (None, "user", "COLLAAAA", False), (None, None, None, True)]


@pytest.mark.parametrize("dates", DATES)
@pytest.mark.parametrize("walk_index", [True, False], ids=["index walk", "sort matches"])
@pytest.mark.parametrize("order", ["added", "title", "creators", "year", "publication"])
def test_a_page_read_from_an_anchor_is_the_page_at_its_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: Order, walk_index: bool, dates: str
) -> None:
    monkeypatch.setattr(store, "_SCAN_IN_ORDER_ABOVE", 0 if walk_index else 10**9)
    lib, _ = build(tmp_path / "paging.sqlite", dates)
    with lib:
        for search, library_id, collection, top_level in FILTERS:
            for descending in (None, not store._DEFAULT_DESCENDING[order]):
                listing = lib.rows(0, 1000, order, search, library_id, descending, collection, top_level=top_level)
                ask = (order, search, library_id, descending, collection)

                def page(offset: int, limit: int, anchor: Anchor | None = None, ask: tuple[Any, ...] = ask,
                         top_level: bool = top_level) -> list[str]:
                    return [r.key for r in lib.rows(offset, limit, *ask, top_level=top_level, anchor=anchor)]

                total = len(listing)
                assert total > 30 and len({r.id for r in listing}) == total
                for offset in (10, 17, total - 12, total - 5):
                    expected = page(offset, 10)
                    assert expected == [r.key for r in listing[offset:offset + 10]]
                    for place in (0, 3, offset - 1, offset + 10, offset + 14, total - 1):
                        if 0 <= place < total:
                            got = page(offset, 10, Anchor(place, listing[place]))
                            assert got == expected, (search, library_id, collection, descending, offset, place)
                    assert page(offset, 10, Anchor(total)) == expected  # the end
                assert page(total - 3, 10, Anchor(total)) == [r.key for r in listing[-3:]]
                assert page(total + 5, 10, Anchor(total)) == []


def test_a_row_carries_its_item_id(tmp_path: Path) -> None:
    lib, _ = build(tmp_path / "ids.sqlite")
    with lib:
        first = lib.rows(0, 1)[0]
        assert first.id == lib.execute("SELECT id FROM items WHERE key = ?", (first.key,))[0][0]
        assert lib.child_rows(first.key) == []
